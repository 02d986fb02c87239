import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/faults/retry.ts";
import { callWithPolicy, classifyError, toOutput } from "../../src/targets/policy.ts";
import {
  type Target,
  type TargetCallContext,
  TargetFailure,
  type TargetResponse,
} from "../../src/targets/types.ts";
import { safeJsonParse } from "../../src/util/json.ts";
import { makeCase, recordingSleep } from "./support/helpers.ts";

/** A target that answers from a script of responses/failures, one per call. */
function scripted(steps: (TargetResponse | Error | ((ctx: TargetCallContext) => Promise<TargetResponse>))[]) {
  const calls: TargetCallContext[] = [];
  const target: Target = {
    id: "fake",
    kind: "fake",
    describe: () => ({}),
    async call(ctx) {
      calls.push(ctx);
      const step = steps[Math.min(calls.length - 1, steps.length - 1)];
      if (typeof step === "function") return step(ctx);
      if (step instanceof Error) throw step;
      return step;
    },
  };
  return { target, calls };
}

const serverError = () => new TargetFailure("server-error", "HTTP 500", { status: 500 });

describe("callWithPolicy", () => {
  it("normalises outputs: strings, JSON text, values, pass-through fields", async () => {
    const { target } = scripted([
      {
        output: ' {"a": 1} ',
        usage: { inputTokens: 1, outputTokens: 2 },
        costUsd: 0.5,
        ttftMs: 7,
        trace: { steps: [] },
      },
    ]);
    let t = 0;
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 0,
      now: () => (t += 10),
    });
    expect(out).toEqual({
      text: ' {"a": 1} ',
      json: { a: 1 },
      latencyMs: 10,
      attempts: 1,
      usage: { inputTokens: 1, outputTokens: 2 },
      costUsd: 0.5,
      ttftMs: 7,
      trace: { steps: [] },
    });
    expect(toOutput({ output: "42" }, 1, 0)).toEqual({ text: "42", latencyMs: 0, attempts: 1 });
    expect(toOutput({ output: "plain text" }, 1, 0).json).toBeUndefined();
    expect(toOutput({ output: "[1, 2" }, 1, 0).json).toBeUndefined();
    expect(toOutput({ output: 42 }, 1, 0)).toEqual({ text: "42", latencyMs: 0, attempts: 1 });
    expect(toOutput({ output: null }, 1, 0).text).toBe("null");
    expect(toOutput({ output: [1, { b: new Date(0) }] }, 1, 0)).toMatchObject({
      text: '[1,{"b":"1970-01-01T00:00:00.000Z"}]',
      json: [1, { b: "1970-01-01T00:00:00.000Z" }],
    });
  });

  it("drops __proto__ members when parsing", () => {
    const parsed = safeJsonParse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(parsed).toEqual({ a: 1 });
    expect(Object.hasOwn(parsed, "__proto__")).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("turns undefined output, unserialisable output and thrown values into errors, never throwing", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: [Target["call"], string][] = [
      [async () => ({ output: undefined }), "empty-response"],
      [async () => ({ output: circular }), "malformed-response"],
      [async () => ({ output: 10n }), "malformed-response"],
      [
        () => {
          throw new Error("sync throw");
        },
        "target-crash",
      ],
      [() => Promise.reject("a string"), "target-crash"],
    ];
    for (const [call, cls] of cases) {
      const target: Target = { id: "t", kind: "fake", describe: () => ({}), call };
      const out = await callWithPolicy(target, makeCase(), 0, { timeoutMs: 1000, retries: 0 });
      expect(out.error?.class).toBe(cls);
      expect(out.text).toBe("");
    }
  });

  it("retries retryable classes with growing, jittered waits", async () => {
    const { target, calls } = scripted([serverError(), serverError(), serverError(), { output: "ok" }]);
    const { sleep, delays } = recordingSleep();
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 5,
      sleep,
      random: () => 0.5,
      backoff: { baseMs: 100, factor: 3 },
    });
    expect(out).toMatchObject({ text: "ok", attempts: 4 });
    expect(calls).toHaveLength(4);
    expect(delays).toEqual([50, 150, 450]);
    // every attempt gets its own signal
    expect(new Set(calls.map((c) => c.signal)).size).toBe(4);
  });

  it("does not retry client errors, crashes or cancellations", async () => {
    for (const cls of ["client-error", "target-crash", "cancelled"] as const) {
      const { target, calls } = scripted([
        new TargetFailure(cls, "no", { status: cls === "client-error" ? 422 : undefined }),
      ]);
      const out = await callWithPolicy(target, makeCase(), 0, {
        timeoutMs: 1000,
        retries: 3,
        ...recordingSleep(),
      });
      expect(out.error?.class).toBe(cls);
      expect(out.attempts).toBe(1);
      expect(calls).toHaveLength(1);
    }
    const { target } = scripted([new TargetFailure("client-error", "HTTP 422", { status: 422 })]);
    const out = await callWithPolicy(target, makeCase(), 0, { timeoutMs: 1000, retries: 3 });
    expect(out.error).toEqual({ class: "client-error", message: "HTTP 422", status: 422 });
  });

  it("keeps jitter within [0, min(maxMs, base × factor^n)]", () => {
    const backoff = { baseMs: 250, maxMs: 5000, factor: 2 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(5000, 250 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, backoff, () => 0)).toBe(0);
      expect(backoffDelay(attempt, backoff, () => 0.999999)).toBe(Math.round(cap * 0.999999));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, backoff);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
    // defaults: 250 ms base, doubling, 30 s cap
    expect(backoffDelay(1, undefined, () => 1)).toBe(250);
    expect(backoffDelay(20, undefined, () => 1)).toBe(30_000);
  });

  it("honours Retry-After when it is longer than the jittered wait, capped by maxMs", async () => {
    expect(backoffDelay(1, { baseMs: 100 }, () => 0.5, 800)).toBe(800);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 2000 }, () => 0.5, 60_000)).toBe(2000);
    expect(backoffDelay(4, { baseMs: 1000 }, () => 0.9, 10)).toBe(7200);

    const { target } = scripted([
      new TargetFailure("rate-limited", "HTTP 429", { status: 429, retryAfterMs: 60_000 }),
      new TargetFailure("rate-limited", "HTTP 429", { status: 429, retryAfterMs: 1500 }),
      { output: "ok" },
    ]);
    const { sleep, delays } = recordingSleep();
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 3,
      sleep,
      random: () => 0,
      backoff: { maxMs: 10_000 },
    });
    expect(out.attempts).toBe(3);
    expect(delays).toEqual([10_000, 1500]);
  });

  it("times out a target that ignores its signal, and aborts the signal it was given", async () => {
    let seen: AbortSignal | undefined;
    const { target } = scripted([
      (ctx) => {
        seen = ctx.signal;
        return new Promise(() => {});
      },
    ]);
    // the target never settles, so only the 50 ms timer can end each attempt
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 50,
      retries: 1,
      ...recordingSleep(),
    });
    expect(out.error).toEqual({ class: "timeout", message: "no answer within 50 ms" });
    expect(out.attempts).toBe(2);
    expect(seen?.aborted).toBe(true);
  });

  it("stops at once, as cancelled, when the run is cancelled during a call", async () => {
    const run = new AbortController();
    const { target, calls } = scripted([
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
          // the run is cancelled while this call is in flight
          setImmediate(() => run.abort());
        }),
    ]);
    // a 10-minute limit: ending at all shows the call stopped on the cancellation, not the timer
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 600_000,
      retries: 5,
      signal: run.signal,
    });
    expect(out.error?.class).toBe("cancelled");
    expect(out.attempts).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it("stops retrying when the run is cancelled during a wait", async () => {
    const run = new AbortController();
    const { target, calls } = scripted([serverError()]);
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 5,
      signal: run.signal,
      sleep: async () => run.abort(),
    });
    expect(out.error?.class).toBe("cancelled");
    expect(out.attempts).toBe(1);
    expect(calls).toHaveLength(1);

    // with the real sleep, a 10-minute wait is cut short: ending at all shows it was
    const run2 = new AbortController();
    const slow = scripted([new TargetFailure("rate-limited", "429", { retryAfterMs: 600_000 })]);
    const waits: number[] = [];
    const out2 = await callWithPolicy(slow.target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 1,
      signal: run2.signal,
      backoff: { maxMs: 600_000 },
      // cancelled once the wait has begun
      onRetry: ({ delayMs }) => {
        waits.push(delayMs);
        setImmediate(() => run2.abort());
      },
    });
    expect(waits).toEqual([600_000]);
    expect(out2.error?.class).toBe("cancelled");
    expect(out2.attempts).toBe(1);
    expect(slow.calls).toHaveLength(1);
  });

  it("does not call the target when the run is already cancelled", async () => {
    const run = new AbortController();
    run.abort();
    const { target, calls } = scripted([{ output: "x" }]);
    const out = await callWithPolicy(target, makeCase(), 0, {
      timeoutMs: 1000,
      retries: 2,
      signal: run.signal,
    });
    expect(out).toMatchObject({ text: "", attempts: 0, error: { class: "cancelled" } });
    expect(calls).toHaveLength(0);
  });

  it("keeps environment secrets out of error messages", async () => {
    process.env.ASSAY_POLICY_API_KEY = "sk-very-secret-value";
    try {
      const { target } = scripted([new Error("upstream said: key sk-very-secret-value is invalid")]);
      const out = await callWithPolicy(target, makeCase(), 0, { timeoutMs: 1000, retries: 0 });
      expect(out.error?.message).toBe("upstream said: key [redacted] is invalid");
    } finally {
      delete process.env.ASSAY_POLICY_API_KEY;
    }
  });
});

describe("classifyError", () => {
  const withCause = (message: string, cause: unknown) => new TypeError(message, { cause });
  const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
  it.each([
    [new TargetFailure("rate-limited", "429", { status: 429 }), "rate-limited"],
    [new DOMException("This operation was aborted", "AbortError"), "timeout"],
    [new DOMException("The operation timed out", "TimeoutError"), "timeout"],
    [withCause("fetch failed", coded("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED")), "connection"],
    [withCause("fetch failed", coded("other side closed", "UND_ERR_SOCKET")), "connection"],
    [coded("read ECONNRESET", "ECONNRESET"), "connection"],
    [coded("write EPIPE", "EPIPE"), "connection"],
    [new Error("socket hang up"), "connection"],
    [new TypeError("fetch failed"), "connection"],
    [new SyntaxError("Unexpected end of JSON input"), "malformed-response"],
    [new RangeError("bad"), "target-crash"],
    ["thrown string", "target-crash"],
    [undefined, "target-crash"],
  ])("%s → %s", (err, cls) => {
    expect(classifyError(err).class).toBe(cls);
  });

  it("keeps the status and names the cause", () => {
    expect(classifyError(new TargetFailure("server-error", "HTTP 502", { status: 502 }))).toEqual({
      class: "server-error",
      message: "HTTP 502",
      status: 502,
    });
    const err = withCause("fetch failed", coded("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"));
    expect(classifyError(err).message).toBe("fetch failed: connect ECONNREFUSED 127.0.0.1:1");
  });
});
