/**
 * Exact tests that checks against scipy showed missing: Kendall's τ exact p (no ties), Fisher's
 * exact test for 2×2 tables, and Wilcoxon's signed-rank test with Pratt's treatment of zeros.
 * Each is checked against an independent computation in the test itself (enumeration over
 * permutations, exact integer hypergeometric sums, ranks worked by hand) and against scipy 1.17.
 */
import { describe, expect, it } from "vitest";
import { fisherExact, kendallExactPValue, kendallTauB, wilcoxonSignedRank } from "./index.ts";

// ---------------------------------------------------------------------------------------------
// Kendall's τ

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  }
  return out;
}

function inversions(p: number[]): number {
  let count = 0;
  for (let i = 0; i < p.length; i++) for (let j = i + 1; j < p.length; j++) if (p[i] > p[j]) count++;
  return count;
}

describe("Kendall's tau: exact p without ties", () => {
  it("matches enumeration over every permutation for n = 2..7, every observed ordering", () => {
    for (let n = 2; n <= 7; n++) {
      const perms = permutations(n);
      const null_ = perms.map(inversions);
      const total = (n * (n - 1)) / 2;
      const x = Array.from({ length: n }, (_, i) => i);
      // one representative permutation per inversion count is enough: p depends only on it
      const seen = new Set<number>();
      for (const y of perms) {
        const d = inversions(y);
        if (seen.has(d)) continue;
        seen.add(d);
        const s = total - 2 * d; // n_c − n_d
        const twoSided = null_.filter((k) => Math.abs(total - 2 * k) >= Math.abs(s)).length / perms.length;
        const greater = null_.filter((k) => k <= d).length / perms.length;
        const less = null_.filter((k) => k >= d).length / perms.length;
        const where = `n=${n} discordant=${d}`;
        const exact = kendallExactPValue(n, d);
        expect(exact.p_two_sided, where).toBeCloseTo(twoSided, 13);
        expect(exact.p_greater, where).toBeCloseTo(greater, 13);
        expect(exact.p_less, where).toBeCloseTo(less, 13);
        const r = kendallTauB(x, y);
        expect(r.discordant, where).toBe(d);
        expect(r.p_method, where).toBe("exact");
        expect(r.p_two_sided, where).toBeCloseTo(twoSided, 13);
        expect(r.p_two_sided_exact, where).toBeCloseTo(twoSided, 13);
      }
      expect(seen.size).toBe(total + 1);
    }
  });

  it("n = 10 equals scipy 1.17 kendalltau (method='auto' is exact there)", () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const y = [3, 1, 2, 5, 4, 8, 6, 7, 10, 9];
    const r = kendallTauB(x, y);
    expect(r.tau_b).toBeCloseTo(0.7333333333333333, 14);
    expect(r.p_method).toBe("exact");
    expect(r.p_two_sided).toBeCloseTo(0.002212852733686067, 15);
    expect(r.p_two_sided_asymptotic).toBeCloseTo(0.0031612220209069567, 15);
    const one = kendallExactPValue(10, r.discordant);
    expect(one.p_greater).toBeCloseTo(0.0011064263668430336, 15);
    expect(one.p_less).toBeCloseTo(0.9995268408289242, 14);
  });

  it("n = 40 without ties: scipy's auto rule picks the asymptotic p, the exact one is still reported", () => {
    // scipy 1.17: kendalltau(x, y) → 0.000792222426639296; method='exact' → 0.0006472747350658254
    const x = [
      23, 32, 30, 17, 20, 11, 33, 2, 12, 3, 21, 29, 38, 4, 25, 22, 0, 28, 39, 35, 10, 31, 15, 24, 34, 27, 13,
      8, 9, 18, 6, 1, 26, 37, 16, 14, 36, 7, 5, 19,
    ];
    const y = [
      19.347, 47.035, 16.703, 12.624, 33.238, 19.705, 34.373, 12.052, -30.422, 18.32, 6.605, 3.971, 42.147,
      14.508, 18.328, 5.854, 0.392, 27.209, 60.084, 46.211, 12.907, 47.674, 11.917, 10.112, 42.761, 35.738,
      9.778, -3.742, 12.437, -19.408, 16.352, 8.371, 1.417, 37.92, 1.539, 25.358, 5.487, -6.717, 15.644,
      36.346,
    ];
    const r = kendallTauB(x, y);
    expect(r.tau_b).toBeCloseTo(0.36923076923076925, 14);
    expect(r.p_method).toBe("asymptotic");
    expect(r.p_two_sided).toBeCloseTo(0.000792222426639296, 14);
    expect(r.p_two_sided_exact).toBeCloseTo(0.0006472747350658254, 14);
    expect(kendallTauB(x, y, { method: "exact" }).p_two_sided).toBeCloseTo(0.0006472747350658254, 14);
  });

  it("uses the exact p for large n when at most one pair is discordant (scipy's rule)", () => {
    const n = 60;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = [...x];
    [y[10], y[11]] = [y[11], y[10]];
    const r = kendallTauB(x, y);
    expect(r.discordant).toBe(1);
    expect(r.p_method).toBe("exact");
    // P(D ≤ 1) = (1 + (n − 1))/n! = n/n! = 1/(n − 1)!
    let expected = 2;
    for (let k = 2; k <= n - 1; k++) expected /= k;
    expect(r.p_two_sided / expected).toBeCloseTo(1, 10);
  });

  it("with ties there is no exact p: asymptotic, and method 'exact' refuses", () => {
    const x = [1, 2, 2, 3, 4, 5];
    const y = [2, 1, 3, 3, 5, 4];
    const r = kendallTauB(x, y);
    expect(r.p_two_sided_exact).toBeNull();
    expect(r.p_method).toBe("asymptotic");
    expect(r.p_two_sided).toBe(r.p_two_sided_asymptotic);
    expect(() => kendallTauB(x, y, { method: "exact" })).toThrow(/without ties/);
  });
});

// ---------------------------------------------------------------------------------------------
// Fisher's exact test

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let c = 1n;
  for (let i = 1; i <= k; i++) c = (c * BigInt(n - k + i)) / BigInt(i);
  return c;
}

/** Independent reference: exact integer weights C(n1, x)·C(n2, k − x), compared as integers. */
function fisherByIntegers(a: number, b: number, c: number, d: number) {
  const n1 = a + b;
  const n2 = c + d;
  const k = a + c;
  const weights: Array<[number, bigint]> = [];
  for (let x = Math.max(0, k - n2); x <= Math.min(n1, k); x++)
    weights.push([x, choose(n1, x) * choose(n2, k - x)]);
  const total = choose(n1 + n2, k);
  const observed = choose(n1, a) * choose(n2, k - a);
  // scaled by 10^300 so that tiny p-values keep their digits and p ≤ 1 still fits a double
  const ratio = (num: bigint) => Number((num * 10n ** 300n) / total) / 1e300;
  const sum = (pick: (x: number, w: bigint) => boolean) =>
    ratio(weights.filter(([x, w]) => pick(x, w)).reduce((s, [, w]) => s + w, 0n));
  return {
    twoSided: sum((_, w) => w <= observed),
    less: sum((x) => x <= a),
    greater: sum((x) => x >= a),
  };
}

describe("Fisher's exact test (2×2)", () => {
  const tables: Array<[number, number, number, number]> = [
    [8, 2, 1, 5],
    [1, 9, 11, 3],
    [3, 1, 1, 3], // the tea-tasting table
    [0, 5, 5, 0],
    [10, 10, 10, 10],
    [2, 7, 8, 2],
    [12, 5, 3, 20],
    [0, 1, 6, 4],
  ];

  for (const [a, b, c, d] of tables) {
    it(`[[${a}, ${b}], [${c}, ${d}]] agrees with the exact integer hypergeometric sums`, () => {
      const r = fisherExact([
        [a, b],
        [c, d],
      ]);
      const ref = fisherByIntegers(a, b, c, d);
      expect(r.p_two_sided).toBeCloseTo(Math.min(1, ref.twoSided), 12);
      expect(r.p_less).toBeCloseTo(Math.min(1, ref.less), 12);
      expect(r.p_greater).toBeCloseTo(Math.min(1, ref.greater), 12);
    });
  }

  it("textbook values: [[8, 2], [1, 5]] and [[1, 9], [11, 3]] as scipy 1.17 fisher_exact", () => {
    const r = fisherExact([
      [8, 2],
      [1, 5],
    ]);
    expect(r.p_two_sided).toBeCloseTo(0.034965034965034975, 14); // = 5/143
    expect(r.p_less).toBeCloseTo(0.9991258741258742, 14);
    expect(r.p_greater).toBeCloseTo(0.024475524475524483, 14);
    expect(r.odds_ratio).toBe(20);
    const t = fisherExact([
      [1, 9],
      [11, 3],
    ]);
    expect(t.p_two_sided).toBeCloseTo(0.0027594561852200836, 14);
    expect(t.p_less).toBeCloseTo(0.0013797280926100418, 14);
    expect(t.p_greater).toBeCloseTo(0.9999663480953022, 14);
    expect(t.odds_ratio).toBeCloseTo(3 / 99, 15);
  });

  it("the tea-tasting table: two-sided p = 34/70, one-sided 17/70", () => {
    const r = fisherExact([
      [3, 1],
      [1, 3],
    ]);
    expect(r.p_two_sided).toBeCloseTo(34 / 70, 14);
    expect(r.p_greater).toBeCloseTo(17 / 70, 14);
    expect(r.odds_ratio).toBe(9);
  });

  it("keeps tables as likely as the observed one despite rounding (symmetric margins)", () => {
    // x and N − … mirror each other: P(a) = P(k − a) exactly; both tails must be summed
    const r = fisherExact([
      [7, 13],
      [13, 7],
    ]);
    expect(r.p_two_sided).toBeCloseTo(2 * r.p_less, 14);
  });

  it("odds ratio: +∞ when b·c = 0, NaN and p = 1 with an empty row or column", () => {
    expect(
      fisherExact([
        [5, 0],
        [2, 4],
      ]).odds_ratio,
    ).toBe(Number.POSITIVE_INFINITY);
    const empty = fisherExact([
      [0, 0],
      [3, 4],
    ]);
    expect(empty.odds_ratio).toBeNaN();
    expect(empty.p_two_sided).toBe(1);
  });

  it("large tables keep their precision (no factorial overflow)", () => {
    const r = fisherExact([
      [600, 400],
      [400, 600],
    ]);
    const ref = fisherByIntegers(600, 400, 400, 600);
    expect(r.p_two_sided).toBeGreaterThan(0);
    expect(r.p_two_sided / ref.twoSided).toBeCloseTo(1, 6);
  });

  it("rejects a table that is not 2×2 of whole numbers, naming the cell", () => {
    expect(() => fisherExact([[1, 2, 3]])).toThrow(/2×2/);
    expect(() =>
      fisherExact([
        [1, 2],
        [3, -1],
      ]),
    ).toThrow(/cell d/);
  });
});

// ---------------------------------------------------------------------------------------------
// Wilcoxon signed-rank, zero_method 'pratt'

describe("Wilcoxon signed-rank with zero_method 'pratt'", () => {
  it("ranks the zeros with the rest, then drops their ranks (worked by hand)", () => {
    // |d| sorted: 0, 0 (ranks 1, 2 → dropped), 1 → 3, 2 → 4.5, −2 → 4.5, 3 → 6
    const r = wilcoxonSignedRank([0, 2, -2, 0, 1, 3], { zero_method: "pratt" });
    expect(r.zero_method).toBe("pratt");
    expect(r.w_plus).toBe(3 + 4.5 + 6);
    expect(r.w_minus).toBe(4.5);
    // wilcox drops the zeros first: 1 → 1, ±2 → 2.5, 3 → 4
    const w = wilcoxonSignedRank([0, 2, -2, 0, 1, 3]);
    expect(w.w_plus).toBe(1 + 2.5 + 4);
    expect(w.w_minus).toBe(2.5);
    // Cureton's moments: mean (6·7 − 2·3)/4 = 9, variance (6·7·13 − 2·3·5)/24 − (2³ − 2)/48
    const se = Math.sqrt((6 * 7 * 13 - 2 * 3 * 5) / 24 - 6 / 48);
    expect(r.method).toBe("approx");
    expect(r.z).toBeCloseTo((13.5 - 9 - 0.5) / se, 14);
  });

  // scipy 1.17: wilcoxon(d, zero_method='pratt', method='asymptotic', correction=…, alternative=…)
  const d = [0.5, -0.2, 0.0, 0.3, 0.5, -0.1, 0.2, 0.3, 0.0, 0.7, -0.3, 0.4, 0.5, 0.1];

  it("equals scipy with the continuity correction", () => {
    const r = wilcoxonSignedRank(d, { zero_method: "pratt" });
    expect(r.w_plus).toBe(85);
    expect(r.statistic_scipy_min).toBe(17);
    expect(r.p_two_sided).toBeCloseTo(0.03456235595581207, 14);
    expect(r.p_greater).toBeCloseTo(0.017281177977906036, 14);
    expect(r.p_less).toBeCloseTo(0.9852424359612141, 14);
  });

  it("equals scipy without the continuity correction", () => {
    const r = wilcoxonSignedRank(d, { zero_method: "pratt", correction: false });
    expect(r.z).toBeCloseTo(2.14499301278014, 13);
    expect(r.p_two_sided).toBeCloseTo(0.03195340564991241, 14);
    expect(r.p_greater).toBeCloseTo(0.015976702824956206, 14);
    expect(r.p_less).toBeCloseTo(0.9840232971750438, 14);
  });

  it("is the default test when there are no zeros (exact distribution included)", () => {
    const x = [0.4, -0.9, 1.3, 0.2, 2.1, -0.35, 0.8, 1.1];
    const p = wilcoxonSignedRank(x, { zero_method: "pratt" });
    const w = wilcoxonSignedRank(x);
    expect(p.method).toBe("exact");
    expect(p.p_two_sided).toBe(w.p_two_sided);
    expect(p.w_plus).toBe(w.w_plus);
  });

  it("all zeros: nothing to test, p = 1", () => {
    const r = wilcoxonSignedRank([0, 0, 0], { zero_method: "pratt" });
    expect(r.p_two_sided).toBe(1);
    expect(r.n_zero).toBe(3);
  });
});
