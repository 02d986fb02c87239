import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../test/support/synthetic-runs.ts";
import { scorecardMarkdown } from "../report/markdown.ts";
import { renderScorecard } from "../report/terminal.ts";
import type { StoredScore } from "../store/types.ts";
import { buildScorecard } from "./build.ts";
import { describeReasons, normaliseReason, topReasons, unscoredKey, unscoredRate } from "./unscored.ts";

describe("unscored reasons: keys", () => {
  it("uses the evaluator's code when it set one, whatever the reason text says", () => {
    expect(
      unscoredKey({ reason: "judge refused: I can't grade this 🙁", details: { unscored: "judge-refused" } }),
    ).toBe("judge-refused");
    expect(unscoredKey({ reason: "no expected value for title", details: { unscored: "no-expected" } })).toBe(
      "no-expected",
    );
  });

  it("without a code: a short code-like phrase before the first colon, so per-case detail groups together", () => {
    expect(unscoredKey({ reason: "evaluator-error: boom at case 7" })).toBe("evaluator-error");
    expect(unscoredKey({ reason: "evaluator-error: something else entirely" })).toBe("evaluator-error");
    expect(normaliseReason("judge call failed after 3 attempts: rate-limited: slow down")).toBe(
      "judge call failed after 3 attempts",
    );
    // control characters (terminal escapes) in a reason or a code are made visible, never kept
    expect(unscoredKey({ reason: "x", details: { unscored: "bad\u001b[31mcode" } })).toBe(
      "bad\ufffd[31mcode",
    );
    expect(normaliseReason("oops \u0007 bell")).toBe("oops \ufffd bell");
    // a code that is blank is no code
    expect(unscoredKey({ reason: "no latency", details: { unscored: "  " } })).toBe("no latency");
  });

  it("otherwise the first 80 characters, whitespace collapsed; an empty reason is named", () => {
    const long = `the custom evaluator declined   because ${"x".repeat(200)}`;
    const key = normaliseReason(long);
    expect([...key].length).toBe(80);
    expect(key.startsWith("the custom evaluator declined because xxx")).toBe(true);
    expect(key.endsWith("…")).toBe(true);
    // a colon after a long, sentence-like prefix does not make a code
    const sentence = `${"a very long explanation of why this output could not be scored at all".repeat(2)}: detail`;
    expect(normaliseReason(sentence)).not.toContain(": detail");
    expect(normaliseReason("")).toBe("no reason given");
  });

  it("top reasons by count, ties by name; the description says how many more", () => {
    const counts = { b: 2, a: 2, c: 5, d: 1 };
    expect(topReasons(counts, 3)).toEqual([
      ["c", 5],
      ["a", 2],
      ["b", 2],
    ]);
    expect(describeReasons(counts)).toBe("c ×5, a ×2, b ×2, +1 more");
    expect(describeReasons({ "x<y": 1 }, (r) => r.replace("<", "&lt;"))).toBe("x&lt;y ×1");
  });

  it("the gate's rate leaves out cases the dimension does not apply to", () => {
    const r = unscoredRate({
      n: 90,
      unscored: 60,
      unscoredReasons: { "no-expected": 50, "no-context": 5, "judge-refused": 5 },
    });
    expect(r.unscored).toBe(5);
    expect(r.applicable).toBe(95);
    expect(r.rate).toBeCloseTo(5 / 95, 12);
    expect(r.reasons).toEqual({ "judge-refused": 5 });
    expect(unscoredRate({ n: 0, unscored: 0, unscoredReasons: {} }).rate).toBe(0);
  });
});

/** A two-dimension run over 6 cases whose unscored scores carry codes, reasons or nothing at all. */
function rows() {
  const r = syntheticRows({
    cases: [
      { id: "c1", tags: { kind: "a" }, scores: { judge: 1, field: 1 } },
      { id: "c2", tags: { kind: "a" }, scores: { judge: null, field: 1 } },
      { id: "c3", tags: { kind: "b" }, scores: { judge: null, field: null } },
      { id: "c4", tags: { kind: "b" }, scores: { judge: null, field: 0 } },
      { id: "c5", tags: { kind: "b" }, scores: { judge: 0, field: 1 } },
      { id: "c6", tags: { kind: "b" }, scores: { judge: 1 }, error: true },
    ],
  });
  const set = (caseId: string, dimension: string, patch: Partial<StoredScore>) => {
    const s = r.scores.find((x) => x.caseId === caseId && x.dimension === dimension) as StoredScore;
    Object.assign(s, patch);
  };
  set("c2", "judge", { reason: "judge refused: I cannot", details: { unscored: "judge-refused" } });
  set("c3", "judge", {
    reason: "judge refused (finish reason refusal)",
    details: { unscored: "judge-refused" },
  });
  set("c4", "judge", { reason: "evaluator-timeout: no score within 10000 ms", details: {} });
  set("c3", "field", { reason: "no expected value for title", details: { unscored: "no-expected" } });
  return r;
}

describe("scorecard: unscoredReasons", () => {
  it("counts each unscored case under its reason, adding up to `unscored` (errored cases are neither)", () => {
    const card = buildScorecard(rows());
    expect(card.dimensions.judge.unscored).toBe(3);
    expect(card.dimensions.judge.unscoredReasons).toEqual({ "judge-refused": 2, "evaluator-timeout": 1 });
    expect(card.dimensions.field.unscoredReasons).toEqual({ "no-expected": 1 });
    for (const d of Object.values(card.dimensions)) {
      expect(Object.values(d.unscoredReasons).reduce((a, b) => a + b, 0)).toBe(d.unscored);
    }
  });

  it("slices carry them too", () => {
    const card = buildScorecard(rows());
    expect(card.slices["kind=a"].judge.unscoredReasons).toEqual({ "judge-refused": 1 });
    expect(card.slices["kind=b"].judge.unscoredReasons).toEqual({
      "judge-refused": 1,
      "evaluator-timeout": 1,
    });
    expect(card.slices["kind=a"].aggregate.unscoredReasons).toEqual({});
  });

  it("an output with no score row for a dimension counts as no-score; epochs use the first unscored epoch", () => {
    const r = rows();
    r.scores = r.scores.filter((s) => !(s.caseId === "c1" && s.dimension === "field"));
    const card = buildScorecard(r);
    expect(card.dimensions.field.unscoredReasons).toEqual({ "no-expected": 1, "no-score": 1 });
  });

  it("the terminal and Markdown scorecards list the top reasons with counts, escaped", () => {
    const r = rows();
    const s = r.scores.find((x) => x.caseId === "c4" && x.dimension === "judge") as StoredScore;
    s.details = { unscored: "bad | <b>code</b>\u001b[31m" };
    const card = buildScorecard(r);
    const text = renderScorecard(card);
    expect(text).toMatch(/^unscored\s+judge: judge-refused ×2, bad \| <b>code<\/b>�\[31m ×1$/m);
    expect(text).toMatch(/^\s+field: no-expected ×1$/m);
    expect(text).not.toContain("\u001b");
    const md = scorecardMarkdown(card);
    expect(md).toContain("- judge (3): judge-refused ×2, bad \\| &lt;b&gt;code&lt;/b&gt;");
    expect(md).toContain("- field (1): no-expected ×1");
  });

  it("a scorecard without unscored cases has no unscored lines", () => {
    const card = buildScorecard(syntheticRows({ cases: [{ id: "x", scores: { ok: 1 } }] }));
    expect(card.dimensions.ok.unscoredReasons).toEqual({});
    expect(renderScorecard(card)).not.toMatch(/^unscored/m);
    expect(scorecardMarkdown(card)).not.toContain("Why unscored");
  });
});

describe("scorecard: cache accounting", () => {
  it("counts cached outputs and cached judge calls, with what they cost when they were made", () => {
    const r = syntheticRows({
      cases: [
        { id: "a", scores: { judge: 1 }, costUsd: 0.01 },
        { id: "b", scores: { judge: 1 }, costUsd: 0.02 },
        { id: "c", scores: { judge: 1 }, costUsd: 0.04 },
      ],
    });
    r.outputs[0].cached = true;
    r.outputs[1].cached = true;
    const judge = (calls: number, cachedCalls: number, costUsd: number, cachedCostUsd?: number) => ({
      judge: { calls, cachedCalls, costUsd, ...(cachedCostUsd !== undefined ? { cachedCostUsd } : {}) },
    });
    r.scores[0].details = judge(3, 3, 0.003, 0.003);
    r.scores[1].details = judge(3, 0, 0.003, 0);
    // stored before cachedCostUsd existed: the cached calls' share of the cost
    r.scores[2].details = judge(4, 1, 0.004);
    const card = buildScorecard(r);
    expect(card.cache.outputs).toBe(2);
    expect(card.cache.judgeCalls).toBe(4);
    expect(card.cache.hits).toBe(6);
    expect(card.cache.savedCost).toBeCloseTo(0.01 + 0.02 + 0.003 + 0.001, 12);
    // cost is still what the calls cost
    expect(card.cost.total).toBeCloseTo(0.07, 12);
    expect(renderScorecard(card)).toMatch(
      /^cache\s+6 hits, saved \$0\.034000 \(2 target outputs, 4 judge calls\)$/m,
    );
    expect(scorecardMarkdown(card)).toContain("cache 6 hits, saved $0.034000");
  });

  it("no cached calls: zero, and no cache line", () => {
    const card = buildScorecard(syntheticRows({ cases: [{ id: "a", scores: { ok: 1 }, costUsd: 0.01 }] }));
    expect(card.cache).toEqual({ hits: 0, savedCost: 0, outputs: 0, judgeCalls: 0 });
    expect(renderScorecard(card)).not.toMatch(/^cache/m);
  });
});
