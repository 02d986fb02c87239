import { describe, expect, it } from "vitest";
import { discordantPair, ids, type SyntheticCase, syntheticRows } from "../../test/support/synthetic-runs.ts";
import { comparisonMarkdown, renderComparison } from "../report/comparison.ts";
import { CompareError, compareRuns } from "./compare.ts";

/** The paired comparison on runs whose outcomes are known by construction. */

const FAST = { resamples: 2000 } as const;
/** 2·P(X ≤ 2), X ~ Binomial(11, ½) = 2·(1 + 11 + 55)/2048 */
const MCNEMAR_2_VS_9 = 0.0654296875;

describe("compareRuns: exact McNemar on a pass/fail dimension", () => {
  const pair = discordantPair({ n: 100, passToFail: 2, failToPass: 9, bothPass: 60 });
  const base = syntheticRows({ id: "base", target: "v1", cases: pair.base });
  const cand = syntheticRows({ id: "cand", target: "v2", cases: pair.candidate });

  it("gives the exact binomial p for 2 vs 9 discordant pairs, with the McNemar test named", () => {
    const cmp = compareRuns(base, cand, FAST);
    const d = cmp.dimensions.correct;
    expect(d.test).toBe("mcnemar-exact");
    expect(d.p).not.toBeNull();
    expect(Math.abs((d.p as number) - MCNEMAR_2_VS_9)).toBeLessThan(1e-9);
    expect(d.passRate.p).toBeCloseTo(MCNEMAR_2_VS_9, 12);
    expect(d.passRate.discordant).toEqual([2, 9]);
    expect(d.n).toBe(100);
    expect(d.base).toBeCloseTo(0.62, 12);
    expect(d.candidate).toBeCloseTo(0.69, 12);
    expect(d.delta).toBeCloseTo(0.07, 12);
    // Holm over the family can only raise p
    expect(d.pAdjusted as number).toBeGreaterThanOrEqual(d.p as number);
    // not significant: 7 points is more than the default maxRegression (2 points), so underpowered
    expect(d.verdict).toBe("underpowered");
    expect(compareRuns(base, cand, { ...FAST, maxRegression: 0.1 }).dimensions.correct.verdict).toBe(
      "no-change",
    );
    expect(cmp.cases).toBe(100);
    expect(cmp.pairs).toBe(100);
  });

  it("lists exactly the 11 flipped cases with their directions, regressions first", () => {
    const cmp = compareRuns(base, cand, FAST);
    const flips = cmp.flips.filter((f) => f.dimension === "correct");
    expect(flips).toHaveLength(11);
    const down = flips.filter((f) => f.direction === "pass→fail").map((f) => f.caseId);
    const up = flips.filter((f) => f.direction === "fail→pass").map((f) => f.caseId);
    expect(down.sort()).toEqual([...pair.passToFail].sort());
    expect(up.sort()).toEqual([...pair.failToPass].sort());
    expect(flips.slice(0, 2).every((f) => f.direction === "pass→fail")).toBe(true);
    for (const f of flips) {
      expect(f.base.score).toBe(f.direction === "pass→fail" ? 1 : 0);
      expect(f.candidate.score).toBe(f.direction === "pass→fail" ? 0 : 1);
      // the diff rebuilds both outputs
      const side = (keep: -1 | 1) =>
        f.diff
          .filter(([op]) => op === 0 || op === keep)
          .map(([, t]) => t)
          .join("");
      expect(side(-1)).toBe(f.base.output);
      expect(side(1)).toBe(f.candidate.output);
    }
  });

  it("reversed, gives the same p and the opposite delta and flip directions", () => {
    const fwd = compareRuns(base, cand, FAST).dimensions.correct;
    const rev = compareRuns(cand, base, FAST);
    const r = rev.dimensions.correct;
    expect(r.p).toBe(fwd.p);
    expect(r.pAdjusted).toBe(fwd.pAdjusted);
    expect(r.delta).toBeCloseTo(-(fwd.delta as number), 12);
    expect(r.passRate.discordant).toEqual([9, 2]);
    expect(r.ci?.[0]).toBeCloseTo(-(fwd.ci as [number, number])[1], 12);
    expect(r.ci?.[1]).toBeCloseTo(-(fwd.ci as [number, number])[0], 12);
    const down = rev.flips.filter((f) => f.direction === "pass→fail").map((f) => f.caseId);
    expect(down.sort()).toEqual([...pair.failToPass].sort());
  });

  it("calls a large significant change regressed or improved", () => {
    const big = discordantPair({ n: 200, passToFail: 40, failToPass: 0, bothPass: 100 });
    const cmp = compareRuns(
      syntheticRows({ cases: big.base }),
      syntheticRows({ cases: big.candidate }),
      FAST,
    );
    expect(cmp.dimensions.correct.verdict).toBe("regressed");
    expect(cmp.dimensions.correct.delta).toBeCloseTo(-0.2, 12);
    expect(cmp.dimensions.correct.pAdjusted as number).toBeLessThan(1e-6);
    const back = compareRuns(
      syntheticRows({ cases: big.candidate }),
      syntheticRows({ cases: big.base }),
      FAST,
    );
    expect(back.dimensions.correct.verdict).toBe("improved");
  });
});

describe("compareRuns: Holm over every dimension and slice", () => {
  it("adjusts p across dimensions, the aggregate and every slice together", () => {
    const pair = discordantPair({
      n: 100,
      passToFail: 2,
      failToPass: 9,
      bothPass: 60,
      tags: (i) => ({ half: i % 2 === 0 ? "even" : "odd" }),
    });
    const cmp = compareRuns(
      syntheticRows({ cases: pair.base }),
      syntheticRows({ cases: pair.candidate }),
      FAST,
    );
    expect(Object.keys(cmp.slices).sort()).toEqual(["half=even", "half=odd"]);
    const family = [
      ...Object.values(cmp.dimensions),
      ...Object.values(cmp.slices).flatMap((s) => Object.values(s)),
    ];
    // correct + aggregate, for the run and for each of the two slices
    expect(family).toHaveLength(6);
    // Holm: the smallest p is multiplied by the family size
    const ps = family.map((d) => d.p as number).sort((a, b) => a - b);
    const smallest = family.find((d) => d.p === ps[0]);
    expect(smallest?.pAdjusted).toBeCloseTo(Math.min(1, ps[0] * 6), 12);
    for (const d of family) expect(d.pAdjusted as number).toBeGreaterThanOrEqual(d.p as number);
    // slices are paired on their own members
    const even = cmp.slices["half=even"].correct;
    const odd = cmp.slices["half=odd"].correct;
    expect(even.n + odd.n).toBe(100);
    expect(even.passRate.discordant[0] + odd.passRate.discordant[0]).toBe(2);
    expect(even.passRate.discordant[1] + odd.passRate.discordant[1]).toBe(9);
    expect(cmp.methods.correction).toContain("6");
  });
});

describe("compareRuns: matching cases", () => {
  const shared = ids("s", 20);
  const mk = (id: string, pass: boolean): SyntheticCase => ({ id, scores: { correct: pass ? 1 : 0 } });

  it("lists ids present in only one run and pairs only the shared ones", () => {
    const base = syntheticRows({
      cases: [...shared.map((id) => mk(id, true)), mk("only-base-1", true), mk("only-base-2", false)],
    });
    const cand = syntheticRows({
      cases: [mk("only-cand-1", false), ...shared.map((id, i) => mk(id, i >= 3)), mk("only-cand-2", true)],
    });
    const cmp = compareRuns(base, cand, FAST);
    expect(cmp.unmatched.base.sort()).toEqual(["only-base-1", "only-base-2"]);
    expect(cmp.unmatched.candidate.sort()).toEqual(["only-cand-1", "only-cand-2"]);
    expect(cmp.cases).toBe(20);
    expect(cmp.pairs).toBe(20);
    expect(cmp.dimensions.correct.n).toBe(20);
    expect(cmp.dimensions.correct.passRate.discordant).toEqual([3, 0]);
    // nothing silently dropped: every case of each run is either paired or unmatched
    expect(cmp.cases + cmp.unmatched.base.length).toBe(base.cases.length);
    expect(cmp.cases + cmp.unmatched.candidate.length).toBe(cand.cases.length);
    expect(cmp.changed).toEqual([]);
    expect(cmp.flips.map((f) => f.caseId).sort()).toEqual(["s-000", "s-001", "s-002"]);
  });

  it("refuses runs over different dataset versions unless asked to intersect", () => {
    const base = syntheticRows({ datasetVersion: "dv-aaa", cases: shared.map((id) => mk(id, true)) });
    const cand = syntheticRows({ datasetVersion: "dv-bbb", cases: shared.map((id) => mk(id, true)) });
    expect(() => compareRuns(base, cand, FAST)).toThrow(CompareError);
    expect(() => compareRuns(base, cand, FAST)).toThrow(/dv-aaa.*dv-bbb/);
  });

  it("with intersect, leaves out (and lists) cases whose content changed between versions", () => {
    const base = syntheticRows({
      datasetVersion: "dv-aaa",
      cases: [...shared.map((id) => mk(id, true)), mk("gone", true)],
    });
    const candCases = shared.map((id, i) => ({
      ...mk(id, i !== 0),
      // s-000 fails in the candidate, but its input changed: it must not count as a regression
      input: i === 0 || i === 5 ? `${id} (reworded)` : undefined,
    }));
    candCases[7] = { ...candCases[7], expected: { id: "s-007", fixed: true } };
    const cand = syntheticRows({ datasetVersion: "dv-bbb", cases: [...candCases, mk("new", false)] });
    const cmp = compareRuns(base, cand, { ...FAST, intersect: true });
    expect(cmp.datasetVersions).toEqual({ base: "dv-aaa", candidate: "dv-bbb" });
    expect(cmp.changed.sort()).toEqual(["s-000", "s-005", "s-007"]);
    expect(cmp.unmatched).toEqual({ base: ["gone"], candidate: ["new"] });
    expect(cmp.cases).toBe(17);
    expect(cmp.dimensions.correct.n).toBe(17);
    expect(cmp.dimensions.correct.passRate.discordant).toEqual([0, 0]);
    expect(cmp.flips).toEqual([]);
  });
});

describe("compareRuns: identical runs", () => {
  it("every verdict is no-change with delta 0 and p 1", () => {
    const cases: SyntheticCase[] = ids("c", 40).map((id, i) => ({
      id,
      tags: { level: i % 3 === 0 ? "hard" : "easy" },
      scores: { correct: i % 4 === 0 ? 0 : 1, quality: (i % 7) / 6 },
      latencyMs: 50 + i,
      costUsd: 0.001,
    }));
    const spec = { dimensions: { quality: { threshold: 0.5 } }, cases };
    const cmp = compareRuns(syntheticRows(spec), syntheticRows(spec), FAST);
    const all = [
      ...Object.entries(cmp.dimensions),
      ...Object.entries(cmp.slices).flatMap(([k, s]) => Object.entries(s).map(([n, d]) => [`${k}·${n}`, d])),
    ] as Array<[string, (typeof cmp.dimensions)[string]]>;
    expect(all.length).toBe(9);
    for (const [name, d] of all) {
      expect(d.verdict, name).toBe("no-change");
      expect(d.delta, name).toBe(0);
      expect(d.p, name).toBe(1);
      expect(d.pAdjusted, name).toBe(1);
    }
    expect(cmp.dimensions.correct.test).toBe("mcnemar-exact");
    expect(cmp.dimensions.quality.test).toBe("paired-bootstrap");
    expect(cmp.dimensions.quality.rankCheck).toEqual({ test: "wilcoxon-signed-rank", p: 1 });
    expect(cmp.dimensions.quality.ci).toEqual([0, 0]);
    expect(cmp.flips).toEqual([]);
    expect(cmp.latencyMs.p95.delta).toBe(0);
    expect(cmp.latencyMs.p95.relative).toBe(0);
    expect(cmp.costPerCase.delta).toBe(0);
    expect(cmp.unmatched).toEqual({ base: [], candidate: [] });
  });
});

describe("compareRuns: graded scores, latency, cost, errors", () => {
  // quality drifts down by ~0.1 with noise; latency doubles; cost rises by half
  const n = 60;
  const baseCases: SyntheticCase[] = [];
  const candCases: SyntheticCase[] = [];
  for (let i = 0; i < n; i++) {
    const b = 0.5 + 0.4 * Math.sin(i * 1.7);
    const noise = 0.08 * Math.cos(i * 2.3);
    baseCases.push({
      id: `g-${i}`,
      scores: { quality: b },
      latencyMs: 100 + i,
      costUsd: 0.002,
    });
    candCases.push({
      id: `g-${i}`,
      scores: { quality: Math.max(0, Math.min(1, b - 0.1 + noise)) },
      latencyMs: 2 * (100 + i),
      costUsd: 0.003,
      ...(i < 3 ? { error: "timeout" as const } : {}),
    });
  }
  const base = syntheticRows({ dimensions: { quality: { threshold: 0.5 } }, cases: baseCases });
  const cand = syntheticRows({ dimensions: { quality: { threshold: 0.5 } }, cases: candCases });

  it("uses the paired bootstrap with a Wilcoxon check; the CI contains the observed delta", () => {
    const cmp = compareRuns(base, cand, FAST);
    const d = cmp.dimensions.quality;
    expect(d.test).toBe("paired-bootstrap");
    expect(d.rankCheck?.test).toBe("wilcoxon-signed-rank");
    expect(d.rankCheck?.p as number).toBeLessThan(0.05);
    // errored candidate cases have no score: not paired on the dimension
    expect(d.n).toBe(n - 3);
    const [lo, hi] = d.ci as [number, number];
    expect(lo).toBeLessThanOrEqual(d.delta as number);
    expect(hi).toBeGreaterThanOrEqual(d.delta as number);
    expect(hi).toBeLessThan(0);
    expect(d.verdict).toBe("regressed");
    expect(d.mde).toBeGreaterThan(0);
    expect(cmp.power.aggregateMde).toBe(cmp.dimensions.aggregate.mde);
    expect(cmp.power.statement).toMatch(/detects aggregate changes of \d+\.\d points or more at 80% power/);
  });

  it("never calls a slice of one or two pairs significant, however large its drop", () => {
    // a graded score drops 0.8 → 0.2 on three cases: one tagged rare=yes, two tagged pair=x
    const mk = (drop: boolean) =>
      syntheticRows({
        dimensions: { quality: { threshold: 0.5 } },
        cases: ids("t", 30).map((id, i) => ({
          id,
          tags: (i === 0 ? { rare: "yes" } : i < 3 ? { pair: "x" } : {}) as Record<string, string>,
          scores: { quality: drop && i < 3 ? 0.2 : 0.8 },
        })),
      });
    const cmp = compareRuns(mk(false), mk(true), FAST);
    // one pair supports no test: the slice is listed as skipped, not tested
    expect(cmp.slices["rare=yes"]).toBeUndefined();
    expect(cmp.skippedSlices).toEqual([{ slice: "rare=yes", pairs: 1 }]);
    const two = cmp.slices["pair=x"].quality;
    expect(two.test).toBe("paired-bootstrap");
    expect(two.delta).toBeCloseTo(-0.6, 12);
    expect(two.p as number).toBeGreaterThanOrEqual(0.5);
    for (const d of [two, cmp.slices["pair=x"].aggregate]) expect(d.verdict).not.toBe("regressed");
    // the skipped slice is not in the Holm family: dimensions (quality, aggregate) + pair=x's two
    expect(cmp.methods.correction).toBe("Holm across all 4 dimension and slice tests");
    // and both reports say so in one line; a comparison that skipped nothing says nothing
    const line = "1 slice not tested (fewer than 2 paired cases): rare=yes (1)";
    expect(renderComparison(cmp).split("\n")).toContain(line);
    expect(comparisonMarkdown(cmp).split("\n")).toContain(`${line}.`);
    const none = { ...cmp, skippedSlices: [] };
    expect(renderComparison(none)).not.toContain("not tested");
    expect(comparisonMarkdown(none)).not.toContain("not tested");
  });

  it("reports latency, cost and error-rate deltas over the paired cases", () => {
    const cmp = compareRuns(base, cand, FAST);
    // latency of successful outputs only; candidate latencies are exactly double
    expect(cmp.latencyMs.p50.relative as number).toBeGreaterThan(0.9);
    expect(cmp.latencyMs.p95.candidate as number).toBeGreaterThan(cmp.latencyMs.p95.base as number);
    expect(cmp.costPerCase.base).toBeCloseTo(0.002, 12);
    expect(cmp.costPerCase.candidate).toBeCloseTo(0.003, 12);
    expect(cmp.costPerCase.relative).toBeCloseTo(0.5, 9);
    expect(cmp.errorRate).toEqual({ base: 0, candidate: 3 / n });
  });

  it("is reproducible: the same seed gives identical JSON, another seed a different interval", () => {
    const a = JSON.stringify(compareRuns(base, cand, { ...FAST, seed: 7 }));
    const b = JSON.stringify(compareRuns(base, cand, { ...FAST, seed: 7 }));
    expect(a).toBe(b);
    const c = compareRuns(base, cand, { ...FAST, seed: 8 });
    expect(c.dimensions.quality.ci).not.toEqual(JSON.parse(a).dimensions.quality.ci);
    expect(c.dimensions.quality.delta).toBe(JSON.parse(a).dimensions.quality.delta);
  });
});
