/**
 * Probability distributions: normal, Student t, noncentral t, chi-square, beta and binomial.
 *
 * Everything is built on the special functions in `special.ts`:
 * - Φ(x) = ½·Q(½, x²/2) for x < 0 (= ½·erfc(−x/√2)), so lower tails keep relative accuracy
 *   down to ~1e-300.
 * - Φ⁻¹(p): Abramowitz & Stegun 26.2.23 start (|error| < 4.5e-4) polished with Halley steps on
 *   the accurate Φ; agrees with scipy's `norm.ppf` to ~1e-15 (z₀.₉₇₅ = 1.959963984540054).
 * - Student t: tail = ½·I_{ν/(ν+t²)}(ν/2, ½); quantiles by inverting that beta function on
 *   whichever of x = ν/(ν+t²) or 1 − x is smaller (no cancellation), with closed forms for
 *   ν = 1, 2.
 * - Noncentral t (needed for t-test power, as statsmodels' `TTestPower`): the series of
 *   Lenth (1989, AS 243) / Guenther (1978) in Poisson-weighted incomplete beta functions.
 * - Binomial: exact summation of PMFs for n ≤ 1000 (exact in binary for p = ½, which is what
 *   the sign and McNemar tests use), incomplete beta beyond.
 * Degrees of freedom may be non-integer everywhere (power calculations solve for real n).
 */
import {
  betaPowerTerms,
  incompleteBetaPair,
  incompleteGammaPair,
  logBeta,
  logGamma,
  solveIncreasing,
} from "./special.ts";

const LN_SQRT_2PI = 0.9189385332046728; // ln √(2π)

// ---------------------------------------------------------------------------------------------
// Normal

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI);
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const g = incompleteGammaPair(0.5, 0.5 * x * x);
  return x < 0 ? 0.5 * g.upper : 0.5 + 0.5 * g.lower;
}

/** Standard normal survival function 1 − Φ(x), accurate in the upper tail. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/** Error function erf(x). */
export function erf(x: number): number {
  const p = incompleteGammaPair(0.5, x * x).lower;
  return x < 0 ? -p : p;
}

/** Complementary error function erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  const g = incompleteGammaPair(0.5, x * x);
  return x < 0 ? 1 + g.lower : g.upper;
}

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  const q = p < 0.5 ? p : 1 - p; // exact for p ≥ ½ (Sterbenz)
  const t = Math.sqrt(-2 * Math.log(q));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let i = 0; i < 20; i++) {
    const density = normalPdf(x);
    if (density === 0) break;
    const u = (normalCdf(x) - q) / density;
    const step = u / (1 + 0.5 * x * u);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return p < 0.5 ? x : -x;
}

// ---------------------------------------------------------------------------------------------
// Student t

/** Student t density with `df` degrees of freedom. */
export function studentTPdf(t: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalPdf(t);
  return Math.exp(
    logGamma((df + 1) / 2) -
      logGamma(df / 2) -
      0.5 * Math.log(df * Math.PI) -
      ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/** Student t CDF P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalCdf(t);
  if (t === 0) return 0.5;
  const t2 = t * t;
  if (!Number.isFinite(t2)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBetaPair(df / (df + t2), df / 2, 0.5, t2 / (df + t2)).lower; // P(T > |t|)
  return t > 0 ? 1 - tail : tail;
}

/** Student t survival function P(T > t), accurate in the upper tail. */
export function studentTSf(t: number, df: number): number {
  return studentTCdf(-t, df);
}

/** Student t quantile: the t with P(T ≤ t) = p. */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return Number.NaN;
  if (df === Number.POSITIVE_INFINITY) return normalQuantile(p);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  const q = p < 0.5 ? p : 1 - p; // lower-tail probability, result is −|t|
  let magnitude: number;
  if (df === 1) {
    magnitude = 1 / Math.tan(Math.PI * q);
  } else if (df === 2) {
    magnitude = (1 - 2 * q) / Math.sqrt(2 * q * (1 - q));
  } else {
    // Two-sided tail 2q = I_x(df/2, ½) with x = df/(df+t²); y = 1 − x = t²/(df+t²).
    const a = df / 2;
    const twoQ = 2 * q;
    const atHalf = incompleteBetaPair(0.5, a, 0.5).lower;
    if (twoQ < atHalf) {
      // Large |t|: x < ½, solve for x directly.
      const x = invertIncompleteBeta(twoQ, a, 0.5, false);
      magnitude = Math.sqrt((df * (1 - x)) / x);
    } else {
      // Small |t|: y < ½, solve I_y(½, df/2) upper tail = 2q for y.
      const y = invertIncompleteBeta(twoQ, 0.5, a, true);
      magnitude = Math.sqrt((df * y) / (1 - y));
    }
  }
  return p < 0.5 ? -magnitude : magnitude;
}

// ---------------------------------------------------------------------------------------------
// Noncentral t

/** F(t; ν, δ) for t ≥ 0 by the AS 243 series (Poisson-weighted incomplete beta functions). */
function noncentralTCdfNonNegative(t: number, df: number, delta: number): number {
  const t2 = t * t;
  const x = t2 / (t2 + df);
  const y = df / (t2 + df);
  const lambda = 0.5 * delta * delta;
  let sum = 0;
  if (x > 0) {
    const halfDf = df / 2;
    const logLambda = Math.log(lambda);
    const spread = Math.sqrt(lambda);
    const jStart = Math.max(0, Math.floor(lambda - 40 * spread - 40));
    const jEnd = Math.ceil(lambda + 40 * spread + 200);
    const deltaOverSqrt2 = delta / Math.SQRT2;
    for (let j = jStart; j <= jEnd; j++) {
      const logPow = lambda === 0 ? (j === 0 ? 0 : Number.NEGATIVE_INFINITY) : j * logLambda;
      const pj = Math.exp(-lambda + logPow - logGamma(j + 1));
      const qj = Math.exp(-lambda + logPow - logGamma(j + 1.5));
      const weight = pj + Math.abs(deltaOverSqrt2) * qj;
      if (j > lambda && weight < 1e-18) break;
      if (weight < 1e-300) continue;
      const ia = incompleteBetaPair(x, j + 0.5, halfDf, y).lower;
      const ib = incompleteBetaPair(x, j + 1, halfDf, y).lower;
      sum += pj * ia + deltaOverSqrt2 * qj * ib;
    }
  }
  const value = normalCdf(-delta) + 0.5 * sum;
  return Math.min(1, Math.max(0, value));
}

/** Noncentral t CDF P(T ≤ t) with `df` degrees of freedom and noncentrality `delta`. */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t) || Number.isNaN(delta) || !(df > 0)) return Number.NaN;
  if (delta === 0) return studentTCdf(t, df);
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  return t >= 0 ? noncentralTCdfNonNegative(t, df, delta) : 1 - noncentralTCdfNonNegative(-t, df, -delta);
}

/** Noncentral t survival function P(T > t). */
export function noncentralTSf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t) || Number.isNaN(delta) || !(df > 0)) return Number.NaN;
  if (delta === 0) return studentTSf(t, df);
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  return t >= 0 ? 1 - noncentralTCdfNonNegative(t, df, delta) : noncentralTCdfNonNegative(-t, df, -delta);
}

// ---------------------------------------------------------------------------------------------
// Chi-square

/** Chi-square CDF with `df` degrees of freedom: P(df/2, x/2). */
export function chiSquareCdf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN;
  return incompleteGammaPair(df / 2, x / 2).lower;
}

/** Chi-square survival function (the p-value of a chi-square statistic): Q(df/2, x/2). */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN;
  return incompleteGammaPair(df / 2, x / 2).upper;
}

/** Chi-square density. */
export function chiSquarePdf(x: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (x < 0) return 0;
  if (x === 0) return df === 2 ? 0.5 : df < 2 ? Number.POSITIVE_INFINITY : 0;
  const k = df / 2;
  return Math.exp((k - 1) * Math.log(x) - x / 2 - k * Math.LN2 - logGamma(k));
}

/** Chi-square quantile: the x with P(X ≤ x) = p. */
export function chiSquareQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return Number.NaN;
  if (p === 0) return 0;
  if (p === 1) return Number.POSITIVE_INFINITY;
  // Wilson–Hilferty start.
  const z = normalQuantile(p);
  const c = 2 / (9 * df);
  let start = df * (1 - c + z * Math.sqrt(c)) ** 3;
  if (!(start > 0)) start = df * 0.1;
  let hi = Math.max(2 * start, df + 10);
  while (chiSquareCdf(hi, df) < p) hi *= 2;
  const upperTail = p > 0.5;
  const f = upperTail ? (x: number) => 1 - p - chiSquareSf(x, df) : (x: number) => chiSquareCdf(x, df) - p;
  return solveIncreasing(f, (x) => chiSquarePdf(x, df), 0, hi, start);
}

// ---------------------------------------------------------------------------------------------
// Beta

/** Beta(a, b) density. */
export function betaPdf(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return Number.NaN;
  if (x < 0 || x > 1) return 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logBeta(a, b));
}

/** Beta(a, b) CDF, I_x(a, b). */
export function betaCdf(x: number, a: number, b: number): number {
  return incompleteBetaPair(x, a, b).lower;
}

/**
 * Solves I_x(a,b) = target for x (or 1 − I_x(a,b) = target when `upper`), starting from the
 * Numerical Recipes `invbetai` approximation.
 */
function invertIncompleteBeta(target: number, a: number, b: number, upper: boolean): number {
  if (target <= 0) return upper ? 1 : 0;
  if (target >= 1) return upper ? 0 : 1;
  const p = upper ? 1 - target : target;
  let x: number;
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    let z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) z = -z;
    const al = (z * z - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (z * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    x = a / (a + b * Math.exp(2 * w));
  } else {
    const lna = Math.log(a / (a + b));
    const lnb = Math.log(b / (a + b));
    const t = Math.exp(a * lna) / a;
    const u = Math.exp(b * lnb) / b;
    const w = t + u;
    x = p < t / w ? (a * w * p) ** (1 / a) : 1 - (b * w * (1 - p)) ** (1 / b);
  }
  if (!(x > 0 && x < 1)) x = 0.5;
  const f = upper
    ? (v: number) => target - incompleteBetaPair(v, a, b).upper
    : (v: number) => incompleteBetaPair(v, a, b).lower - target;
  return solveIncreasing(f, (v) => betaPdf(v, a, b), 0, 1, x);
}

/** Beta(a, b) quantile: the x with I_x(a, b) = p. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(a > 0) || !(b > 0)) return Number.NaN;
  // Work on the smaller tail so the target keeps its relative precision.
  return p <= 0.5 ? invertIncompleteBeta(p, a, b, false) : invertIncompleteBeta(1 - p, a, b, true);
}

// ---------------------------------------------------------------------------------------------
// Binomial

const EXACT_BINOMIAL_LIMIT = 1000;

function checkBinomial(k: number, n: number, p: number): boolean {
  return Number.isInteger(n) && n >= 0 && p >= 0 && p <= 1 && !Number.isNaN(k);
}

/** Binomial probability mass P(X = k) for X ~ Bin(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (!checkBinomial(k, n, p)) return Number.NaN;
  if (!Number.isInteger(k) || k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  if (n <= EXACT_BINOMIAL_LIMIT) {
    // C(n,k) by the multiplicative formula: exact integers while below 2^53.
    const r = Math.min(k, n - k);
    let c = 1;
    for (let i = 1; i <= r; i++) c = (c * (n - r + i)) / i;
    const direct = c * p ** k * (1 - p) ** (n - k);
    if (direct > 1e-280 && Number.isFinite(direct)) return direct;
  }
  if (k === 0) return Math.exp(n * Math.log1p(-p));
  if (k === n) return Math.exp(n * Math.log(p));
  // C(n,k) p^k q^(n−k) = p^(k+1) q^(n−k+1) / B(k+1, n−k+1) / ((n+1) p q), via the TOMS 708 power terms.
  return betaPowerTerms(p, 1 - p, k + 1, n - k + 1) / ((n + 1) * p * (1 - p));
}

/** Binomial CDF P(X ≤ k). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (!checkBinomial(k, n, p)) return Number.NaN;
  const kk = Math.floor(k);
  if (kk < 0) return 0;
  if (kk >= n) return 1;
  if (n <= EXACT_BINOMIAL_LIMIT) {
    let sum = 0;
    for (let i = 0; i <= kk; i++) sum += binomialPmf(i, n, p);
    return Math.min(1, sum);
  }
  // P(X ≤ k) = I_{1−p}(n − k, k + 1)
  return incompleteBetaPair(1 - p, n - kk, kk + 1, p).lower;
}

/** Binomial survival function P(X > k). */
export function binomialSf(k: number, n: number, p: number): number {
  if (!checkBinomial(k, n, p)) return Number.NaN;
  const kk = Math.floor(k);
  if (kk < 0) return 1;
  if (kk >= n) return 0;
  if (n <= EXACT_BINOMIAL_LIMIT) {
    let sum = 0;
    for (let i = n; i > kk; i--) sum += binomialPmf(i, n, p);
    return Math.min(1, sum);
  }
  // P(X > k) = I_p(k + 1, n − k)
  return incompleteBetaPair(p, kk + 1, n - kk, 1 - p).lower;
}
