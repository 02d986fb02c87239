/**
 * Cluster-robust standard error of a mean, for cases that share a cluster (several questions
 * about one document, turns of one conversation…) and are therefore not independent.
 *
 * Convention (Miller 2024, "Adding error bars to evals", appendix A; the sandwich estimator for
 * an intercept-only OLS):
 *   CR0 = √(Σ_c (Σ_{i∈c} (s_i − s̄))²) / n
 *   CR1 = CR0 · √(C/(C − 1))
 * CR1 is what Inspect AI's `stderr(cluster=…)`, statsmodels' default cluster covariance and
 * Stata report (with one regressor the (N − 1)/(N − K) factor is 1), so it is the default. The
 * interval uses Student t with C − 1 degrees of freedom (Stata's convention), because the
 * number of clusters, not cases, drives the uncertainty; with few clusters the SE itself is noisy.
 */
import { assertConfidence, assertFinite, assertSameLength, mean, variance } from "./descriptive.ts";
import { studentTQuantile } from "./distributions.ts";
import type { Interval } from "./intervals.ts";

export type ClusterId = string | number;

export interface ClusteredMeanSummary {
  n: number;
  /** Number of distinct clusters C. */
  clusters: number;
  mean: number;
  /** Naive SE assuming independent cases: sd(ddof = 1)/√n. */
  se_iid: number;
  se_cluster_cr0: number;
  se_cluster_cr1: number;
  /** (CR0 / se_iid)². */
  design_effect_cr0: number;
  /** (CR1 / se_iid)²: how much the clustering inflates (> 1) or deflates (< 1) the variance. */
  design_effect_cr1: number;
  confidence: number;
  /** mean ± t_{C−1} · CR1. */
  ci_cr1: Interval;
  t_df: number;
}

/** Mean with iid, CR0 and CR1 cluster-robust standard errors. */
export function clusteredStandardError(
  scores: ArrayLike<number>,
  clusters: ArrayLike<ClusterId>,
  confidence = 0.95,
): ClusteredMeanSummary {
  assertSameLength(scores, clusters, "scores and clusters");
  assertFinite(scores, "scores");
  assertConfidence(confidence);
  const n = scores.length;
  const m = mean(scores);
  const sums = new Map<ClusterId, number>();
  for (let i = 0; i < n; i++) sums.set(clusters[i], (sums.get(clusters[i]) ?? 0) + (scores[i] - m));
  const c = sums.size;
  let ss = 0;
  for (const s of sums.values()) ss += s * s;
  const cr0 = c >= 2 ? Math.sqrt(ss) / n : Number.NaN;
  const cr1 = c >= 2 ? cr0 * Math.sqrt(c / (c - 1)) : Number.NaN;
  const seIid = n >= 2 ? Math.sqrt(variance(scores, 1) / n) : Number.NaN;
  const tq = c >= 2 ? studentTQuantile(1 - (1 - confidence) / 2, c - 1) : Number.NaN;
  return {
    n,
    clusters: c,
    mean: m,
    se_iid: seIid,
    se_cluster_cr0: cr0,
    se_cluster_cr1: cr1,
    design_effect_cr0: (cr0 / seIid) ** 2,
    design_effect_cr1: (cr1 / seIid) ** 2,
    confidence,
    ci_cr1: [m - tq * cr1, m + tq * cr1],
    t_df: c - 1,
  };
}
