import { abortFailure, asTargetFailure } from "../faults/abort.ts";
import { estimateTokens } from "./shared.ts";
import type { ChatCallOptions, ChatClient, ChatRequest, ChatResponse } from "./types.ts";

/**
 * A per-client request limiter: at most `concurrency` calls in flight, requests-per-minute and
 * tokens-per-minute budgets (token buckets), and ADAPTIVE concurrency.
 *
 * - Token buckets hold about one second's worth of budget (`burstSeconds`) and refill
 *   continuously, so calls are paced evenly rather than bunched at the start of each minute.
 *   A call's tokens are estimated before it starts (request text / 4) and corrected with the real
 *   usage when it ends; a call larger than the bucket may start when the bucket is full and leaves
 *   it in debt, which later calls wait out.
 * - Adaptive concurrency (AIMD): a rate-limited failure halves the allowed concurrency (min 1) —
 *   once per congestion event: failures of calls that started before the last decrease do not
 *   halve again — and its Retry-After pauses every waiting call. Each `recoverEvery` successes
 *   add 1 back, up to the configured maximum.
 *
 * Pure logic over an injectable clock; calls wait in FIFO order.
 */

export interface LimiterClock {
  now(): number;
  /** runs `fn` after `ms`; returns a function that cancels it */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: LimiterClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export interface LimiterOptions {
  /** calls in flight at most (default: no limit until a rate-limited failure) */
  concurrency?: number;
  /** requests per minute */
  rpm?: number;
  /** tokens (input + output) per minute */
  tpm?: number;
  /** successes per +1 of allowed concurrency after a decrease (default 10) */
  recoverEvery?: number;
  /** the buckets' capacity in seconds of budget (default 1) */
  burstSeconds?: number;
  clock?: LimiterClock;
}

export type Outcome =
  | { ok: true /** tokens the call really used (input + output) */; tokens?: number }
  | { ok: false; rateLimited?: boolean; retryAfterMs?: number };

export interface Permit {
  /** reports how the call ended and frees its slot; later calls are ignored */
  done(outcome: Outcome): void;
}

export interface LimiterStats {
  /** the concurrency currently allowed */
  limit: number;
  maxConcurrency: number;
  inFlight: number;
  waiting: number;
  /** clock time until which calls are paused (Retry-After), if in the future */
  pausedUntil?: number;
  rateLimited: number;
  decreases: number;
}

class Bucket {
  level: number;
  private last: number;
  constructor(
    readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.level = capacity;
    this.last = now;
  }
  refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
      this.last = now;
    }
  }
  /** ms until the level reaches `need` (capped at the capacity), after refill(now) */
  waitFor(need: number): number {
    const target = Math.min(need, this.capacity);
    const missing = target - this.level;
    if (missing <= 1e-9) return 0;
    return Math.max(1, Math.ceil(missing / this.perMs));
  }
  take(n: number): void {
    this.level -= n;
  }
  /** a correction after the call: positive gives back, negative charges more */
  adjust(n: number): void {
    this.level = Math.min(this.capacity, this.level + n);
  }
}

interface Waiter {
  tokens: number;
  resolve(permit: Permit): void;
  reject(err: unknown): void;
  cleanup(): void;
}

export class RequestLimiter {
  readonly maxConcurrency: number;
  private limit: number;
  /** when the maximum is unlimited, the level recovery returns to before going unlimited again */
  private recoverTo: number;
  private readonly recoverEvery: number;
  private readonly clock: LimiterClock;
  private readonly rpm?: Bucket;
  private readonly tpm?: Bucket;
  private readonly queue: Waiter[] = [];
  private inFlight = 0;
  private generation = 0;
  private successes = 0;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private cancelTimer?: () => void;
  private rateLimitedCount = 0;
  private decreases = 0;

  constructor(opts: LimiterOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    const c = opts.concurrency;
    this.maxConcurrency =
      c !== undefined && Number.isFinite(c) && c >= 1 ? Math.floor(c) : Number.POSITIVE_INFINITY;
    this.limit = this.maxConcurrency;
    this.recoverTo = this.maxConcurrency;
    this.recoverEvery = Math.max(1, Math.floor(opts.recoverEvery ?? 10));
    const burst = opts.burstSeconds !== undefined && opts.burstSeconds > 0 ? opts.burstSeconds : 1;
    const now = this.clock.now();
    if (opts.rpm !== undefined && opts.rpm > 0) {
      this.rpm = new Bucket(Math.max(1, (opts.rpm / 60) * burst), opts.rpm / 60_000, now);
    }
    if (opts.tpm !== undefined && opts.tpm > 0) {
      this.tpm = new Bucket(Math.max(1, (opts.tpm / 60) * burst), opts.tpm / 60_000, now);
    }
  }

  get stats(): LimiterStats {
    const s: LimiterStats = {
      limit: this.limit,
      maxConcurrency: this.maxConcurrency,
      inFlight: this.inFlight,
      waiting: this.queue.length,
      rateLimited: this.rateLimitedCount,
      decreases: this.decreases,
    };
    if (this.pausedUntil > this.clock.now()) s.pausedUntil = this.pausedUntil;
    return s;
  }

  /** Waits for a slot and for the budgets; rejects with the signal's failure if it aborts first. */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(abortFailure(signal, "waiting for the rate limiter"));
    const tokens = Number.isFinite(estimatedTokens) && estimatedTokens > 0 ? estimatedTokens : 0;
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortFailure(signal!, "waiting for the rate limiter"));
        this.pump();
      };
      const waiter: Waiter = {
        tokens,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Runs `fn` under a permit; a thrown TargetFailure of class rate-limited counts as one. */
  async run<T>(
    estimatedTokens: number,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
    tokensOf?: (value: T) => number | undefined,
  ): Promise<T> {
    const permit = await this.acquire(estimatedTokens, signal);
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      const f = asTargetFailure(err);
      permit.done({
        ok: false,
        rateLimited: f?.errorClass === "rate-limited",
        retryAfterMs: f?.retryAfterMs,
      });
      throw err;
    }
    permit.done({ ok: true, tokens: tokensOf?.(value) });
    return value;
  }

  private grant(waiter: Waiter): void {
    this.inFlight++;
    const generation = this.generation;
    const estimate = waiter.tokens;
    let finished = false;
    waiter.cleanup();
    waiter.resolve({
      done: (outcome) => {
        if (finished) return;
        finished = true;
        this.finish(outcome, generation, estimate);
      },
    });
  }

  private finish(outcome: Outcome, generation: number, estimate: number): void {
    const inFlightBefore = this.inFlight;
    this.inFlight--;
    const now = this.clock.now();
    if (outcome.ok) {
      if (
        this.tpm &&
        outcome.tokens !== undefined &&
        Number.isFinite(outcome.tokens) &&
        outcome.tokens >= 0
      ) {
        this.tpm.refill(now);
        this.tpm.adjust(estimate - outcome.tokens);
      }
      this.recover();
    } else if (outcome.rateLimited) {
      this.rateLimitedCount++;
      if (generation === this.generation) this.decrease(inFlightBefore);
      const ra = outcome.retryAfterMs;
      if (ra !== undefined && Number.isFinite(ra) && ra > 0)
        this.pausedUntil = Math.max(this.pausedUntil, now + ra);
    }
    this.pump();
  }

  private decrease(inFlightBefore: number): void {
    const base = Number.isFinite(this.limit) ? this.limit : Math.max(1, inFlightBefore);
    if (!Number.isFinite(this.maxConcurrency)) this.recoverTo = Math.max(base, 1);
    this.limit = Math.max(1, Math.floor(base / 2));
    this.generation++;
    this.successes = 0;
    this.decreases++;
  }

  private recover(): void {
    if (this.limit >= this.maxConcurrency) return;
    this.successes++;
    if (this.successes < this.recoverEvery) return;
    this.successes = 0;
    this.limit++;
    if (!Number.isFinite(this.maxConcurrency) && this.limit >= this.recoverTo)
      this.limit = this.maxConcurrency;
  }

  private pump(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    while (this.queue.length > 0) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        this.schedule(this.pausedUntil - now);
        return;
      }
      if (this.inFlight >= this.limit) return; // a finishing call pumps again
      const head = this.queue[0];
      this.rpm?.refill(now);
      this.tpm?.refill(now);
      const wait = Math.max(this.rpm?.waitFor(1) ?? 0, this.tpm?.waitFor(head.tokens) ?? 0);
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      this.queue.shift();
      this.rpm?.take(1);
      this.tpm?.take(head.tokens);
      this.grant(head);
    }
  }

  private schedule(ms: number): void {
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.pump();
    }, ms);
  }
}

/** A ChatClient whose calls go through a RequestLimiter. */
export class LimitedChatClient implements ChatClient {
  readonly provider: string;
  readonly model: string;

  constructor(
    readonly inner: ChatClient,
    readonly limiter: RequestLimiter,
  ) {
    this.provider = inner.provider;
    this.model = inner.model;
  }

  describe(): Record<string, unknown> {
    return this.inner.describe();
  }

  complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    return this.limiter.run(
      estimateTokens(request),
      opts.signal,
      () => this.inner.complete(request, opts),
      (r) => r.usage.inputTokens + r.usage.outputTokens,
    );
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
