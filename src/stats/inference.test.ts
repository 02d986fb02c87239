/**
 * Unit tests for what the known-answer vectors do not cover: interval edge cases, CR0 vs CR1,
 * paired tests in their other branches, power/MDE round trips, percentile methods.
 * Reference numbers come from closed forms or scipy 1.17 (quoted in full).
 */
import { describe, expect, it } from "vitest";
import {
  adjustPValues,
  clopperPearsonInterval,
  clusteredStandardError,
  mcnemarTable,
  mcnemarTest,
  meanWithStandardError,
  pairedMinimumDetectableEffect,
  pairedNormalPower,
  pairedSampleSize,
  pairedTTest,
  pairedTTestPower,
  percentile,
  percentiles,
  quantile,
  signTest,
  wilcoxonSignedRank,
  wilsonInterval,
} from "./index.ts";

describe("mean and proportion intervals", () => {
  it("SE and intervals are undefined (NaN) for a single score, never 0", () => {
    const r = meanWithStandardError([0.7]);
    expect(r.se).toBeNaN();
    expect(r.ci_t[0]).toBeNaN();
  });

  it("Clopper–Pearson at x = 0 and x = n has the closed forms 1 − (α/2)^{1/n} and (α/2)^{1/n}", () => {
    const zero = clopperPearsonInterval(0, 20, 0.95);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(1 - 0.025 ** (1 / 20), 14);
    const all = clopperPearsonInterval(20, 20, 0.95);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(0.025 ** (1 / 20), 14);
  });

  it("Clopper–Pearson contains the Wilson interval's point and is wider", () => {
    const cp = clopperPearsonInterval(13, 20);
    const w = wilsonInterval(13, 20);
    expect(cp.lower).toBeLessThan(w.lower);
    expect(cp.upper).toBeGreaterThan(w.upper);
  });

  it("rejects impossible counts", () => {
    expect(() => wilsonInterval(21, 20)).toThrow(RangeError);
    expect(() => clopperPearsonInterval(-1, 20)).toThrow(RangeError);
  });
});

describe("cluster-robust standard errors", () => {
  const scores = [1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1];
  const clusters = ["a", "a", "a", "a", "b", "b", "b", "c", "c", "d", "d", "d"];

  it("CR1 = CR0 · √(C/(C−1))", () => {
    const r = clusteredStandardError(scores, clusters);
    expect(r.clusters).toBe(4);
    expect(r.se_cluster_cr1).toBeCloseTo(r.se_cluster_cr0 * Math.sqrt(4 / 3), 15);
    expect(r.design_effect_cr1).toBeCloseTo((r.se_cluster_cr1 / r.se_iid) ** 2, 15);
  });

  it("with one case per cluster, CR1 equals the iid SE and CR0 = se_iid·√((n−1)/n)", () => {
    const ids = scores.map((_, i) => i);
    const r = clusteredStandardError(scores, ids);
    expect(r.se_cluster_cr1).toBeCloseTo(r.se_iid, 15);
    expect(r.se_cluster_cr0).toBeCloseTo(r.se_iid * Math.sqrt(11 / 12), 15);
  });

  it("a single cluster gives an undefined SE", () => {
    expect(clusteredStandardError([1, 0, 1], ["x", "x", "x"]).se_cluster_cr1).toBeNaN();
  });
});

describe("paired tests", () => {
  it("exact McNemar with discordant counts 2 vs 9 gives p = 0.06542968750", () => {
    const r = mcnemarTest({ both_pass: 40, a_pass_b_fail: 2, a_fail_b_pass: 9, both_fail: 49 });
    expect(Math.abs(r.p_exact - 0.0654296875)).toBeLessThanOrEqual(1e-9);
  });

  it("mid-p McNemar is 2·(P(X ≤ k) − ½P(X = k))", () => {
    // b = 2, c = 9: (2·(67 − 55/2))/2048 = 79/2048.
    const r = mcnemarTest({ both_pass: 0, a_pass_b_fail: 2, a_fail_b_pass: 9, both_fail: 0 });
    expect(r.p_midp).toBeCloseTo(79 / 2048, 15);
    // b = 0, c = 5: exact 2/32, mid-p 1/32.
    const s = mcnemarTest({ both_pass: 10, a_pass_b_fail: 0, a_fail_b_pass: 5, both_fail: 10 });
    expect(s.p_exact).toBeCloseTo(1 / 16, 15);
    expect(s.p_midp).toBeCloseTo(1 / 32, 15);
    expect(s.p_midp).toBeLessThan(s.p_exact);
  });

  it("McNemar with no discordant pairs has p = 1", () => {
    const r = mcnemarTest({ both_pass: 5, a_pass_b_fail: 0, a_fail_b_pass: 0, both_fail: 5 });
    expect(r.p_exact).toBe(1);
    expect(r.p_midp).toBe(1);
  });

  it("mcnemarTable counts paired outcomes", () => {
    expect(mcnemarTable([true, true, false, false, true], [true, false, true, false, false])).toEqual({
      both_pass: 1,
      a_pass_b_fail: 2,
      a_fail_b_pass: 1,
      both_fail: 1,
    });
  });

  it("paired t-test one-sided p-values add up", () => {
    const r = pairedTTest([0.5, 0.7, 0.6, 0.9], [0.4, 0.7, 0.5, 0.6]);
    expect(r.p_greater + r.p_less).toBeCloseTo(1, 14);
    expect(r.p_two_sided).toBeCloseTo(2 * Math.min(r.p_greater, r.p_less), 14);
  });

  // scipy 1.17: wilcoxon(d, zero_method='wilcox', method='approx', correction=…, alternative=…)
  const withTiesAndZeros = [0.5, -0.2, 0.0, 0.3, 0.5, -0.1, 0.2, 0.3, 0.0, 0.7, -0.3, 0.4, 0.5, 0.1];

  it("Wilcoxon normal approximation with ties, zeros dropped, continuity correction", () => {
    const r = wilcoxonSignedRank(withTiesAndZeros);
    expect(r.method).toBe("approx");
    expect(r.n_nonzero).toBe(12);
    expect(r.statistic_scipy_min).toBe(11);
    expect(r.w_plus).toBe(67);
    expect(r.p_two_sided).toBeCloseTo(0.030340016142305755, 14);
    expect(r.p_greater).toBeCloseTo(0.015170008071152877, 14);
    expect(r.p_less).toBeCloseTo(0.9875957877260952, 14);
  });

  it("Wilcoxon normal approximation without continuity correction (scipy's default)", () => {
    const r = wilcoxonSignedRank(withTiesAndZeros, { correction: false });
    expect(r.p_two_sided).toBeCloseTo(0.02745424563593152, 14);
    expect(r.p_greater).toBeCloseTo(0.01372712281796576, 14);
    expect(r.p_less).toBeCloseTo(0.9862728771820343, 14);
  });

  it("Wilcoxon exact distribution for n = 30 (scipy method='exact')", () => {
    const x = [
      0.445584, 0.921618, 0.430437, -1.203157, 1.005356, 0.546375, -0.436953, 0.681118, 0.464572, 0.394132,
      0.128422, 0.646713, -0.636454, -0.06291, -0.382119, 0.698846, 0.139722, -0.192457, -0.681908, -0.157192,
      0.108142, -0.175603, 1.394064, 1.106724, -2.611162, -1.789013, -0.074772, -0.32219, 0.313643, 0.317322,
    ];
    const r = wilcoxonSignedRank(x);
    expect(r.method).toBe("exact");
    expect(r.statistic_scipy_min).toBe(189);
    expect(r.w_plus).toBe(276);
    expect(r.p_two_sided).toBeCloseTo(0.3817984350025654, 14);
    expect(r.p_greater).toBeCloseTo(0.1908992175012827, 14);
  });

  it("sign test one-sided p-values", () => {
    const r = signTest([1, 1, 1, 1, -1, 0]);
    expect(r.p_greater).toBeCloseTo(6 / 32, 15); // P(X ≥ 4), X ~ Bin(5, ½)
    expect(r.p_less).toBeCloseTo(31 / 32, 15); // P(X ≤ 4)
    expect(r.p_two_sided).toBeCloseTo(12 / 32, 15);
  });
});

describe("sample size and minimum detectable effect", () => {
  const design = { sd_diff: 0.4, alpha: 0.05, power: 0.8, two_sided: true };

  it("MDE round-trips with sample size (normal closed form)", () => {
    const n = pairedSampleSize({ ...design, mde: 0.03 });
    const back = pairedMinimumDetectableEffect({ ...design, n: n.n_exact });
    expect(back.mde).toBeCloseTo(0.03, 14);
    const atN = pairedMinimumDetectableEffect({ ...design, n: 500 });
    expect(pairedSampleSize({ ...design, mde: atN.mde }).n_exact).toBeCloseTo(500, 9);
  });

  it("MDE round-trips with sample size (exact t-test power)", () => {
    const n = pairedSampleSize({ ...design, mde: 0.1 });
    expect(pairedTTestPower(n.n_t_test, 0.1, 0.4)).toBeCloseTo(0.8, 10);
    const back = pairedMinimumDetectableEffect({ ...design, n: n.n_t_test });
    expect(back.mde_t_test).toBeCloseTo(0.1, 9);
    expect(n.n_t_test).toBeGreaterThan(n.n_exact);
  });

  it("normal power at the closed-form n equals the target (ignoring the far tail)", () => {
    const n = pairedSampleSize({ ...design, mde: 0.05 });
    expect(pairedNormalPower(n.n_exact, 0.05, 0.4)).toBeCloseTo(0.8, 5);
  });

  it("one-sided designs use z_{1−α}", () => {
    const n = pairedSampleSize({ ...design, two_sided: false, mde: 0.03 });
    expect(n.z_alpha).toBeCloseTo(1.6448536269514722, 14);
  });
});

describe("multiple comparisons", () => {
  it("BH and Holm are monotone in the sorted p-values and never below the raw p", () => {
    const p = [0.2, 0.001, 0.04, 0.04, 0.03, 0.5];
    for (const method of ["holm", "benjamini_hochberg", "bonferroni"] as const) {
      const r = adjustPValues(p, method);
      for (let i = 0; i < p.length; i++) expect(r.p_adjusted[i]).toBeGreaterThanOrEqual(p[i]);
      expect(r.p_adjusted[2]).toBe(r.p_adjusted[3]); // ties stay tied
    }
  });

  it("accepts the statsmodels alias fdr_bh and rejects p outside [0, 1]", () => {
    expect(adjustPValues([0.01, 0.02], "fdr_bh").method).toBe("benjamini_hochberg");
    expect(() => adjustPValues([1.2], "holm")).toThrow(RangeError);
  });
});

describe("percentiles", () => {
  const values = [7, 1, 9, 3, 5, 2, 8, 4, 10, 6];

  it("nearest rank: smallest x with F(x) ≥ q", () => {
    expect(percentiles(values, [0, 10, 11, 50, 51, 90, 100], "nearest_rank")).toEqual([1, 1, 2, 5, 6, 9, 10]);
  });

  it("nearest rank is not thrown off by binary fractions (0.07 · 100 = 7.000000000000001)", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(hundred, 0.07, "nearest_rank")).toBe(7);
    expect(percentile(hundred, 7, "nearest_rank")).toBe(7);
  });

  it("linear (type 7) interpolates between order statistics", () => {
    expect(percentile(values, 25)).toBeCloseTo(3.25, 14);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile([42], 90)).toBe(42);
  });
});
