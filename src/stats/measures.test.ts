/**
 * Agreement, correlation, item analysis and drift beyond the known-answer vectors. Krippendorff
 * references were computed with a brute-force pairwise formula in exact rational arithmetic
 * (independent of the coincidence-matrix code) and match Krippendorff (2011): ordinal 0.815,
 * ratio 0.797 on his 4 × 12 example. Other references: scipy 1.17.
 */
import { describe, expect, it } from "vitest";
import {
  chiSquareIndependence,
  cohenKappa,
  itemAnalysis,
  kendallTauB,
  krippendorffAlpha,
  ksTwoSample,
  spearmanRho,
  tabularCusum,
  weightedKappa,
} from "./index.ts";

const KRIPPENDORFF_2011 = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];

describe("Krippendorff's alpha", () => {
  it("ratio metric", () => {
    const r = krippendorffAlpha(KRIPPENDORFF_2011, "ratio");
    expect(r.alpha).toBeCloseTo(0.797402774711612, 12);
    expect(r.D_o).toBeCloseTo(0.02243272864701436, 12);
    expect(r.D_e).toBeCloseTo(0.11072574471383995, 12);
  });

  it("ordinal metric", () => {
    const r = krippendorffAlpha(KRIPPENDORFF_2011, "ordinal");
    expect(r.alpha).toBeCloseTo(0.8153875037548813, 12);
    expect(r.D_o).toBeCloseTo(47.275, 10);
  });

  it("ordinal string categories follow the declared order", () => {
    const names = ["low", "mid", "high", "top", "max"];
    const asText = KRIPPENDORFF_2011.map((row) => row.map((v) => (v === null ? null : names[v - 1])));
    const r = krippendorffAlpha(asText, "ordinal", { values: names });
    expect(r.alpha).toBeCloseTo(0.8153875037548813, 12);
    expect(() => krippendorffAlpha(asText, "ordinal")).toThrow(RangeError);
  });

  it("counts a unit with a single rating as unpairable; undefined/NaN are missing too", () => {
    const r = krippendorffAlpha([
      [1, 2, undefined],
      [1, 2, 3],
      [2, Number.NaN, null],
    ]);
    expect(r.n_units_pairable).toBe(2);
    expect(r.n_pairable_values).toBe(5);
  });

  it("interval alpha rejects non-numeric ratings", () => {
    expect(() => krippendorffAlpha([["a"], ["b"]], "interval")).toThrow(RangeError);
  });
});

describe("kappa", () => {
  const r1 = [1, 2, 3, 4, 5, 3, 4, 2, 5, 4, 3, 1, 2, 4, 5, 3];
  const r2 = [1, 3, 3, 5, 4, 2, 4, 2, 5, 3, 3, 2, 2, 4, 4, 4];

  it("quadratic weights (sklearn formula)", () => {
    expect(weightedKappa(r1, r2, { labels: [1, 2, 3, 4, 5], weights: "quadratic" }).kappa).toBeCloseTo(
      0.8293333333333334,
      14,
    );
  });

  it("string categories and dropped missing pairs", () => {
    const a = ["pass", "fail", "pass", null, "pass"];
    const b = ["pass", "fail", "fail", "pass", "pass"];
    const r = cohenKappa(a, b);
    expect(r.n).toBe(4);
    // p_o = 3/4; marginals a: fail 1, pass 3; b: fail 2, pass 2 → p_e = (1·2 + 3·2)/16 = 1/2.
    expect(r.kappa).toBeCloseTo(0.5, 15);
  });

  it("a rating outside the declared scale is an error", () => {
    expect(() => weightedKappa([1, 6], [1, 2], { labels: [1, 2, 3, 4, 5], weights: "linear" })).toThrow(
      RangeError,
    );
  });
});

describe("rank correlations on a larger tied sample (n = 60, scipy 1.17)", () => {
  const x = [
    5, 4, 4, 5, 3, 4, 5, 2, 1, 2, 2, 5, 5, 1, 3, 5, 1, 4, 1, 3, 5, 2, 2, 2, 4, 2, 5, 3, 3, 3, 3, 3, 3, 5, 5,
    4, 4, 4, 2, 5, 3, 2, 5, 1, 5, 4, 1, 1, 3, 1, 1, 3, 5, 3, 5, 5, 5, 4, 3, 3,
  ];
  const y = [
    4, 4, 3, 4, 5, 2, 3, 1, 3, 3, 4, 4, 5, 1, 3, 3, 2, 5, 2, 1, 5, 1, 4, 4, 2, 2, 5, 5, 4, 4, 1, 4, 3, 3, 4,
    4, 5, 4, 3, 5, 4, 1, 5, 1, 3, 2, 2, 1, 3, 1, 1, 1, 4, 5, 5, 4, 5, 5, 2, 3,
  ];

  it("Kendall tau-b and asymptotic p", () => {
    const r = kendallTauB(x, y);
    expect(r.tau_b).toBeCloseTo(0.488187096346126, 13);
    expect(r.p_two_sided_asymptotic).toBeCloseTo(3.3720189769733292e-6, 17);
  });

  it("Spearman rho and t-approximation p", () => {
    const r = spearmanRho(x, y);
    expect(r.rho).toBeCloseTo(0.59711360159713, 13);
    expect(r.p_two_sided_t_approx).toBeCloseTo(4.754476798544695e-7, 18);
  });
});

describe("item analysis", () => {
  it("zero-variance items get null discrimination", () => {
    const r = itemAnalysis([
      [1, 1, 0],
      [1, 0, 0],
      [1, 1, 1],
    ]);
    expect(r.difficulty_p).toEqual([1, 2 / 3, 1 / 3]);
    expect(r.point_biserial_item_total[0]).toBeNull();
    expect(r.point_biserial_item_rest[0]).toBeNull();
    expect(r.zero_variance_items).toEqual([0]);
  });
});

describe("drift", () => {
  it("KS exact and asymptotic p for unequal sizes (scipy ks_2samp)", () => {
    const a = [0.12, 0.5, 0.33, 0.91, 0.45, 0.27, 0.66, 0.73, 0.05, 0.38, 0.59, 0.81, 0.22];
    const b = [0.41, 0.72, 0.95, 0.61, 0.58, 0.88, 0.47, 0.69, 0.99, 0.77, 0.53];
    const r = ksTwoSample(a, b);
    expect(r.D).toBeCloseTo(0.46153846153846156, 15);
    expect(r.p_exact).toBeCloseTo(0.11055932670551057, 12);
    expect(r.p_asymptotic).toBeCloseTo(0.10855174300300563, 12);
    expect(r.method).toBe("exact");
    expect(ksTwoSample(a, b, { method: "asymp" }).p).toBe(r.p_asymptotic);
  });

  it("KS of shifted equal-size samples", () => {
    const c = [0.3, 0.1, 0.7, 0.9, 0.5, 0.2, 0.8, 0.6];
    const e = c.map((v) => v + 0.05);
    const r = ksTwoSample(c, e);
    expect(r.D).toBe(0.125);
    expect(r.p_exact).toBeCloseTo(1, 14);
  });

  it("chi-square on a 2×2 table applies Yates' correction by default (scipy chi2_contingency)", () => {
    const t = [
      [12, 5],
      [7, 14],
    ];
    const r = chiSquareIndependence(t);
    expect(r.yates_correction_applied).toBe(true);
    expect(r.chi2).toBeCloseTo(3.831932773109244, 13);
    expect(r.p).toBeCloseTo(0.05028491606049412, 14);
    const plain = chiSquareIndependence(t, { correction: false });
    expect(plain.chi2).toBeCloseTo(5.215686274509804, 13);
    expect(plain.p).toBeCloseTo(0.022384010692177766, 14);
  });

  it("chi-square ignores categories absent from every window and flags small expected counts", () => {
    const r = chiSquareIndependence([
      [30, 15, 0, 5],
      [20, 20, 0, 10],
    ]);
    expect(r.df).toBe(2);
    expect(r.chi2).toBeCloseTo(4.380952380952381, 13);
    expect(r.low_expected).toBe(false);
    expect(
      chiSquareIndependence([
        [3, 1],
        [1, 3],
      ]).low_expected,
    ).toBe(true);
  });

  it("CUSUM with no shift raises no alarm; an upward shift alarms upward", () => {
    expect(
      tabularCusum([0.8, 0.81, 0.79, 0.8], { target_mean: 0.8, k: 0.01, h: 0.05 }).first_alarm_index,
    ).toBeNull();
    const up = tabularCusum([0.8, 0.9, 0.9, 0.9], { target_mean: 0.8, k: 0.01, h: 0.1 });
    expect(up.first_alarm_index).toBe(2);
    expect(up.alarm_direction).toBe("up");
  });
});
