/**
 * Paired comparisons of two systems scored on the same cases.
 *
 * - `pairedDifference`: inference on per-case differences d_i = a_i − b_i (Miller 2024 §4).
 *   se_paired = sd(d)/√n; the unpaired SE √(var(a)/n + var(b)/n) and the correlation between
 *   a and b are reported to show how much pairing buys (se_paired² = se_unpaired² − 2·cov(a,b)/n).
 * - `pairedTTest`: t = mean(d)/(sd(d)/√n) with n − 1 df (scipy `ttest_rel`).
 * - `wilcoxonSignedRank`: by default zeros are dropped before ranking (scipy's default
 *   `zero_method='wilcox'`); the exact null distribution of W⁺ is used when there are no zeros and
 *   no ties and n ≤ 50 (R's rule, and scipy's in practice), otherwise the normal approximation
 *   with the tie correction Σ(t³ − t)/48 and, by default, a continuity correction of ½ (R's
 *   default; pass `correction: false` for scipy's default). `zero_method: 'pratt'` (Pratt 1959)
 *   keeps the zeros in the ranking and then drops their ranks, so the non-zero differences keep
 *   the ranks they have among all n; the normal approximation then uses Cureton's (1967) moments,
 *   mean [n(n+1) − n₀(n₀+1)]/4 and variance [n(n+1)(2n+1) − n₀(n₀+1)(2n₀+1)]/24 − Σ(t³ − t)/48
 *   over the non-zero tie groups — scipy's `wilcoxon(zero_method='pratt', method='asymptotic')`.
 *   (With zeros and n ≤ 13 scipy's `method='auto'` runs a permutation test instead; pratt here
 *   always uses the normal approximation when there are zeros.)
 * - `signTest`: zeros dropped, exact two-sided binomial test on the positive count (statsmodels
 *   `sign_test`, scipy `binomtest`, identical for p = ½).
 * - `mcnemarTest`: only discordant pairs matter. Exact p = min(1, 2·Bin(min(b,c); b+c, ½)) is the
 *   default for gating; the mid-p version (Fagerland, Lydersen & Laake 2013) is less conservative;
 *   the chi-square versions with and without the continuity correction are reported for
 *   comparison with other tools (R `mcnemar.test` uses the corrected one).
 */
import {
  assertConfidence,
  assertFinite,
  assertSameLength,
  correlation,
  mean,
  tieGroupSizes,
  variance,
} from "./descriptive.ts";
import {
  binomialCdf,
  binomialPmf,
  binomialSf,
  chiSquareSf,
  normalCdf,
  normalQuantile,
  normalSf,
  studentTCdf,
  studentTQuantile,
  studentTSf,
} from "./distributions.ts";
import type { Interval } from "./intervals.ts";

function pairDifferences(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  assertSameLength(a, b, "a and b");
  assertFinite(a, "a");
  assertFinite(b, "b");
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return d;
}

export interface PairedDifferenceSummary {
  n: number;
  /** mean(a − b). */
  mean_diff: number;
  sd_diff: number;
  se_paired: number;
  se_unpaired: number;
  /** Pearson correlation between a and b across cases. */
  pearson_r: number;
  confidence: number;
  ci_normal: Interval;
  ci_t: Interval;
  t_df: number;
}

/** Mean paired difference a − b with its standard error, intervals and the pairing correlation. */
export function pairedDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  confidence = 0.95,
): PairedDifferenceSummary {
  assertConfidence(confidence);
  const d = pairDifferences(a, b);
  const n = d.length;
  const md = mean(d);
  const sd = n >= 2 ? Math.sqrt(variance(d, 1)) : Number.NaN;
  const se = sd / Math.sqrt(n);
  const seUnpaired = n >= 2 ? Math.sqrt(variance(a, 1) / n + variance(b, 1) / n) : Number.NaN;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const tq = n >= 2 ? studentTQuantile(1 - (1 - confidence) / 2, n - 1) : Number.NaN;
  return {
    n,
    mean_diff: md,
    sd_diff: sd,
    se_paired: se,
    se_unpaired: seUnpaired,
    pearson_r: correlation(a, b),
    confidence,
    ci_normal: [md - z * se, md + z * se],
    ci_t: [md - tq * se, md + tq * se],
    t_df: n - 1,
  };
}

export interface PairedTTestResult {
  n: number;
  mean_diff: number;
  t: number;
  df: number;
  p_two_sided: number;
  /** H1: mean(a − b) > 0. */
  p_greater: number;
  /** H1: mean(a − b) < 0. */
  p_less: number;
}

/** Paired Student t-test on a − b. */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTTestResult {
  const d = pairDifferences(a, b);
  const n = d.length;
  const md = mean(d);
  const se = Math.sqrt(variance(d, 1) / n);
  const t = md / se;
  const df = n - 1;
  return {
    n,
    mean_diff: md,
    t,
    df,
    p_two_sided: Math.min(1, 2 * studentTSf(Math.abs(t), df)),
    p_greater: studentTSf(t, df),
    p_less: studentTCdf(t, df),
  };
}

export interface WilcoxonOptions {
  /**
   * "auto" (default): exact when n_nonzero ≤ 50 with no ties and no zeros, else the normal
   * approximation. "exact" with ties or zeros falls back to the approximation (as scipy and R
   * do); `method` in the result says which was used.
   */
  method?: "auto" | "exact" | "approx";
  /**
   * "wilcox" (default, scipy's): zeros are dropped before ranking. "pratt": zeros are ranked with
   * the rest and their ranks dropped (normal approximation with Cureton's moments when there are
   * zeros).
   */
  zero_method?: "wilcox" | "pratt";
  /** Continuity correction in the normal approximation (default true, as R). */
  correction?: boolean;
}

export interface WilcoxonResult {
  n: number;
  n_zero: number;
  n_nonzero: number;
  /** Sum of ranks of positive differences (R's V). */
  w_plus: number;
  w_minus: number;
  /** min(W⁺, W⁻), scipy's two-sided statistic. */
  statistic_scipy_min: number;
  /** z of the normal approximation (NaN when the exact distribution was used). */
  z: number;
  p_two_sided: number;
  /** H1: differences tend to be positive. */
  p_greater: number;
  p_less: number;
  method: "exact" | "approx";
  has_ties: boolean;
  zero_method: "wilcox" | "pratt";
}

/** Counts of subsets of {1..n} by rank sum: the exact null distribution of W⁺ (×2ⁿ). */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let s = (k * (k + 1)) / 2; s >= k; s--) counts[s] += counts[s - k];
  }
  return counts;
}

/** Average ranks (1-based) of `values`; ties share the mean of the ranks they span. */
function averageRanksOf(values: number[]): Float64Array {
  const n = values.length;
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    for (let k = i; k < j; k++) ranks[order[k]] = (i + 1 + j) / 2;
    i = j;
  }
  return ranks;
}

/** Wilcoxon signed-rank test on paired differences (zeros dropped, or ranked then dropped: pratt). */
export function wilcoxonSignedRank(
  differences: ArrayLike<number>,
  options: WilcoxonOptions = {},
): WilcoxonResult {
  assertFinite(differences, "differences");
  const method = options.method ?? "auto";
  const correction = options.correction ?? true;
  const zeroMethod = options.zero_method ?? "wilcox";
  if (zeroMethod !== "wilcox" && zeroMethod !== "pratt") {
    throw new RangeError(`zero_method must be "wilcox" or "pratt" (got ${String(zeroMethod)})`);
  }
  const all = Array.from(differences);
  const nonzero = all.filter((d) => d !== 0);
  const n = nonzero.length;
  const nZero = all.length - n;
  // pratt: zeros take part in the ranking (they hold the lowest ranks) and then drop out
  const ranked = zeroMethod === "pratt" ? all : nonzero;
  const ranks = averageRanksOf(ranked.map(Math.abs));
  const ties = tieGroupSizes(nonzero.map(Math.abs));
  let wPlus = 0;
  let wMinus = 0;
  for (let i = 0; i < ranked.length; i++) {
    if (ranked[i] > 0) wPlus += ranks[i];
    else if (ranked[i] < 0) wMinus += ranks[i];
  }
  const base = {
    n: differences.length,
    n_zero: nZero,
    n_nonzero: n,
    w_plus: wPlus,
    w_minus: wMinus,
    statistic_scipy_min: Math.min(wPlus, wMinus),
    has_ties: ties.length > 0,
    zero_method: zeroMethod,
  };
  if (n === 0) {
    return { ...base, z: Number.NaN, p_two_sided: 1, p_greater: 1, p_less: 1, method: "exact" };
  }
  const exactAllowed = ties.length === 0 && nZero === 0;
  const useExact = exactAllowed && (method === "exact" || (method === "auto" && n <= 50));
  if (useExact) {
    const counts = signedRankCounts(n);
    const total = 2 ** n;
    let le = 0; // P(W⁺ ≤ w)
    for (let s = 0; s <= wPlus; s++) le += counts[s];
    let ge = 0; // P(W⁺ ≥ w)
    for (let s = wPlus; s < counts.length; s++) ge += counts[s];
    const pLess = le / total;
    const pGreater = ge / total;
    return {
      ...base,
      z: Number.NaN,
      p_two_sided: Math.min(1, 2 * Math.min(pLess, pGreater)),
      p_greater: pGreater,
      p_less: pLess,
      method: "exact",
    };
  }
  // Moments of W⁺ under H0: over the n non-zero ranks 1..n (wilcox), or over ranks n₀+1..n₀+n
  // of all n₀ + n differences (pratt, Cureton 1967).
  const m = zeroMethod === "pratt" ? all.length : n;
  const z0 = zeroMethod === "pratt" ? nZero : 0;
  const mn = (m * (m + 1) - z0 * (z0 + 1)) / 4;
  let tieTerm = 0;
  for (const t of ties) tieTerm += t * t * t - t;
  const se = Math.sqrt((m * (m + 1) * (2 * m + 1) - z0 * (z0 + 1) * (2 * z0 + 1)) / 24 - tieTerm / 48);
  const diff = wPlus - mn;
  const cc = correction ? 0.5 : 0;
  const zTwo = (diff - cc * Math.sign(diff)) / se;
  return {
    ...base,
    z: zTwo,
    p_two_sided: Math.min(1, 2 * normalSf(Math.abs(zTwo))),
    p_greater: normalSf((diff - cc) / se),
    p_less: normalCdf((diff + cc) / se),
    method: "approx",
  };
}

export interface SignTestResult {
  n_pos: number;
  n_neg: number;
  n_zero: number;
  /** (n_pos − n_neg)/2, statsmodels' statistic. */
  M: number;
  p_two_sided: number;
  /** Same as p_two_sided: scipy's `binomtest` two-sided p equals the doubled tail when p = ½. */
  p_binomtest: number;
  /** H1: positive differences are more likely. */
  p_greater: number;
  p_less: number;
}

/** Sign test on paired differences (zeros dropped). */
export function signTest(differences: ArrayLike<number>): SignTestResult {
  assertFinite(differences, "differences");
  let pos = 0;
  let neg = 0;
  let zero = 0;
  for (let i = 0; i < differences.length; i++) {
    if (differences[i] > 0) pos++;
    else if (differences[i] < 0) neg++;
    else zero++;
  }
  const n = pos + neg;
  const p = n === 0 ? 1 : Math.min(1, 2 * binomialCdf(Math.min(pos, neg), n, 0.5));
  return {
    n_pos: pos,
    n_neg: neg,
    n_zero: zero,
    M: (pos - neg) / 2,
    p_two_sided: p,
    p_binomtest: p,
    p_greater: n === 0 ? 1 : binomialSf(pos - 1, n, 0.5),
    p_less: n === 0 ? 1 : binomialCdf(pos, n, 0.5),
  };
}

/** 2×2 table of paired pass/fail outcomes of systems A and B on the same cases. */
export interface McNemarTable {
  both_pass: number;
  a_pass_b_fail: number;
  a_fail_b_pass: number;
  both_fail: number;
}

/** Builds the McNemar table from per-case pass/fail outcomes of A and B. */
export function mcnemarTable(a: ArrayLike<boolean>, b: ArrayLike<boolean>): McNemarTable {
  assertSameLength(a, b, "a and b");
  const t: McNemarTable = { both_pass: 0, a_pass_b_fail: 0, a_fail_b_pass: 0, both_fail: 0 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) t.both_pass++;
    else if (a[i]) t.a_pass_b_fail++;
    else if (b[i]) t.a_fail_b_pass++;
    else t.both_fail++;
  }
  return t;
}

export interface McNemarResult {
  n: number;
  discordant: number;
  /** Pass rate of A minus pass rate of B, (b − c)/n. */
  diff_a_minus_b: number;
  p_exact: number;
  p_midp: number;
  chi2_cc: number;
  p_chi2_cc: number;
  chi2_no_cc: number;
  p_chi2_no_cc: number;
}

/** McNemar's test for paired pass/fail outcomes: exact, mid-p and chi-square variants. */
export function mcnemarTest(table: McNemarTable): McNemarResult {
  const { both_pass, a_pass_b_fail: b, a_fail_b_pass: c, both_fail } = table;
  for (const [key, v] of Object.entries(table)) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${key} must be a non-negative integer (got ${v})`);
  }
  const n = both_pass + b + c + both_fail;
  const discordant = b + c;
  const k = Math.min(b, c);
  const pExact = discordant === 0 ? 1 : Math.min(1, 2 * binomialCdf(k, discordant, 0.5));
  const pMid =
    discordant === 0
      ? 1
      : Math.min(1, 2 * (binomialCdf(k, discordant, 0.5) - 0.5 * binomialPmf(k, discordant, 0.5)));
  const chi2cc = (Math.abs(b - c) - 1) ** 2 / discordant;
  const chi2 = (b - c) ** 2 / discordant;
  return {
    n,
    discordant,
    diff_a_minus_b: (b - c) / n,
    p_exact: pExact,
    p_midp: pMid,
    chi2_cc: chi2cc,
    p_chi2_cc: chiSquareSf(chi2cc, 1),
    chi2_no_cc: chi2,
    p_chi2_no_cc: chiSquareSf(chi2, 1),
  };
}
