import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import { makeEvaluator, scored } from "../evaluators/base.ts";
import type { Score } from "../evaluators/types.ts";
import type { DimensionRecord } from "../store/types.ts";
import {
  DEFAULT_EVALUATOR_TIMEOUT_MS,
  ScoringCancelled,
  type ScoringDimension,
  scoreOutput,
} from "./scoring.ts";

const c: Case = { id: "c1", input: "hi", tags: {} };
const out: Output = { text: "hello", latencyMs: 1, attempts: 1 };
const record: DimensionRecord = { evaluator: "x", kind: "x", weight: 1, threshold: 0.5 };

function dim(name: string, evaluate: () => Score | Promise<Score>, timeoutMs?: number): ScoringDimension {
  return {
    name,
    record,
    evaluator: makeEvaluator(name, "1", {}, evaluate),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

const never = () => new Promise<Score>(() => {});
const fine = () => scored(1, "fine");

describe("scoreOutput: bounded evaluators", () => {
  afterEach(() => {
    delete process.env.ASSAY_SCORING_TEST_API_KEY;
  });

  it("leaves a score unscored with evaluator-timeout when the evaluator never settles, and scores the rest", async () => {
    const scores = await scoreOutput("r", c, 1, out, [dim("hangs", never, 20), dim("ok", fine, 20)]);
    expect(scores.map((s) => s.score)).toEqual([null, 1]);
    expect(scores[0].reason).toBe("evaluator-timeout: no score within 20 ms");
    expect(scores[0].details).toEqual({ unscored: "evaluator-timeout" });
    expect(scores[0].passed).toBeNull();
    expect(scores[1].passed).toBe(true);
  });

  it("leaves a score unscored with evaluator-error when the evaluator throws, synchronously or not", async () => {
    const asyncThrow = async (): Promise<Score> => {
      throw new Error("cannot read the output");
    };
    const syncThrow = (): Score => {
      throw new TypeError("x is undefined");
    };
    const scores = await scoreOutput("r", c, 1, out, [dim("a", asyncThrow), dim("s", syncThrow)]);
    expect(scores.map((s) => s.reason)).toEqual([
      "evaluator-error: cannot read the output",
      "evaluator-error: x is undefined",
    ]);
    for (const s of scores) {
      expect(s.score).toBeNull();
      expect(s.details).toEqual({ unscored: "evaluator-error" });
    }
  });

  it("scrubs secrets from an evaluator's error message", async () => {
    process.env.ASSAY_SCORING_TEST_API_KEY = "sk-test-0123456789abcdef";
    const leaky = async (): Promise<Score> => {
      throw new Error("401 for key sk-test-0123456789abcdef");
    };
    const [s] = await scoreOutput("r", c, 1, out, [dim("leaky", leaky)]);
    expect(s.reason).toContain("evaluator-error: 401 for key");
    expect(s.reason).not.toContain("sk-test-0123456789abcdef");
  });

  it("treats a non-score return as evaluator-error and an out-of-range score as unscored", async () => {
    const nothing = () => undefined as unknown as Score;
    const big = () => scored(1.5, "too much");
    const [a, b] = await scoreOutput("r", c, 1, out, [dim("n", nothing), dim("b", big)]);
    expect(a.details).toEqual({ unscored: "evaluator-error" });
    expect(b.score).toBeNull();
    expect(b.reason).toBe("evaluator returned 1.5, outside [0, 1]");
  });

  it("stops waiting for an evaluator when the signal aborts, with ScoringCancelled", async () => {
    const controller = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const hangs = () => {
      started();
      return new Promise<Score>(() => {});
    };
    const pending = scoreOutput("r", c, 1, out, [dim("hangs", hangs, 2 ** 31 - 1)], {
      signal: controller.signal,
    });
    await running;
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(ScoringCancelled);
  });

  it("adds one abort listener to the run's signal however many evaluations wait on it", async () => {
    const controller = new AbortController();
    const pending = Array.from({ length: 25 }, () =>
      scoreOutput("r", c, 1, out, [dim("hangs", never, 2 ** 31 - 1)], { signal: controller.signal }),
    );
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(ScoringCancelled);
  });

  it("does not start an evaluator once the signal has aborted", async () => {
    let calls = 0;
    const counted = () => {
      calls++;
      return scored(1, "ok");
    };
    const signal = AbortSignal.abort();
    await expect(scoreOutput("r", c, 1, out, [dim("d", counted)], { signal })).rejects.toBeInstanceOf(
      ScoringCancelled,
    );
    expect(calls).toBe(0);
  });

  it("takes a synchronous evaluator's answer as it is: no time limit timer, no wait on the signal", async () => {
    const timers = vi.spyOn(globalThis, "setTimeout");
    const signal = new AbortController().signal;
    try {
      const scores = await scoreOutput("r", c, 1, out, [dim("a", fine), dim("b", () => scored(0, "no"))], {
        signal,
      });
      expect(scores.map((s) => [s.dimension, s.score, s.passed])).toEqual([
        ["a", 1, true],
        ["b", 0, false],
      ]);
      expect(timers).not.toHaveBeenCalled();
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
      // an evaluator that answers later is still bounded by its limit
      await scoreOutput("r", c, 1, out, [dim("later", async () => fine(), 50)], { signal });
      expect(timers).toHaveBeenCalledTimes(1);
      expect(timers.mock.calls[0][1]).toBe(50);
    } finally {
      timers.mockRestore();
    }
  });

  it("does not score errored outputs and defaults the limit to 10 s", async () => {
    const errored: Output = { ...out, error: { class: "timeout", message: "slow" } };
    expect(await scoreOutput("r", c, 1, errored, [dim("d", fine)])).toEqual([]);
    expect(DEFAULT_EVALUATOR_TIMEOUT_MS).toBe(10_000);
  });
});
