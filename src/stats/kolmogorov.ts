/**
 * Kolmogorov–Smirnov null distributions.
 *
 * - Two-sample exact: probability that a uniformly random lattice path from (0,0) to (m,n)
 *   stays strictly inside the band |i/m − j/n| < d (the method of scipy's `ks_2samp(method=
 *   'exact')` and R's `psmirnov`), computed with path *proportions* rather than counts so it
 *   never overflows. The band test uses integers (|i·n − j·m| < D·m·n) so the observed D is
 *   never misclassified by rounding.
 * - One-sample two-sided exact D_n (scipy's `kstwo`): 2× the Birnbaum–Tingey one-sided sum when
 *   d ≥ ½ (exact there) or when n·d² ≥ 18 (the double-counted event has probability < 1e-15);
 *   otherwise the Marsaglia–Tsang–Wang (2003) matrix-power formula for moderate matrix sizes,
 *   and for very large n the Kolmogorov limit with Vrbik's (2018) small-sample shift
 *   x + 1/(6√n) + (x − 1)/(4n) (error well below 1e-4 in that range).
 */
import { logBeta } from "./special.ts";

/** P(D⁺_n ≥ d) for the one-sided one-sample statistic, exact (Birnbaum & Tingey 1951). */
export function smirnovSf(n: number, d: number): number {
  if (Number.isNaN(d) || !(n >= 1)) return Number.NaN;
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  let sum = 0;
  for (let j = 0; j <= n; j++) {
    const base = 1 - d - j / n;
    if (base <= 0) break;
    // C(n, j) = 1 / ((n + 1) · B(j + 1, n − j + 1))
    const logChoose = -Math.log(n + 1) - logBeta(j + 1, n - j + 1);
    sum += Math.exp(logChoose + (n - j) * Math.log(base) + (j - 1) * Math.log(d + j / n));
  }
  return Math.min(1, d * sum);
}

/** Kolmogorov limiting survival function P(K > x) = 2 Σ (−1)^{k−1} e^{−2k²x²}. */
export function kolmogorovLimitSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x < 1) {
    // CDF = √(2π)/x · Σ exp(−(2k−1)²π²/(8x²)) converges fast for small x.
    let cdf = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp((-((2 * k - 1) ** 2) * Math.PI ** 2) / (8 * x * x));
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  let sf = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sf += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.max(0, Math.min(1, 2 * sf));
}

const MAX_MATRIX_SIZE = 151;

/** Marsaglia–Tsang–Wang P(D_n < d) for k = ⌊n·d⌋ + 1 with 2k − 1 ≤ MAX_MATRIX_SIZE. */
function durbinMatrixCdf(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] -= h ** (i + 1);
    H[(m - 1) * m + i] -= h ** (m - i);
  }
  H[(m - 1) * m] += 2 * h - 1 > 0 ? (2 * h - 1) ** m : 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] /= g;
    }
  }
  const { matrix: Q, exponent } = matrixPower(H, m, n);
  let s = Q[(k - 1) * m + (k - 1)];
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      e -= 140;
    }
  }
  return s * 10 ** e;
}

function matrixMultiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] += aik * b[k * m + j];
    }
  }
  return c;
}

/** A^n with a decimal exponent kept aside (values rescaled by 1e-140 when they grow). */
function matrixPower(a: Float64Array, m: number, n: number): { matrix: Float64Array; exponent: number } {
  if (n === 1) return { matrix: a, exponent: 0 };
  const half = matrixPower(a, m, Math.floor(n / 2));
  let matrix = matrixMultiply(half.matrix, half.matrix, m);
  let exponent = 2 * half.exponent;
  if (n % 2 === 1) matrix = matrixMultiply(a, matrix, m);
  const centre = Math.floor(m / 2);
  if (matrix[centre * m + centre] > 1e140) {
    for (let i = 0; i < m * m; i++) matrix[i] *= 1e-140;
    exponent += 140;
  }
  return { matrix, exponent };
}

/** P(D_n ≥ d) for the two-sided one-sample Kolmogorov statistic (scipy's `kstwo.sf`). */
export function kolmogorovSf(n: number, d: number): number {
  if (Number.isNaN(d) || !(n >= 1)) return Number.NaN;
  if (d >= 1) return 0;
  if (n * d <= 0.5) return 1;
  if (d >= 0.5 || n * d * d >= 18) return Math.min(1, 2 * smirnovSf(n, d));
  const k = Math.floor(n * d) + 1;
  if (2 * k - 1 <= MAX_MATRIX_SIZE) return Math.max(0, Math.min(1, 1 - durbinMatrixCdf(n, d)));
  const x = Math.sqrt(n) * d;
  return kolmogorovLimitSf(x + 1 / (6 * Math.sqrt(n)) + (x - 1) / (4 * n));
}

/**
 * Exact two-sample P(D ≥ d) under H0 (no ties) for sample sizes m and n, where the observed
 * statistic is d = dScaled / (m·n) with integer dScaled = max |i·n − j·m|.
 */
export function ksTwoSampleExactSf(m: number, n: number, dScaled: number): number {
  if (!(dScaled > 0)) return 1;
  const u = new Float64Array(n + 1);
  u[0] = 1;
  for (let j = 1; j <= n; j++) u[j] = j * m < dScaled ? u[j - 1] : 0;
  for (let i = 1; i <= m; i++) {
    const iN = i * n;
    if (iN >= dScaled) u[0] = 0;
    for (let j = 1; j <= n; j++) {
      u[j] = Math.abs(iN - j * m) < dScaled ? (u[j] * i + u[j - 1] * j) / (i + j) : 0;
    }
  }
  return Math.max(0, Math.min(1, 1 - u[n]));
}
