import { describe, expect, it } from "vitest";
import { jointPairedBootstrap, pairedProportionInterval, testColumns, verdictOf } from "./paired.ts";
import type { PairedDimension } from "./types.ts";

describe("pairedProportionInterval", () => {
  const grid: Array<[number, number, number]> = [];
  for (const n of [1, 2, 5, 12, 40, 100, 1000])
    for (const b of [0, 1, 2, 5, 20, 500])
      for (const c of [0, 1, 3, 9, 50, 1000]) if (b + c <= n) grid.push([b, c, n]);

  it("contains the observed difference and stays inside [-1, 1]", () => {
    expect(grid.length).toBeGreaterThan(50);
    for (const [b, c, n] of grid) {
      const [lo, hi] = pairedProportionInterval(b, c, n);
      const observed = (c - b) / n;
      const where = `b=${b} c=${c} n=${n}`;
      expect(lo, where).toBeLessThanOrEqual(observed + 1e-12);
      expect(hi, where).toBeGreaterThanOrEqual(observed - 1e-12);
      expect(lo, where).toBeGreaterThanOrEqual(-1);
      expect(hi, where).toBeLessThanOrEqual(1);
      expect(lo, where).toBeLessThan(hi);
    }
  });

  it("gets narrower as n grows at the same proportions, and wider at higher confidence", () => {
    let last = Number.POSITIVE_INFINITY;
    for (const k of [1, 2, 4, 8, 16, 64]) {
      const [lo, hi] = pairedProportionInterval(2 * k, 5 * k, 50 * k);
      expect(hi - lo).toBeLessThan(last);
      last = hi - lo;
    }
    const [lo95, hi95] = pairedProportionInterval(4, 10, 80);
    const [lo99, hi99] = pairedProportionInterval(4, 10, 80, 0.99);
    expect(hi99 - lo99).toBeGreaterThan(hi95 - lo95);
  });

  it("is antisymmetric in the discordant cells", () => {
    const [lo, hi] = pairedProportionInterval(3, 11, 60);
    const [rlo, rhi] = pairedProportionInterval(11, 3, 60);
    expect(rlo).toBeCloseTo(-hi, 12);
    expect(rhi).toBeCloseTo(-lo, 12);
  });
});

describe("jointPairedBootstrap", () => {
  const n = 50;
  const col = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.9) * 0.3);
  const other = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) * 0.5);

  it("gives identical distributions to identical columns, wherever they sit", () => {
    const [a, b] = jointPairedBootstrap([col, Float64Array.from(col)], n, 2000, 11);
    expect(Array.from(a)).toEqual(Array.from(b));
    // a third and fourth column see the same resamples as the first two
    const four = jointPairedBootstrap([col, other, Float64Array.from(col), other], n, 2000, 11);
    expect(Array.from(four[2])).toEqual(Array.from(four[0]));
    expect(Array.from(four[3])).toEqual(Array.from(four[1]));
    expect(Array.from(four[0])).toEqual(Array.from(a));
    // and the draws are the ones a single column gets alone
    const [alone] = jointPairedBootstrap([col], n, 2000, 11);
    expect(Array.from(alone)).toEqual(Array.from(a));
  });

  it("is seeded: same seed, same distribution; another seed, another", () => {
    const [x] = jointPairedBootstrap([col], n, 2000, 3);
    const [y] = jointPairedBootstrap([col], n, 2000, 3);
    const [z] = jointPairedBootstrap([col], n, 2000, 4);
    expect(Array.from(x)).toEqual(Array.from(y));
    expect(Array.from(x)).not.toEqual(Array.from(z));
  });

  it("returns sorted resampled means centred on the observed mean", () => {
    const [dist] = jointPairedBootstrap([other], n, 2000, 5);
    expect(dist).toHaveLength(2000);
    for (let i = 1; i < dist.length; i++) expect(dist[i]).toBeGreaterThanOrEqual(dist[i - 1]);
    const observed = other.reduce((s, v) => s + v, 0) / n;
    const centre = dist.reduce((s, v) => s + v, 0) / dist.length;
    expect(Math.abs(centre - observed)).toBeLessThan(0.02);
    expect(dist[0]).toBeLessThan(observed);
    expect(dist[dist.length - 1]).toBeGreaterThan(observed);
    // a constant column resamples to itself
    const [flat] = jointPairedBootstrap([new Float64Array(n).fill(0.25)], n, 100, 5);
    expect(new Set(flat).size).toBe(1);
    expect(flat[0]).toBeCloseTo(0.25, 12);
  });
});

describe("testColumns", () => {
  const opts = { alpha: 0.05, resamples: 2000, seed: 1, maxRegression: 0.02 };

  it("picks McNemar for 0/1 columns and the bootstrap for graded ones, with a CI around delta", () => {
    const base = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const cand = base.map((v, i) => (i < 4 ? 1 - v : v));
    const gradedBase = Array.from({ length: 30 }, (_, i) => (i % 10) / 10);
    const gradedCand = gradedBase.map((v, i) => Math.min(1, v + (i % 4) * 0.05));
    const out = testColumns(
      {
        pf: { base, candidate: cand, basePassed: base.map(Boolean), candidatePassed: cand.map(Boolean) },
        graded: { base: gradedBase, candidate: gradedCand, basePassed: null, candidatePassed: null },
        empty: { base: [], candidate: [], basePassed: [], candidatePassed: [] },
      },
      opts,
    );
    expect(out.pf.test).toBe("mcnemar-exact");
    expect(out.graded.test).toBe("paired-bootstrap");
    expect(out.empty.test).toBe("none");
    expect(out.empty.p).toBeNull();
    expect(out.empty.verdict).toBe("no-change");
    const [lo, hi] = out.graded.ci as [number, number];
    expect(lo).toBeLessThanOrEqual(out.graded.delta as number);
    expect(hi).toBeGreaterThanOrEqual(out.graded.delta as number);
    expect(lo).toBeGreaterThan(0);
    expect(out.graded.p as number).toBeLessThan(0.05);
  });
});

describe("verdictOf", () => {
  const opts = { alpha: 0.05, resamples: 100, seed: 1, maxRegression: 0.05 };
  const d = (delta: number | null, pAdjusted: number | null) => ({ delta, pAdjusted }) as PairedDimension;

  it("needs significance after correction for improved/regressed, and a big drop for underpowered", () => {
    expect(verdictOf(d(-0.1, 0.01), opts)).toBe("regressed");
    expect(verdictOf(d(0.1, 0.01), opts)).toBe("improved");
    expect(verdictOf(d(-0.01, 0.001), opts)).toBe("regressed");
    expect(verdictOf(d(-0.1, 0.2), opts)).toBe("underpowered");
    expect(verdictOf(d(0.1, 0.05), opts)).toBe("underpowered");
    expect(verdictOf(d(-0.04, 0.2), opts)).toBe("no-change");
    expect(verdictOf(d(0, 0), opts)).toBe("no-change");
    expect(verdictOf(d(null, null), opts)).toBe("no-change");
  });
});
