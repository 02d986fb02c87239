/**
 * Special functions: log-gamma, regularized incomplete beta and gamma functions, and a
 * safeguarded root finder used to invert distribution functions.
 *
 * Methods (chosen for ~1e-14 relative accuracy with short, auditable code, no tables):
 * - log Γ(x): Lanczos approximation with the g = 671/128, 14-term coefficient set of
 *   Numerical Recipes 3rd ed. §6.1 (relative error below 1e-15 for x > 0).
 * - I_x(a, b): the continued fraction of TOMS 708 (Didonato & Morris 1992, `bfrac`) times the
 *   prefactor x^a·y^b/B(a,b) (`brcomp`), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) so the
 *   fraction is always evaluated where it converges fast. The side computed directly is the
 *   smaller tail, so upper-tail p-values keep their relative accuracy. ln B(a,b) and the
 *   prefactor use Stirling remainders for large arguments (as R's `lbeta`/TOMS 708), which keeps
 *   Student t tails accurate to ~1e-13 relative even at 10⁷ df.
 * - P(a, x), Q(a, x): series for x < a + 1, Lentz continued fraction otherwise (NR §6.2); again
 *   the smaller of P and Q is always the one computed directly.
 * Accuracy was checked against mpmath (40–400 digits) and scipy 1.17 over a grid of parameters.
 * - Inversion: Newton steps kept inside a shrinking bracket, falling back to bisection whenever
 *   a step would leave the bracket (robust for skewed distributions and extreme tails).
 */

const EPS = 1e-16;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 100_000;

const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-5,
  4.652362892704858e-5, -9.837447530487956e-5, 0.0001580887032249125, -0.00021026444172410488,
  0.00021743961811521265, -0.0001643181065367639, 8.441822398385275e-5, -2.6190838401581408e-5,
  3.6899182659531625e-6,
];

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === 1 || x === 2) return 0;
  if (x === Number.POSITIVE_INFINITY) return x;
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (const c of LANCZOS) {
    y += 1;
    ser += c / y;
  }
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}

const LN_SQRT_2PI = 0.9189385332046728; // ln √(2π)

/**
 * Stirling remainder δ(x) = ln Γ(x) − [(x − ½) ln x − x + ln √(2π)]. For x ≥ 10 the asymptotic
 * series (Bernoulli terms up to x⁻¹⁵, truncation error < 1e-17) is used so that differences of
 * large log-gammas cancel analytically instead of numerically.
 */
function stirlingRemainder(x: number): number {
  if (x >= 10) {
    const r = 1 / x;
    const r2 = r * r;
    return (
      r *
      (1 / 12 +
        r2 *
          (-1 / 360 +
            r2 *
              (1 / 1260 +
                r2 *
                  (-1 / 1680 +
                    r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))))
    );
  }
  return logGamma(x) - ((x - 0.5) * Math.log(x) - x + LN_SQRT_2PI);
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), arranged as in R's `lbeta` so that large
 * arguments do not lose digits to cancellation (e.g. B(ν/2, ½) for ν = 10⁵).
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (!(p > 0)) return Number.NaN;
  if (p >= 10) {
    const corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q);
    return (
      -0.5 * Math.log(q) +
      LN_SQRT_2PI +
      corr +
      (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q))
    );
  }
  if (q >= 10) {
    const corr = stirlingRemainder(q) - stirlingRemainder(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/** ln(e^{−x} x^a / Γ(a)), the prefactor of the incomplete gamma functions, without cancellation for large a. */
function logGammaFront(a: number, x: number): number {
  if (a >= 10) {
    const r = (x - a) / a;
    const core = Math.abs(r) <= 0.6 ? a * (Math.log1p(r) - r) : a * Math.log(x / a) + a - x;
    return core + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingRemainder(a);
  }
  return -x + a * Math.log(x) - logGamma(a);
}

/**
 * x^a · y^b / B(a, b) with y = 1 − x, following TOMS 708 `brcomp`: for a, b ≥ 8 the Stirling
 * form √(b·x₀)/√(2π) · exp(−(a·u + b·v) − δ) around x₀ = a/(a+b), otherwise logs taken of
 * whichever of x and y is accurate (ln x = log1p(−y) when y is the small one).
 */
export function betaPowerTerms(x: number, y: number, a: number, b: number): number {
  if (a >= 8 && b >= 8) {
    let x0: number;
    let y0: number;
    let lambda: number;
    if (a > b) {
      const h = b / a;
      x0 = 1 / (1 + h);
      y0 = h / (1 + h);
      lambda = (a + b) * y - b;
    } else {
      const h = a / b;
      x0 = h / (1 + h);
      y0 = 1 / (1 + h);
      lambda = a - (a + b) * x;
    }
    let e = -lambda / a;
    const u = Math.abs(e) > 0.6 ? e - Math.log(x / x0) : e - Math.log1p(e);
    e = lambda / b;
    const v = Math.abs(e) > 0.6 ? e - Math.log(y / y0) : e - Math.log1p(e);
    const corr = stirlingRemainder(a) + stirlingRemainder(b) - stirlingRemainder(a + b);
    return Math.exp(-LN_SQRT_2PI - (a * u + b * v) - corr) * Math.sqrt(b * x0);
  }
  let lnx: number;
  let lny: number;
  if (x > 0.375 && y <= 0.375) {
    lnx = Math.log1p(-y);
    lny = Math.log(y);
  } else if (y > 0.375 && x <= 0.375) {
    lnx = Math.log(x);
    lny = Math.log1p(-x);
  } else {
    lnx = Math.log(x);
    lny = Math.log(y);
  }
  return Math.exp(a * lnx + b * lny - logBeta(a, b));
}

/**
 * Continued fraction for I_x(a, b) / (x^a y^b / B(a,b)) in the form of TOMS 708 `bfrac`
 * (Didonato & Morris 1992), driven by λ = (a + b)·y − b computed without cancellation, so it
 * stays accurate when x is within 1/a of 1 (e.g. Student t tails with very large df).
 */
function betaContinuedFraction(a: number, b: number, x: number, y: number, lambda: number): number {
  const c = lambda + 1;
  const c0 = b / a;
  const c1 = 1 / a + 1;
  const yp1 = y + 1;
  let p = 1;
  let s = a + 1;
  let an = 0;
  let bn = 1;
  let anp1 = 1;
  let bnp1 = c / c1;
  let r = c1 / c;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    let t = n / a;
    const w = n * (b - n) * x;
    let e = a / s;
    const alpha = p * (p + c0) * e * e * (w * x);
    e = (t + 1) / (c1 + t + t);
    const beta = n + w / s + e * (c + n * yp1);
    p = t + 1;
    s += 2;
    t = alpha * an + beta * anp1;
    an = anp1;
    anp1 = t;
    t = alpha * bn + beta * bnp1;
    bn = bnp1;
    bnp1 = t;
    const r0 = r;
    r = anp1 / bnp1;
    if (Math.abs(r - r0) <= EPS * r) break;
    an /= bnp1;
    bn /= bnp1;
    anp1 = r;
    bnp1 = 1;
  }
  return r;
}

/**
 * The regularized incomplete beta function and its complement, { lower: I_x(a,b), upper: 1 − I_x(a,b) }.
 * `y` must equal 1 − x; callers that can form it without cancellation should pass it.
 */
export function incompleteBetaPair(
  x: number,
  a: number,
  b: number,
  y: number = 1 - x,
): { lower: number; upper: number } {
  if (Number.isNaN(x) || Number.isNaN(a) || Number.isNaN(b) || !(a > 0) || !(b > 0)) {
    return { lower: Number.NaN, upper: Number.NaN };
  }
  if (x <= 0) return { lower: 0, upper: 1 };
  if (y <= 0) return { lower: 1, upper: 0 };
  const front = betaPowerTerms(x, y, a, b);
  // λ = (a + b)·y − b = a − (a + b)·x, formed from whichever of x, y is the smaller coordinate.
  const lambda = a > b ? (a + b) * y - b : a - (a + b) * x;
  if (x < (a + 1) / (a + b + 2)) {
    const lower = front * betaContinuedFraction(a, b, x, y, lambda);
    return { lower, upper: 1 - lower };
  }
  const upper = front * betaContinuedFraction(b, a, y, x, -lambda);
  return { lower: 1 - upper, upper };
}

/** Regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  return incompleteBetaPair(x, a, b).lower;
}

/** Regularized incomplete gamma functions { lower: P(a,x), upper: Q(a,x) }. */
export function incompleteGammaPair(a: number, x: number): { lower: number; upper: number } {
  if (Number.isNaN(a) || Number.isNaN(x) || !(a > 0)) return { lower: Number.NaN, upper: Number.NaN };
  if (x <= 0) return { lower: 0, upper: 1 };
  if (x === Number.POSITIVE_INFINITY) return { lower: 1, upper: 0 };
  const logFront = logGammaFront(a, x);
  if (x < a + 1) {
    // Series: P(a,x) = e^{-x} x^a / Γ(a) · Σ x^n / (a (a+1) … (a+n)).
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    const lower = sum * Math.exp(logFront);
    return { lower, upper: 1 - lower };
  }
  // Continued fraction for Q(a,x), modified Lentz.
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  const upper = Math.exp(logFront) * h;
  return { lower: 1 - upper, upper };
}

/** Lower regularized incomplete gamma function P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  return incompleteGammaPair(a, x).lower;
}

/** Upper regularized incomplete gamma function Q(a, x) = 1 − P(a, x). */
export function regularizedGammaQ(a: number, x: number): number {
  return incompleteGammaPair(a, x).upper;
}

/**
 * Solves f(x) = 0 for an increasing function f on [lo, hi] (f(lo) ≤ 0 ≤ f(hi)) by Newton steps
 * with derivative `df`, kept inside the current bracket; any step that would leave the bracket
 * becomes a bisection. Stops when the step or the bracket is below `relTol` relative to x.
 */
export function solveIncreasing(
  f: (x: number) => number,
  df: (x: number) => number,
  lo: number,
  hi: number,
  start: number,
  relTol = 1e-15,
): number {
  let a = lo;
  let b = hi;
  let x = start > a && start < b ? start : 0.5 * (a + b);
  for (let iter = 0; iter < 2000; iter++) {
    const fx = f(x);
    if (fx === 0) return x;
    if (fx < 0) a = x;
    else b = x;
    const slope = df(x);
    let next = slope > 0 && Number.isFinite(slope) ? x - fx / slope : Number.NaN;
    if (!(next > a && next < b)) next = a > 0 && b > 8 * a ? Math.sqrt(a * b) : 0.5 * (a + b);
    const tol = relTol * Math.max(Math.abs(next), 1e-300);
    if (Math.abs(next - x) <= tol || b - a <= tol) return next;
    x = next;
  }
  return x;
}
