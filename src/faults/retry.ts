import type { ErrorClass } from "../core/output.ts";
import { onAbort } from "./abort.ts";

export interface BackoffOptions {
  /** the first retry waits up to this long (default 250 ms) */
  baseMs?: number;
  /** no wait is longer, whatever the server asks (default 30 s) */
  maxMs?: number;
  /** growth per attempt (default 2) */
  factor?: number;
}

/** Failures worth another attempt: transient faults of the target or the network. */
export const RETRYABLE_CLASSES: ReadonlySet<ErrorClass> = new Set<ErrorClass>([
  "timeout",
  "rate-limited",
  "server-error",
  "connection",
  "empty-response",
  "malformed-response",
]);

export function isRetryable(errorClass: ErrorClass): boolean {
  return RETRYABLE_CLASSES.has(errorClass);
}

const DEFAULT_BACKOFF = { baseMs: 250, maxMs: 30_000, factor: 2 };
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The wait before retry number `attempt` (1 = after the first failure): exponential backoff with
 * full jitter, `random() × min(maxMs, baseMs × factor^(attempt-1))`, raised to the server's
 * Retry-After when that is longer, and never more than `maxMs`.
 */
export function backoffDelay(
  attempt: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const baseMs = nonNegative(backoff.baseMs, DEFAULT_BACKOFF.baseMs);
  const maxMs = nonNegative(backoff.maxMs, DEFAULT_BACKOFF.maxMs);
  const factor = Math.max(1, nonNegative(backoff.factor, DEFAULT_BACKOFF.factor));
  const cap = Math.min(maxMs, baseMs * factor ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  let delay = r * cap;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > delay) {
    delay = Math.min(retryAfterMs, maxMs);
  }
  return Math.round(delay);
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Waits `ms`, resolving early when `signal` aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    let stop = () => {};
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    // every waiting worker watches the run's signal: one shared listener, not one each
    if (signal) stop = onAbort(signal, done);
  });
}
