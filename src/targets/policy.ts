import type { Case } from "../dataset/case.ts";
import { classifyError } from "./classify.ts";
import { scrubMessage } from "./secrets.ts";
import { asTargetFailure, raceAbort } from "./shared.ts";
import {
  type ErrorClass,
  type Output,
  type Target,
  type TargetError,
  TargetFailure,
  type TargetResponse,
} from "./types.ts";

export { classifyError } from "./classify.ts";

export interface BackoffOptions {
  /** the first retry waits up to this long (default 250 ms) */
  baseMs?: number;
  /** no wait is longer, whatever the server asks (default 30 s) */
  maxMs?: number;
  /** growth per attempt (default 2) */
  factor?: number;
}

export interface CallPolicy {
  /** per attempt; the call is aborted (and the attempt classified `timeout`) after this long */
  timeoutMs: number;
  /** attempts after the first, for retryable failures */
  retries: number;
  backoff?: BackoffOptions;
  /** run-wide cancellation (Ctrl-C): stops the call and any retry at once, as `cancelled` */
  signal?: AbortSignal;
  /** waits between attempts; resolves early when `signal` aborts (injectable for tests) */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** uniform in [0, 1), for jitter (injectable for tests) */
  random?: () => number;
  /** a monotonic clock in ms, for latency (default performance.now) */
  now?: () => number;
  /** told before each wait for a retry */
  onRetry?: (info: { attempt: number; error: TargetError; delayMs: number }) => void;
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
const MAX_TIMER_MS = 2 ** 31 - 1;

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

/**
 * Calls a target for one (case, epoch) under the run's policy and returns what is stored: the
 * normalised output, or a classified error. Never throws.
 */
export async function callWithPolicy(
  target: Target,
  c: Case,
  epoch: number,
  policy: CallPolicy,
): Promise<Output> {
  const runSignal = policy.signal;
  const sleep = policy.sleep ?? defaultSleep;
  const random = policy.random ?? Math.random;
  const now = policy.now ?? (() => performance.now());
  const retries = Number.isFinite(policy.retries) ? Math.max(0, Math.floor(policy.retries)) : 0;
  const maxAttempts = target.deterministic ? 1 : retries + 1;

  let attempts = 0;
  let latencyMs = 0;
  for (;;) {
    if (runSignal?.aborted) return errorOutput(cancelled(), attempts, latencyMs);
    attempts++;
    const result = await attempt(target, c, epoch, policy.timeoutMs, runSignal, now);
    latencyMs = result.latencyMs;
    if (result.response) {
      try {
        return toOutput(result.response, attempts, latencyMs);
      } catch (err) {
        result.failure = failureOf(err);
      }
    }
    const failure = result.failure!;
    if (runSignal?.aborted) return errorOutput(cancelled(), attempts, latencyMs);
    if (!isRetryable(failure.error.class) || attempts >= maxAttempts) {
      return errorOutput(failure.error, attempts, latencyMs);
    }
    const delayMs = backoffDelay(attempts, policy.backoff, random, failure.retryAfterMs);
    try {
      policy.onRetry?.({ attempt: attempts, error: failure.error, delayMs });
    } catch {
      // a listener's fault is not the call's
    }
    try {
      await sleep(delayMs, runSignal);
    } catch {
      // a sleep that rejects (aborted) is only a shorter sleep; the signal is checked next
    }
  }
}

interface Failure {
  error: TargetError;
  retryAfterMs?: number;
}

interface AttemptResult {
  response?: TargetResponse;
  failure?: Failure;
  latencyMs: number;
}

async function attempt(
  target: Target,
  c: Case,
  epoch: number,
  timeoutMs: number,
  runSignal: AbortSignal | undefined,
  now: () => number,
): Promise<AttemptResult> {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(cancelled());
  runSignal?.addEventListener("abort", onRunAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
    timer = setTimeout(
      () => controller.abort(new TargetFailure("timeout", `no answer within ${timeoutMs} ms`)),
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
  }
  const signal = controller.signal;
  const started = now();
  try {
    const call = Promise.resolve().then(() => target.call({ case: c, epoch, signal, timeoutMs }));
    const response = await raceAbort(call, signal, `target "${target.id}"`);
    return { response, latencyMs: now() - started };
  } catch (err) {
    const latencyMs = now() - started;
    // Once the attempt is aborted, the reason (timeout or cancellation) is what happened,
    // whatever the target made of its aborted work.
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    return { failure: failureOf(reason instanceof TargetFailure ? reason : err), latencyMs };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    runSignal?.removeEventListener("abort", onRunAbort);
  }
}

function failureOf(err: unknown): Failure {
  const error = classifyError(err);
  const retryAfterMs = asTargetFailure(err)?.retryAfterMs;
  return retryAfterMs !== undefined ? { error, retryAfterMs } : { error };
}

function cancelled(): TargetFailure {
  return new TargetFailure("cancelled", "the run was cancelled");
}

function errorOutput(err: TargetError | TargetFailure, attempts: number, latencyMs: number): Output {
  const error =
    err instanceof TargetFailure ? classifyError(err) : { ...err, message: scrubMessage(err.message) };
  return { text: "", latencyMs, attempts, error };
}

/** The stored form of a response: text, and JSON when the output is (or parses to) an object or array. */
export function toOutput(response: TargetResponse, attempts: number, latencyMs: number): Output {
  const value = response.output;
  if (value === undefined) throw new TargetFailure("empty-response", "the target returned no output");
  let text: string;
  let json: unknown;
  if (typeof value === "string") {
    text = value;
    json = parseJsonStructure(text);
  } else {
    let serialised: string | undefined;
    try {
      serialised = JSON.stringify(value);
    } catch (err) {
      throw new TargetFailure(
        "malformed-response",
        `the output is not JSON-serialisable (${(err as Error).message})`,
      );
    }
    if (serialised === undefined) {
      throw new TargetFailure(
        "malformed-response",
        `the output is not JSON-serialisable (a ${typeof value})`,
      );
    }
    text = serialised;
    if (value !== null && typeof value === "object") json = safeJsonParse(serialised);
  }
  const out: Output = { text, latencyMs: response.latencyMs ?? latencyMs, attempts };
  if (json !== undefined) out.json = json;
  if (response.trace !== undefined) out.trace = response.trace;
  if (response.usage !== undefined) out.usage = response.usage;
  if (response.costUsd !== undefined) out.costUsd = response.costUsd;
  if (response.ttftMs !== undefined) out.ttftMs = response.ttftMs;
  return out;
}

/** The text as JSON when it is a JSON object or array; undefined otherwise. */
export function parseJsonStructure(text: string): unknown {
  const t = text.trim();
  const first = t[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    const value = safeJsonParse(t);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** JSON.parse (data only, never evaluated) without `__proto__` members, which could reshape objects they are merged into. */
export function safeJsonParse(text: string): unknown {
  if (!text.includes("__proto__")) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === "__proto__" ? undefined : value));
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener("abort", done, { once: true });
  });
}
