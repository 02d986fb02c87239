/**
 * Point estimates with standard errors and confidence intervals for means and proportions.
 *
 * - Mean: se = sd(ddof = 1)/√n (what Inspect AI's `stderr()` reports). Both the normal interval
 *   (z = Φ⁻¹(1 − α/2), the exact quantile 1.959963984540054 rather than 1.96) and the Student-t
 *   interval with n − 1 df are returned; the t interval is the default for reporting because it
 *   keeps nominal coverage for small suites. With n < 2 the SE and intervals are undefined (NaN),
 *   never 0 — a single case says nothing about uncertainty.
 * - Pass rate: the Wilson score interval without continuity correction (statsmodels
 *   `proportion_confint(method='wilson')`, R `prop.test(correct=FALSE)`): good coverage near 0
 *   and 1 where the Wald interval collapses. Clopper–Pearson (Beta quantiles, R `binom.test`) is
 *   offered as the exact, conservative alternative.
 */
import { assertConfidence, assertFinite, mean, variance } from "./descriptive.ts";
import { betaQuantile, normalQuantile, studentTQuantile } from "./distributions.ts";

export type Interval = [lower: number, upper: number];

/** estimate ± z·se with z = Φ⁻¹(1 − (1 − confidence)/2). */
export function normalInterval(estimate: number, se: number, confidence = 0.95): Interval {
  assertConfidence(confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return [estimate - z * se, estimate + z * se];
}

/** estimate ± t·se with t the Student-t quantile at 1 − (1 − confidence)/2 and `df` degrees of freedom. */
export function studentTInterval(estimate: number, se: number, df: number, confidence = 0.95): Interval {
  assertConfidence(confidence);
  const t = studentTQuantile(1 - (1 - confidence) / 2, df);
  return [estimate - t * se, estimate + t * se];
}

export interface MeanSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (ddof = 1). */
  sd_sample: number;
  /** Standard error of the mean, sd_sample/√n; NaN when n < 2. */
  se: number;
  confidence: number;
  ci_normal: Interval;
  ci_t: Interval;
  z: number;
  t_df: number;
  t_quantile: number;
}

/** Mean, standard error and normal / Student-t confidence intervals of a list of scores. */
export function meanWithStandardError(scores: ArrayLike<number>, confidence = 0.95): MeanSummary {
  assertFinite(scores, "scores");
  assertConfidence(confidence);
  const n = scores.length;
  const m = mean(scores);
  const sd = n >= 2 ? Math.sqrt(variance(scores, 1)) : Number.NaN;
  const se = n >= 2 ? sd / Math.sqrt(n) : Number.NaN;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const df = n - 1;
  const tq = n >= 2 ? studentTQuantile(1 - (1 - confidence) / 2, df) : Number.NaN;
  return {
    n,
    mean: m,
    sd_sample: sd,
    se,
    confidence,
    ci_normal: [m - z * se, m + z * se],
    ci_t: [m - tq * se, m + tq * se],
    z,
    t_df: df,
    t_quantile: tq,
  };
}

export interface ProportionInterval {
  successes: number;
  n: number;
  point: number;
  lower: number;
  upper: number;
  confidence: number;
  method: "wilson" | "clopper-pearson";
}

function checkCounts(successes: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be an integer in [0, n] (got ${successes} of ${n})`);
  }
}

/** Wilson score interval for a binomial proportion (no continuity correction). */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval {
  checkCounts(successes, n);
  assertConfidence(confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return {
    successes,
    n,
    point: p,
    lower: Math.max(0, centre - half),
    upper: Math.min(1, centre + half),
    confidence,
    method: "wilson",
  };
}

/**
 * Clopper–Pearson ("exact") interval: lower = Beta⁻¹(α/2; x, n − x + 1), upper = Beta⁻¹(1 − α/2;
 * x + 1, n − x), with lower = 0 when x = 0 and upper = 1 when x = n.
 */
export function clopperPearsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval {
  checkCounts(successes, n);
  assertConfidence(confidence);
  const alpha = 1 - confidence;
  const lower = successes === 0 ? 0 : betaQuantile(alpha / 2, successes, n - successes + 1);
  const upper = successes === n ? 1 : betaQuantile(1 - alpha / 2, successes + 1, n - successes);
  return { successes, n, point: successes / n, lower, upper, confidence, method: "clopper-pearson" };
}
