/**
 * Fisher's exact test for a 2×2 table, following scipy.stats.fisher_exact (scipy ≥ 1.11) and R's
 * fisher.test:
 *
 *   table = [[a, b],
 *            [c, d]]
 *
 * - Conditional on the margins, a follows the hypergeometric distribution: N = a + b + c + d
 *   items, n1 = a + b in the first row, k = a + c in the first column.
 * - `p_less` = P(X ≤ a), `p_greater` = P(X ≥ a).
 * - `p_two_sided` sums the probabilities of every table at most as likely as the observed one.
 *   "At most" allows a relative tolerance of 1e-7 (R's `relErr = 1 + 10^-7`), so that tables
 *   exactly as likely as the observed one in exact arithmetic are not lost to rounding. (scipy
 *   uses 1e-14 on probabilities from a different computation; both give the same p unless two
 *   tables differ in probability by less than one part in 10^7.)
 * - `odds_ratio` is the sample (unconditional) odds ratio a·d/(b·c), as scipy ≥ 1.11 returns:
 *   +∞ when b·c = 0. A table with an empty row or column has no information: p = 1 and the odds
 *   ratio is NaN (scipy's convention).
 *
 * Probabilities come from the hypergeometric weights in log space, built by the ratio
 * P(x + 1)/P(x) = (n1 − x)(k − x)/((x + 1)(N − n1 − k + x + 1)) and normalised by their sum, so
 * they stay accurate relative to one another for any table size (no factorial overflows).
 */

export type Table2x2 = readonly [readonly [number, number], readonly [number, number]];

export interface FisherExactResult {
  /** sample odds ratio a·d/(b·c) */
  odds_ratio: number;
  p_two_sided: number;
  /** H1: the odds ratio is below 1: P(X ≤ a) */
  p_less: number;
  /** H1: the odds ratio is above 1: P(X ≥ a) */
  p_greater: number;
}

/** Relative tolerance when comparing a table's probability with the observed one (R's fisher.test). */
const RELATIVE_TOLERANCE = 1e-7;

function checkTable(table: ReadonlyArray<ReadonlyArray<number>>): [number, number, number, number] {
  if (table.length !== 2 || table.some((row) => row.length !== 2)) {
    throw new RangeError("the table must be 2×2: [[a, b], [c, d]]");
  }
  const cells = [table[0][0], table[0][1], table[1][0], table[1][1]];
  cells.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      const name = [
        "a (row 1, column 1)",
        "b (row 1, column 2)",
        "c (row 2, column 1)",
        "d (row 2, column 2)",
      ][i];
      throw new RangeError(`cell ${name} must be a non-negative whole number (got ${v})`);
    }
  });
  return cells as [number, number, number, number];
}

/** Hypergeometric probabilities of x = lo..hi for N items, n1 in row 1, k in column 1. */
function hypergeometric(total: number, n1: number, k: number): { lo: number; probs: Float64Array } {
  const lo = Math.max(0, k - (total - n1));
  const hi = Math.min(n1, k);
  const logw = new Float64Array(hi - lo + 1);
  for (let x = lo; x < hi; x++) {
    const ratio = ((n1 - x) * (k - x)) / ((x + 1) * (total - n1 - k + x + 1));
    logw[x - lo + 1] = logw[x - lo] + Math.log(ratio);
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logw) if (v > max) max = v;
  const probs = new Float64Array(logw.length);
  let sum = 0;
  for (let i = 0; i < logw.length; i++) {
    probs[i] = Math.exp(logw[i] - max);
    sum += probs[i];
  }
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  return { lo, probs };
}

/** Fisher's exact test of independence in a 2×2 table, with the sample odds ratio. */
export function fisherExact(table: Table2x2 | number[][]): FisherExactResult {
  const [a, b, c, d] = checkTable(table);
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) {
    return { odds_ratio: Number.NaN, p_two_sided: 1, p_less: 1, p_greater: 1 };
  }
  const oddsRatio = b * c === 0 ? Number.POSITIVE_INFINITY : (a * d) / (b * c);
  const { lo, probs } = hypergeometric(a + b + c + d, a + b, a + c);
  const observed = probs[a - lo];
  const bound = observed * (1 + RELATIVE_TOLERANCE);
  let less = 0;
  let greater = 0;
  let twoSided = 0;
  for (let i = 0; i < probs.length; i++) {
    const x = lo + i;
    if (x <= a) less += probs[i];
    if (x >= a) greater += probs[i];
    if (probs[i] <= bound) twoSided += probs[i];
  }
  return {
    odds_ratio: oddsRatio,
    p_two_sided: Math.min(1, twoSided),
    p_less: Math.min(1, less),
    p_greater: Math.min(1, greater),
  };
}
