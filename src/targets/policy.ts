import type { Case } from "../core/case.ts";
import { abortable, abortFailure, asTargetFailure, onAbort } from "../faults/abort.ts";
import { classifyError } from "../faults/classify.ts";
import {
  type BackoffOptions,
  backoffDelay,
  defaultSleep,
  isRetryable,
  MAX_TIMER_MS,
} from "../faults/retry.ts";
import { scrubMessage } from "../faults/secrets.ts";
import { parseJsonStructure, safeJsonParse } from "../util/json.ts";
import { type Output, type Target, type TargetError, TargetFailure, type TargetResponse } from "./types.ts";

export { classifyError } from "../faults/classify.ts";
export { type BackoffOptions, backoffDelay, isRetryable, RETRYABLE_CLASSES } from "../faults/retry.ts";
export { parseJsonStructure, safeJsonParse } from "../util/json.ts";

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
  /** paces attempts: every attempt waits for the gate, and a rate-limited answer tells it */
  gate?: RateGate;
  /** told before each wait for a retry */
  onRetry?: (info: { attempt: number; error: TargetError; delayMs: number }) => void;
}

/**
 * A rate limit shared by every call to one target: in process (limits.rpm), or across machines
 * (a Redis token bucket when workers take jobs from a queue).
 */
export interface RateGate {
  /** resolves when the next attempt may start; rejects only when `signal` aborts */
  acquire(signal?: AbortSignal): Promise<void>;
  /** the target answered 429: hold every caller back for `retryAfterMs` (or a default pause) */
  rateLimited(retryAfterMs?: number): void;
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
    if (policy.gate) {
      try {
        await policy.gate.acquire(runSignal);
      } catch {
        return errorOutput(cancelled(), attempts, latencyMs);
      }
      if (runSignal?.aborted) return errorOutput(cancelled(), attempts, latencyMs);
    }
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
    if (failure.error.class === "rate-limited") policy.gate?.rateLimited(failure.retryAfterMs);
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
  const controller = abortable();
  const signal = controller.signal;
  // Only this function aborts the attempt's signal (its timer, or the run's cancellation), so it
  // ends the race itself when it does, rather than through a listener on the signal: an
  // EventTarget listener added and removed per call is a measurable share of a run's CPU.
  let lose: (() => void) | undefined;
  const abort = (reason: TargetFailure) => {
    controller.abort(reason);
    lose?.();
  };
  // every call in flight watches the run's signal: through one shared listener (onAbort), since
  // one listener per call passes Node's limit of 10 at concurrency 11 and warns
  const stopWatchingRun = runSignal ? onAbort(runSignal, () => abort(cancelled())) : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
    timer = setTimeout(
      () => abort(new TargetFailure("timeout", `no answer within ${timeoutMs} ms`)),
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
  }
  const started = now();
  try {
    const call = Promise.resolve().then(() => target.call({ case: c, epoch, signal, timeoutMs }));
    // Settles with the call, or with the abort failure as soon as the attempt is aborted, so that
    // a target which ignores its signal cannot hold a call past its timeout (as raceAbort does).
    const response = await new Promise<TargetResponse>((resolve, reject) => {
      lose = () => reject(abortFailure(signal, `target "${target.id}"`));
      call.then(resolve, reject);
    });
    return { response, latencyMs: now() - started };
  } catch (err) {
    const latencyMs = now() - started;
    // Once the attempt is aborted, the reason (timeout or cancellation) is what happened,
    // whatever the target made of its aborted work.
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    return { failure: failureOf(reason instanceof TargetFailure ? reason : err), latencyMs };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    stopWatchingRun?.();
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
  if (response.cached === true) out.cached = true;
  if (response.confidence !== undefined) out.confidence = response.confidence;
  return out;
}
