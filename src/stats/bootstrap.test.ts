/** Seeded generator and bootstrap: reproducibility, correctness of the fast path, sanity of intervals. */
import { describe, expect, it } from "vitest";
import {
  bootstrapMean,
  clusterBootstrap,
  createRng,
  meanWithStandardError,
  pairedBootstrap,
  pairedDifference,
  seedToUint32,
} from "./index.ts";

function sample(n: number, seed: number, shift = 0): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => (rng.nextFloat() < 0.7 + shift ? 1 : 0));
}

describe("xoshiro128**", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = createRng(1);
    const b = createRng(1);
    const c = createRng(2);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it("string seeds are hashed; integer seeds are used as is", () => {
    expect(seedToUint32("suite-a")).toBe(seedToUint32("suite-a"));
    expect(seedToUint32("suite-a")).not.toBe(seedToUint32("suite-b"));
    expect(seedToUint32(12345)).toBe(12345);
  });

  it("indices are in range and roughly uniform", () => {
    const rng = createRng(99);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.nextIndex(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const f = rng.nextFloat();
    expect(f >= 0 && f < 1).toBe(true);
  });

  it("the inlined resampling loop makes exactly the draws of nextIndex (16-bit and 32-bit paths)", () => {
    for (const n of [1, 37, 20_000, 65_536, 70_000]) {
      const values = Float64Array.from({ length: n }, (_, i) => i);
      const fast = createRng(5);
      const slow = createRng(5);
      for (const count of [7, 1, 0, 1000, 3]) {
        const sumFast = fast.sumOfDraws(values, n, count);
        let sumSlow = 0;
        for (let i = 0; i < count; i++) sumSlow += values[slow.nextIndex(n)];
        expect(sumFast).toBe(sumSlow);
      }
      expect(fast.nextIndex(n)).toBe(slow.nextIndex(n));
      expect(fast.nextUint32()).toBe(slow.nextUint32());
    }
  });

  it("large index ranges (32-bit path) are roughly uniform too", () => {
    const rng = createRng(3);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) bins[Math.floor(rng.nextIndex(100_000) / 10_000)]++;
    for (const c of bins) expect(Math.abs(c - 5000)).toBeLessThan(350);
  });
});

describe("bootstrap", () => {
  const a = sample(400, 11);
  const b = sample(400, 12, -0.1);

  it("is reproducible with the same seed and changes with another seed", () => {
    const r1 = pairedBootstrap(a, b, { seed: 42, resamples: 2000 });
    const r2 = pairedBootstrap(a, b, { seed: 42, resamples: 2000 });
    const r3 = pairedBootstrap(a, b, { seed: 43, resamples: 2000 });
    expect(r2).toEqual(r1);
    expect([r3.lower, r3.upper]).not.toEqual([r1.lower, r1.upper]);
    expect(r1.seed).toBe(42);
    expect(bootstrapMean(a, { seed: "x" }).lower).toBe(bootstrapMean(a, { seed: "x" }).lower);
  });

  it("percentile interval of a mean brackets the estimate and matches the normal SE", () => {
    const r = bootstrapMean(a, { seed: 1, resamples: 5000 });
    const m = meanWithStandardError(a);
    expect(r.estimate).toBe(m.mean);
    expect(r.lower).toBeLessThan(r.estimate);
    expect(r.upper).toBeGreaterThan(r.estimate);
    // Bootstrap SE ≈ sd(ddof=0)/√n; within 10 % for B = 5000.
    expect(Math.abs(r.se / m.se - 1)).toBeLessThan(0.1);
  });

  it("paired bootstrap agrees with the paired normal interval and reports a p-value", () => {
    const r = pairedBootstrap(a, b, { seed: 3, resamples: 5000, keep_distribution: true });
    const d = pairedDifference(a, b);
    expect(r.mean_diff).toBeCloseTo(d.mean_diff, 15);
    expect(Math.abs(r.lower - d.ci_normal[0])).toBeLessThan(0.02);
    expect(Math.abs(r.upper - d.ci_normal[1])).toBeLessThan(0.02);
    expect(r.distribution?.length).toBe(5000);
    expect(r.p_two_sided).toBeGreaterThan(0);
    expect(r.p_two_sided).toBeLessThanOrEqual(1);
  });

  it("cluster bootstrap resamples clusters: wider than the iid bootstrap when clusters are homogeneous", () => {
    // 40 clusters of 10 identical scores: the effective sample size is 40, not 400.
    const rng = createRng(8);
    const clusterScores = Array.from({ length: 40 }, () => (rng.nextFloat() < 0.6 ? 1 : 0));
    const values = clusterScores.flatMap((s) => new Array<number>(10).fill(s));
    const ids = clusterScores.flatMap((_, c) => new Array<number>(10).fill(c));
    const clustered = clusterBootstrap(values, ids, { seed: 2, resamples: 4000 });
    const iid = bootstrapMean(values, { seed: 2, resamples: 4000 });
    expect(clustered.clusters).toBe(40);
    expect(clustered.se / iid.se).toBeGreaterThan(2.5);
  });

  it("rejects bad options", () => {
    expect(() => bootstrapMean([1, 2], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapMean([1, 2], { confidence: 1 })).toThrow(RangeError);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(RangeError);
  });
});

describe("Xoshiro128.sumColumnsOfDraws", () => {
  it("adds the same draws as nextIndex into every column, for one, two and three columns", async () => {
    const { createRng } = await import("./random.ts");
    const cols = [
      Float64Array.from({ length: 50 }, (_, i) => i),
      Float64Array.from({ length: 50 }, (_, i) => i * i),
      Float64Array.from({ length: 50 }, (_, i) => -i),
    ];
    for (const k of [1, 2, 3]) {
      const a = createRng(9);
      const b = createRng(9);
      const sums = new Float64Array(k);
      a.sumColumnsOfDraws(cols.slice(0, k), 50, 77, sums);
      const expected = new Array<number>(k).fill(0);
      for (let i = 0; i < 77; i++) {
        const j = b.nextIndex(50);
        for (let c = 0; c < k; c++) expected[c] += cols[c][j];
      }
      expect(Array.from(sums)).toEqual(expected);
    }
  });
});
