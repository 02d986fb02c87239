import { type TargetError, TargetFailure, type Usage } from "../../core/output.ts";
import { asTargetFailure, raceAbort } from "../../faults/abort.ts";
import { classifyError } from "../../faults/classify.ts";
import { backoffDelay, isRetryable } from "../../faults/retry.ts";
import type { ChatClient, ChatRequest, ChatResponse } from "../../llm/types.ts";

/**
 * One judge call with its own retries. The engine retries targets, not evaluators, so a judge
 * retries the retryable failure classes (rate limits, server errors, timeouts, connection faults,
 * empty or malformed bodies) itself, with exponential backoff and full jitter, honouring
 * Retry-After; after the last attempt, or at once for other classes, the classified error is
 * returned and the caller leaves the case unscored with it.
 */

export interface JudgeCallPolicy {
  /** attempts after the first for retryable failures (default 2) */
  retries?: number;
  /** per attempt, ms (default 120 000); the attempt is aborted and classified `timeout` after it */
  timeoutMs?: number;
  /** first backoff in ms (default 500) */
  backoffBaseMs?: number;
  /** longest wait in ms (default 30 000) */
  backoffMaxMs?: number;
  /** cancels the call and any retry (classified `cancelled`) */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The call policy's defaults. */
export const JUDGE_CALL_DEFAULTS = {
  retries: 2,
  timeoutMs: 120_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
};

export type JudgeCallResult =
  | { ok: true; response: ChatResponse; attempts: number }
  | { ok: false; error: TargetError; attempts: number };

export async function callJudge(
  client: ChatClient,
  request: ChatRequest,
  epoch: number,
  policy: JudgeCallPolicy = {},
): Promise<JudgeCallResult> {
  const retries = Math.max(0, Math.floor(policy.retries ?? JUDGE_CALL_DEFAULTS.retries));
  const timeoutMs = policy.timeoutMs ?? JUDGE_CALL_DEFAULTS.timeoutMs;
  const sleep = policy.sleep ?? defaultSleep;
  const random = policy.random ?? Math.random;
  let attempts = 0;
  for (;;) {
    if (policy.signal?.aborted) return { ok: false, error: cancelledError(), attempts };
    attempts++;
    const controller = new AbortController();
    const onAbort = () => controller.abort(new TargetFailure("cancelled", "the judge call was cancelled"));
    policy.signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      timeoutMs > 0 && Number.isFinite(timeoutMs)
        ? setTimeout(
            () =>
              controller.abort(new TargetFailure("timeout", `judge gave no answer within ${timeoutMs} ms`)),
            Math.min(timeoutMs, 2 ** 31 - 1),
          )
        : undefined;
    let failure: unknown;
    try {
      const call = Promise.resolve().then(() =>
        client.complete(request, { signal: controller.signal, epoch }),
      );
      const response = await raceAbort(call, controller.signal, "judge call");
      return { ok: true, response, attempts };
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      failure = reason instanceof TargetFailure ? reason : err;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      policy.signal?.removeEventListener("abort", onAbort);
    }
    const error = classifyError(failure);
    if (policy.signal?.aborted) return { ok: false, error: cancelledError(), attempts };
    if (!isRetryable(error.class) || attempts > retries) return { ok: false, error, attempts };
    const delay = backoffDelay(
      attempts,
      {
        baseMs: policy.backoffBaseMs ?? JUDGE_CALL_DEFAULTS.backoffBaseMs,
        maxMs: policy.backoffMaxMs ?? JUDGE_CALL_DEFAULTS.backoffMaxMs,
      },
      random,
      asTargetFailure(failure)?.retryAfterMs,
    );
    try {
      await sleep(delay, policy.signal);
    } catch {
      // an aborted sleep is a shorter sleep; the signal is checked next
    }
  }
}

function cancelledError(): TargetError {
  return { class: "cancelled", message: "the judge call was cancelled" };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The total of token usages. */
export function addUsage(a: Usage, b: Usage | undefined): Usage {
  if (!b) return a;
  const out: Usage = {
    inputTokens: a.inputTokens + (b.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b.outputTokens ?? 0),
  };
  const cached = (a.cachedTokens ?? 0) + (b.cachedTokens ?? 0);
  if (a.cachedTokens !== undefined || b.cachedTokens !== undefined) out.cachedTokens = cached;
  return out;
}

/** Accumulates what a judge's calls cost, for `details.judge`. */
export class JudgeAccount {
  usage: Usage = { inputTokens: 0, outputTokens: 0 };
  costUsd = 0;
  /** false once a response came without a price */
  costKnown = true;
  calls = 0;
  cachedCalls = 0;
  /** what the cached calls cost when they were made (part of costUsd; not spent again) */
  cachedCostUsd = 0;
  attempts = 0;
  servedModels = new Set<string>();

  record(result: JudgeCallResult): void {
    this.attempts += result.attempts;
    if (!result.ok) return;
    const r = result.response;
    this.calls++;
    if (r.cached) this.cachedCalls++;
    this.usage = addUsage(this.usage, r.usage);
    if (typeof r.costUsd === "number" && Number.isFinite(r.costUsd)) {
      this.costUsd += r.costUsd;
      if (r.cached) this.cachedCostUsd += r.costUsd;
    } else this.costKnown = false;
    if (r.model) this.servedModels.add(r.model);
  }
}

/** Maps with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
