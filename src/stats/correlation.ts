/**
 * Correlation coefficients with p-values, following scipy.stats:
 * - Pearson r (`pearsonr`): p from Student t with n − 2 df, evaluated as the incomplete beta
 *   I_{1−r²}((n−2)/2, ½) so that |r| close to 1 loses no precision.
 * - Point-biserial (`pointbiserialr`): Pearson r with a 0/1 variable.
 * - Spearman ρ (`spearmanr`): Pearson r of average ranks; p from the same t approximation
 *   (R's `cor.test` uses a different p with ties, so compare ρ only against R).
 * - Kendall τ-b (`kendalltau(variant='b')`): O(n log n) Knight algorithm (sort by x then y,
 *   count discordant pairs as merge-sort inversions). Two p-values: the tie-corrected normal
 *   approximation of n_c − n_d (Kendall 1970), no continuity correction — R's
 *   `cor.test(method='kendall', exact=FALSE)` gives the same — and, without ties, the exact p from
 *   the null distribution of the number of discordant pairs (Mahonian numbers). `p_two_sided`
 *   follows scipy's `method='auto'` (scipy ≥ 1.7, checked against 1.17's source): exact when there
 *   are no ties and n ≤ 33 or at most one pair is discordant (or concordant), else asymptotic.
 *   τ-c (Stuart) is reported too.
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
  /** exact two-sided p (no ties only; null with ties, where no exact distribution is used) */
  p_two_sided_exact: number | null;
  /** the p of `p_method`: what scipy's `kendalltau(method='auto')` returns */
  p_two_sided: number;
  p_method: "exact" | "asymptotic";
}

export interface KendallOptions {
  /**
   * "auto" (default, scipy's rule): exact when there are no ties and n ≤ 33 or min(n_d, n_c) ≤ 1;
   * "exact" throws with ties (as scipy does); "asymptotic": the normal approximation.
   */
  method?: "auto" | "exact" | "asymptotic";
}

export interface KendallExactP {
  p_two_sided: number;
  /** H1: positive association (few discordant pairs): P(D ≤ d) */
  p_greater: number;
  /** H1: negative association: P(D ≥ d) */
  p_less: number;
}

/** scipy's threshold for the exact p under method='auto' (n ≤ 33, about 1e-4 s per call there). */
const EXACT_KENDALL_MAX_N = 33;

/**
 * P(D ≤ m) and P(D = m) for the number of discordant pairs D of a random permutation of n items
 * (no ties), m ≤ n(n−1)/4. The counts of permutations with k inversions are the Mahonian numbers,
 * I_n(k) = Σ_{i=0}^{min(k, n−1)} I_{n−1}(k − i); dividing by j at step j keeps probabilities
 * (no n! overflow) and only the first m + 1 terms are ever needed: O(n·m).
 */
function discordantLowerTail(n: number, m: number): { cdf: number; pmf: number } {
  let dist = new Float64Array(m + 1);
  dist[0] = 1; // one item: no pairs
  const prefix = new Float64Array(m + 2);
  for (let j = 2; j <= n; j++) {
    prefix[0] = 0;
    for (let k = 0; k <= m; k++) prefix[k + 1] = prefix[k] + dist[k];
    const next = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      // Σ_{i=0}^{min(k, j−1)} dist[k − i] = prefix[k + 1] − prefix[max(0, k − j + 1)]
      next[k] = (prefix[k + 1] - prefix[Math.max(0, k - j + 1)]) / j;
    }
    dist = next;
  }
  let cdf = 0;
  for (let k = 0; k <= m; k++) cdf += dist[k];
  return { cdf, pmf: dist[m] };
}

/**
 * Exact p-values of Kendall's τ without ties, from n and the number of discordant pairs (scipy's
 * `_kendall_p_exact`, Kendall 1970): the distribution of D is symmetric about n(n−1)/4, so the
 * two-sided p is twice the smaller tail, capped at 1.
 */
export function kendallExactPValue(n: number, discordant: number): KendallExactP {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a whole number ≥ 1 (got ${n})`);
  const total = (n * (n - 1)) / 2;
  if (!Number.isInteger(discordant) || discordant < 0 || discordant > total) {
    throw new RangeError(`discordant must be a whole number in [0, ${total}] (got ${discordant})`);
  }
  if (total === 0) return { p_two_sided: 1, p_greater: 1, p_less: 1 };
  const m = Math.min(discordant, total - discordant);
  const { cdf, pmf } = discordantLowerTail(n, m);
  const inLowerTail = discordant === m; // few discordant pairs: positive association
  const near = Math.min(1, cdf); // P(D ≤ m) = P(D ≥ total − m)
  const far = Math.min(1, 1 - cdf + pmf);
  return {
    p_two_sided: Math.min(1, 2 * cdf),
    p_greater: inLowerTail ? near : far,
    p_less: inLowerTail ? far : near,
  };
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

/** Kendall's τ-b (and τ-c) with the asymptotic and (without ties) exact two-sided p-values. */
export function kendallTauB(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: KendallOptions = {},
): KendallResult {
  checkPairs(x, y);
  const method = options.method ?? "auto";
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
  const pAsymptotic = n < 3 ? Number.NaN : Math.min(1, 2 * normalSf(Math.abs(z)));
  const noTies = xTies.pairs === 0 && yTies.pairs === 0;
  if (method === "exact" && !noTies) {
    throw new RangeError("the exact p of Kendall's tau needs data without ties (use method 'auto')");
  }
  const pExact = noTies && n >= 2 ? kendallExactPValue(n, discordant).p_two_sided : null;
  const useExact =
    pExact !== null &&
    (method === "exact" ||
      (method === "auto" && (n <= EXACT_KENDALL_MAX_N || Math.min(discordant, total - discordant) <= 1)));
  return {
    n,
    tau_b: tauB,
    tau_c: tauC,
    concordant,
    discordant,
    z,
    p_two_sided_asymptotic: pAsymptotic,
    p_two_sided_exact: pExact,
    p_two_sided: useExact ? (pExact as number) : pAsymptotic,
    p_method: useExact ? "exact" : "asymptotic",
  };
}
