/**
 * Sample size, power and minimum detectable effect (MDE) for a paired comparison.
 *
 * Normal closed form (Miller 2024 §5 with K = 1): n = (z_{1−α/2} + z_{power})² · sd_diff² / mde²
 * and, inverted, mde(n) = (z_{1−α/2} + z_{power}) · sd_diff / √n, where sd_diff is the SD of
 * per-case differences (it already contains the pairing benefit: ω² + σ_A²/K_A + σ_B²/K_B).
 * One-sided tests use z_{1−α}. `n_required` is the closed form rounded up.
 *
 * The t-based versions solve the exact power of the one-sample (paired) t-test, as statsmodels'
 * `TTestPower` does: power = P(T′ > t_{1−α/2, n−1}) + P(T′ < −t_{1−α/2, n−1}) with T′ noncentral t,
 * df = n − 1 and noncentrality (mde/sd)·√n, solved for real n (or for the effect) by bisection.
 * They are slightly larger than the normal ones for small n.
 */
import {
  noncentralTCdf,
  noncentralTSf,
  normalCdf,
  normalQuantile,
  studentTQuantile,
} from "./distributions.ts";

export interface PairedDesign {
  /** SD of the per-case differences a − b. */
  sd_diff: number;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** Target power (default 0.8). */
  power?: number;
  /** Two-sided test (default true). */
  two_sided?: boolean;
}

function designDefaults(design: PairedDesign): {
  sd: number;
  alpha: number;
  power: number;
  twoSided: boolean;
} {
  const alpha = design.alpha ?? 0.05;
  const power = design.power ?? 0.8;
  const twoSided = design.two_sided ?? true;
  if (!(design.sd_diff > 0)) throw new RangeError(`sd_diff must be positive (got ${design.sd_diff})`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1) (got ${power})`);
  return { sd: design.sd_diff, alpha, power, twoSided };
}

function zAlpha(alpha: number, twoSided: boolean): number {
  return normalQuantile(1 - (twoSided ? alpha / 2 : alpha));
}

/** Power of the paired t-test with n pairs for a true mean difference `effect` (same units as sd). */
export function pairedTTestPower(
  n: number,
  effect: number,
  sd: number,
  alpha = 0.05,
  twoSided = true,
): number {
  if (!(n > 1)) return Number.NaN;
  const df = n - 1;
  const nc = (effect / sd) * Math.sqrt(n);
  const crit = studentTQuantile(1 - (twoSided ? alpha / 2 : alpha), df);
  let power = noncentralTSf(crit, df, nc);
  if (twoSided) power += noncentralTCdf(-crit, df, nc);
  return power;
}

/** Power of the normal (z) approximation with n pairs. */
export function pairedNormalPower(
  n: number,
  effect: number,
  sd: number,
  alpha = 0.05,
  twoSided = true,
): number {
  const z = zAlpha(alpha, twoSided);
  const shift = (effect / sd) * Math.sqrt(n);
  return normalCdf(shift - z) + (twoSided ? normalCdf(-shift - z) : 0);
}

/** Bisection for an increasing function: returns x in [lo, hi] with f(x) ≈ target. */
function bisectIncreasing(f: (x: number) => number, target: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (f(b) < target) {
    a = b;
    b *= 2;
    if (b > 1e15) return Number.NaN;
  }
  for (let i = 0; i < 200 && b - a > 1e-12 * b; i++) {
    const mid = 0.5 * (a + b);
    if (f(mid) < target) a = mid;
    else b = mid;
  }
  return 0.5 * (a + b);
}

export interface SampleSizeResult {
  /** Closed-form n (real). */
  n_exact: number;
  /** ⌈n_exact⌉. */
  n_required: number;
  /** n solving the exact t-test power (real). */
  n_t_test: number;
  /** ⌈n_t_test⌉. */
  n_t_test_required: number;
  z_alpha: number;
  z_beta: number;
}

/** Number of pairs needed to detect a mean difference `mde` with the given power. */
export function pairedSampleSize(design: PairedDesign & { mde: number }): SampleSizeResult {
  const { sd, alpha, power, twoSided } = designDefaults(design);
  const mde = Math.abs(design.mde);
  if (!(mde > 0)) throw new RangeError(`mde must be non-zero (got ${design.mde})`);
  const za = zAlpha(alpha, twoSided);
  const zb = normalQuantile(power);
  const nExact = ((za + zb) ** 2 * sd * sd) / (mde * mde);
  const nT = bisectIncreasing(
    (n) => pairedTTestPower(n, mde, sd, alpha, twoSided),
    power,
    2,
    Math.max(4, 2 * nExact),
  );
  return {
    n_exact: nExact,
    n_required: Math.ceil(nExact - 1e-9),
    n_t_test: nT,
    n_t_test_required: Math.ceil(nT - 1e-9),
    z_alpha: za,
    z_beta: zb,
  };
}

export interface MdeResult {
  n: number;
  /** Closed-form (normal) minimum detectable effect. */
  mde: number;
  /** Effect at which the exact t-test reaches the target power. */
  mde_t_test: number;
  z_alpha: number;
  z_beta: number;
}

/** Smallest mean difference detectable with n pairs at the given alpha and power. */
export function pairedMinimumDetectableEffect(design: PairedDesign & { n: number }): MdeResult {
  const { sd, alpha, power, twoSided } = designDefaults(design);
  const n = design.n;
  if (!(n > 1)) throw new RangeError(`n must be greater than 1 (got ${n})`);
  const za = zAlpha(alpha, twoSided);
  const zb = normalQuantile(power);
  const mde = ((za + zb) * sd) / Math.sqrt(n);
  const mdeT = bisectIncreasing(
    (e) => pairedTTestPower(n, e, sd, alpha, twoSided),
    power,
    0,
    Math.max(mde, 1e-300) * 2,
  );
  return { n, mde, mde_t_test: mdeT, z_alpha: za, z_beta: zb };
}
