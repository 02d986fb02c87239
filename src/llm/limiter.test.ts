import { describe, expect, it } from "vitest";
import { ManualClock, settle } from "../../test/support/manual-clock.ts";
import { TargetFailure } from "../core/output.ts";
import { type Permit, RequestLimiter } from "./limiter.ts";

/** Starts `n` acquisitions and records when (clock time) each was granted. */
function track(limiter: RequestLimiter, clock: ManualClock, n: number, tokens = 1, signal?: AbortSignal) {
  const granted: Array<{ i: number; at: number; permit: Permit }> = [];
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) {
    limiter.acquire(tokens, signal).then(
      (permit) => granted.push({ i, at: clock.now(), permit }),
      (err: unknown) => errors.push(err),
    );
  }
  return { granted, errors };
}

const ok = { ok: true } as const;
const limited = (retryAfterMs?: number) => ({ ok: false, rateLimited: true, retryAfterMs }) as const;

describe("RequestLimiter", () => {
  it("caps concurrency and hands out slots in FIFO order", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 2, clock });
    const { granted } = track(limiter, clock, 4);
    await settle();
    expect(granted.map((g) => g.i)).toEqual([0, 1]);
    expect(limiter.stats).toMatchObject({ inFlight: 2, waiting: 2, limit: 2 });
    granted[1].permit.done(ok);
    await settle();
    expect(granted.map((g) => g.i)).toEqual([0, 1, 2]);
    granted[1].permit.done(ok); // a second done is ignored
    await settle();
    expect(granted).toHaveLength(3);
  });

  it("halves concurrency on a rate-limited failure (min 1), once per congestion event", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 8, clock });
    const first = track(limiter, clock, 8);
    await settle();
    expect(first.granted).toHaveLength(8);
    // all eight were in flight when the server pushed back: one halving, not eight
    for (const g of first.granted) g.permit.done(limited());
    expect(limiter.stats.limit).toBe(4);
    expect(limiter.stats.decreases).toBe(1);
    expect(limiter.stats.rateLimited).toBe(8);
    // calls started after the decrease halve again when they are limited
    for (const expected of [2, 1, 1]) {
      const { granted } = track(limiter, clock, 1);
      await settle();
      granted[0].permit.done(limited());
      expect(limiter.stats.limit).toBe(expected);
    }
    const burst = track(limiter, clock, 3);
    await settle();
    expect(burst.granted).toHaveLength(1);
  });

  it("recovers additively: +1 per N successes up to the configured maximum", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 4, recoverEvery: 3, clock });
    let { granted } = track(limiter, clock, 1);
    await settle();
    granted[0].permit.done(limited());
    ({ granted } = track(limiter, clock, 1));
    await settle();
    granted[0].permit.done(limited());
    expect(limiter.stats.limit).toBe(1);
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t = track(limiter, clock, 1);
      await settle();
      t.granted[0].permit.done(ok);
      limits.push(limiter.stats.limit);
    }
    expect(limits).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4]);
  });

  it("without a configured maximum, halves from the calls in flight and recovers back to unlimited", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ recoverEvery: 1, clock });
    const t = track(limiter, clock, 6);
    await settle();
    expect(t.granted).toHaveLength(6);
    t.granted[0].permit.done(limited());
    expect(limiter.stats.limit).toBe(3);
    for (const g of t.granted.slice(1)) g.permit.done(ok); // started before the decrease: still count as successes
    expect(limiter.stats.limit).toBe(Number.POSITIVE_INFINITY);
  });

  it("paces requests per minute", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ rpm: 60, clock }); // one per second, burst of one
    const { granted } = track(limiter, clock, 4);
    await settle();
    expect(granted.map((g) => g.at)).toEqual([0]);
    await clock.advance(999);
    expect(granted).toHaveLength(1);
    await clock.advance(1);
    expect(granted.map((g) => g.at)).toEqual([0, 1000]);
    await clock.advance(5000);
    expect(granted.map((g) => g.at)).toEqual([0, 1000, 2000, 3000]);
    // over a long run the rate is the budget
    const many = track(limiter, clock, 120);
    await clock.advance(60_000);
    expect(many.granted.length).toBeGreaterThanOrEqual(59);
    expect(many.granted.length).toBeLessThanOrEqual(62);
  });

  it("paces tokens per minute, and corrects the estimate with real usage", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ tpm: 6000, clock }); // 100 tokens/s, bucket of 100
    const a = track(limiter, clock, 1, 100);
    await settle();
    expect(a.granted).toHaveLength(1);
    // the call really used 300 tokens: the bucket owes 200 more
    a.granted[0].permit.done({ ok: true, tokens: 300 });
    const b = track(limiter, clock, 1, 100);
    await clock.advance(2999);
    expect(b.granted).toHaveLength(0);
    await clock.advance(1);
    expect(b.granted.map((g) => g.at)).toEqual([3000]);
    // it used only 20: 80 come back, so a 100-token call waits 200 ms, not 1 s
    b.granted[0].permit.done({ ok: true, tokens: 20 });
    const c = track(limiter, clock, 1, 100);
    await clock.advance(199);
    expect(c.granted).toHaveLength(0);
    await clock.advance(1);
    expect(c.granted.map((g) => g.at)).toEqual([3200]);
  });

  it("lets a call larger than the bucket through when the bucket is full, then waits out the debt", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ tpm: 6000, clock });
    const t = track(limiter, clock, 2, 500);
    await settle();
    expect(t.granted.map((g) => g.at)).toEqual([0]);
    await clock.advance(10_000);
    expect(t.granted.map((g) => g.at)).toEqual([0, 5000]);
  });

  it("pauses every waiting call for Retry-After", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 4, clock });
    const first = track(limiter, clock, 1);
    await settle();
    const waiting = track(limiter, clock, 3);
    await settle();
    // the three fit under the limit and started at once
    expect(waiting.granted).toHaveLength(3);
    for (const g of waiting.granted) g.permit.done(ok);
    first.granted[0].permit.done(limited(1500));
    expect(limiter.stats.pausedUntil).toBe(1500);
    const later = track(limiter, clock, 3);
    await clock.advance(1499);
    expect(later.granted).toHaveLength(0);
    await clock.advance(1);
    // after the pause, as many as the halved limit (2) allows
    expect(later.granted.map((g) => g.at)).toEqual([1500, 1500]);
    expect(limiter.stats.pausedUntil).toBeUndefined();
  });

  it("a later, longer Retry-After extends the pause; a shorter one does not shorten it", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ clock });
    const t = track(limiter, clock, 2);
    await settle();
    t.granted[0].permit.done(limited(5000));
    t.granted[1].permit.done(limited(1000));
    expect(limiter.stats.pausedUntil).toBe(5000);
  });

  it("an abort while waiting rejects with the signal's failure and frees the queue", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 1, clock });
    const first = track(limiter, clock, 1);
    const ctrl = new AbortController();
    const aborted = track(limiter, clock, 1, 1, ctrl.signal);
    const after = track(limiter, clock, 1);
    await settle();
    expect(limiter.stats.waiting).toBe(2);
    ctrl.abort(new TargetFailure("timeout", "no answer within 100 ms"));
    await settle();
    expect(aborted.errors).toHaveLength(1);
    expect((aborted.errors[0] as TargetFailure).errorClass).toBe("timeout");
    expect(limiter.stats.waiting).toBe(1);
    first.granted[0].permit.done(ok);
    await settle();
    expect(after.granted).toHaveLength(1);
    expect(aborted.granted).toHaveLength(0);
    // an abort during a pause, with no reason, is a timeout too
    after.granted[0].permit.done(limited(10_000));
    const c2 = new AbortController();
    const paused = track(limiter, clock, 1, 1, c2.signal);
    await clock.advance(100);
    c2.abort();
    await settle();
    expect((paused.errors[0] as TargetFailure).errorClass).toBe("timeout");
    // an already-aborted signal fails at once
    const c3 = new AbortController();
    c3.abort(new TargetFailure("cancelled", "the run was cancelled"));
    await expect(limiter.acquire(1, c3.signal)).rejects.toMatchObject({ errorClass: "cancelled" });
  });

  it("run() reports rate-limited TargetFailures and usage", async () => {
    const clock = new ManualClock();
    const limiter = new RequestLimiter({ concurrency: 4, clock });
    await expect(
      limiter.run(1, undefined, async () => {
        throw new TargetFailure("rate-limited", "429", { status: 429, retryAfterMs: 100 });
      }),
    ).rejects.toThrow("429");
    expect(limiter.stats).toMatchObject({ limit: 2, rateLimited: 1, pausedUntil: 100, inFlight: 0 });
    // the next call waits out the pause, then a server error neither halves nor pauses
    const next = limiter.run(1, undefined, async () => {
      throw new TargetFailure("server-error", "500");
    });
    next.catch(() => {});
    await clock.advance(99);
    expect(limiter.stats).toMatchObject({ waiting: 1, inFlight: 0 });
    await clock.advance(1);
    await expect(next).rejects.toThrow("500");
    expect(limiter.stats).toMatchObject({ limit: 2, rateLimited: 1, inFlight: 0, waiting: 0 });
    expect(await limiter.run(1, undefined, async () => "fine")).toBe("fine");
  });
});
