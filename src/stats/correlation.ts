/**
 * Correlation coefficients with p-values, following scipy.stats:
 * - Pearson r (`pearsonr`): p from Student t with n − 2 df, evaluated as the incomplete beta
 *   I_{1−r²}((n−2)/2, ½) so that |r| close to 1 loses no precision.
 * - Point-biserial (`pointbiserialr`): Pearson r with a 0/1 variable.
 * - Spearman ρ (`spearmanr`): Pearson r of average ranks; p from the same t approximation
 *   (R's `cor.test` uses a different p with ties, so compare ρ only against R).
 * - Kendall τ-b (`kendalltau(variant='b', method='asymptotic')`): O(n log n) Knight algorithm
 *   (sort by x then y, count discordant pairs as merge-sort inversions); p from the
 *   tie-corrected normal approximation of n_c − n_d (Kendall 1970), no continuity correction —
 *   R's `cor.test(method='kendall', exact=FALSE)` gives the same. τ-c (Stuart) is reported too.
 */
import { assertFinite, assertSameLength, averageRanks, correlation } from "./descriptive.ts";
import { normalSf } from "./distributions.ts";
import { incompleteBetaPair } from "./special.ts";

/** Two-sided p-value of a correlation r from n pairs, via t = r√((n−2)/(1−r²)) with n − 2 df. */
export function correlationPValue(r: number, n: number): number {
  if (Number.isNaN(r) || n < 3) return Number.NaN;
  if (Math.abs(r) >= 1) return 0;
  const df = n - 2;
  return incompleteBetaPair((1 - r) * (1 + r), df / 2, 0.5, r * r).lower;
}

function checkPairs(x: ArrayLike<number>, y: ArrayLike<number>): void {
  assertSameLength(x, y, "x and y");
  assertFinite(x, "x");
  assertFinite(y, "y");
}

export interface PearsonResult {
  n: number;
  r: number;
  df: number;
  p_two_sided: number;
}

/** Pearson product-moment correlation with its two-sided p-value. */
export function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): PearsonResult {
  checkPairs(x, y);
  const r = correlation(x, y);
  return { n: x.length, r, df: x.length - 2, p_two_sided: correlationPValue(r, x.length) };
}

export interface PointBiserialResult {
  n: number;
  r_pb: number;
  p_two_sided: number;
}

/** Point-biserial correlation between a 0/1 (or boolean) variable and a continuous one. */
export function pointBiserial(
  binary: ArrayLike<number | boolean>,
  continuous: ArrayLike<number>,
): PointBiserialResult {
  assertSameLength(binary, continuous, "binary and continuous");
  const b = new Float64Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    const v = binary[i];
    const num = typeof v === "boolean" ? (v ? 1 : 0) : v;
    if (num !== 0 && num !== 1) throw new RangeError(`binary[${i}] must be 0 or 1 (got ${String(v)})`);
    b[i] = num;
  }
  const { r, p_two_sided } = pearsonR(b, continuous);
  return { n: b.length, r_pb: r, p_two_sided };
}

export interface SpearmanResult {
  n: number;
  rho: number;
  p_two_sided_t_approx: number;
}

/** Spearman rank correlation (average ranks for ties) with the t-approximation p-value. */
export function spearmanRho(x: ArrayLike<number>, y: ArrayLike<number>): SpearmanResult {
  checkPairs(x, y);
  const rho = correlation(averageRanks(x), averageRanks(y));
  return { n: x.length, rho, p_two_sided_t_approx: correlationPValue(rho, x.length) };
}

export interface KendallResult {
  n: number;
  tau_b: number;
  tau_c: number;
  concordant: number;
  discordant: number;
  /** z = (n_c − n_d)/√Var under H0 with tie corrections. */
  z: number;
  p_two_sided_asymptotic: number;
}

/** Counts strict inversions (i < j with a[i] > a[j]) by merge sort; sorts `a` in place. */
function countInversions(a: Float64Array): number {
  const n = a.length;
  let buffer: Float64Array = new Float64Array(n);
  let src: Float64Array = a;
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[i] <= src[j]) buffer[k++] = src[i++];
        else {
          inversions += mid - i;
          buffer[k++] = src[j++];
        }
      }
      while (i < mid) buffer[k++] = src[i++];
      while (j < hi) buffer[k++] = src[j++];
    }
    const t = src;
    src = buffer;
    buffer = t;
  }
  if (src !== a) a.set(src);
  return inversions;
}

/** Tie statistics of sorted values: pairs tied, Σt(t−1)(t−2), Σt(t−1)(2t+5), distinct count. */
function tieStats(sorted: ArrayLike<number>): { pairs: number; v1: number; v2: number; distinct: number } {
  let pairs = 0;
  let v1 = 0;
  let v2 = 0;
  let distinct = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    pairs += (t * (t - 1)) / 2;
    v1 += t * (t - 1) * (t - 2);
    v2 += t * (t - 1) * (2 * t + 5);
    distinct++;
    i = j;
  }
  return { pairs, v1, v2, distinct };
}

/** Kendall's τ-b (and τ-c) with the asymptotic two-sided p-value. */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): KendallResult {
  checkPairs(x, y);
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => x[i] - x[j] || y[i] - y[j]);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ys = Float64Array.from(order, (i) => y[i]);
  // Pairs tied in x, and tied in both x and y.
  const xTies = tieStats(xs);
  let bothTied = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && xs[j] === xs[i] && ys[j] === ys[i]) j++;
    bothTied += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const discordant = countInversions(ys); // ys is now sorted
  const yTies = tieStats(ys);
  const total = (n * (n - 1)) / 2;
  const concordant = total - xTies.pairs - yTies.pairs + bothTied - discordant;
  const cmd = concordant - discordant;
  const tauB = Math.max(
    -1,
    Math.min(1, cmd / Math.sqrt(total - xTies.pairs) / Math.sqrt(total - yTies.pairs)),
  );
  const minClasses = Math.min(xTies.distinct, yTies.distinct);
  const tauC = (2 * cmd) / ((n * n * (minClasses - 1)) / minClasses);
  const m = n * (n - 1);
  const variance =
    (m * (2 * n + 5) - xTies.v2 - yTies.v2) / 18 +
    (2 * xTies.pairs * yTies.pairs) / m +
    (xTies.v1 * yTies.v1) / (9 * m * (n - 2));
  const z = cmd / Math.sqrt(variance);
  return {
    n,
    tau_b: tauB,
    tau_c: tauC,
    concordant,
    discordant,
    z,
    p_two_sided_asymptotic: n < 3 ? Number.NaN : Math.min(1, 2 * normalSf(Math.abs(z))),
  };
}
