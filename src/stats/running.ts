/**
 * Summaries kept one value at a time, for statistics over more rows than should sit in memory
 * (the streaming scorecard, issue 14). Each gives what its array counterpart gives on the same
 * values, to rounding: RunningMoments ≈ meanWithStandardError / clusteredStandardError.
 */
import { studentTQuantile } from "./distributions.ts";
import type { Interval } from "./intervals.ts";

/**
 * Count, mean and sum of squared deviations by Welford's update (stable where Σx² − n·x̄² is
 * not), plus what a cluster-robust (CR1) interval needs: each named cluster's count and sum.
 * Values without a cluster are clusters of one; they are summarised by their own moments, so
 * memory grows with the number of named clusters only, never with the number of values.
 */
export class RunningMoments {
  n = 0;
  /** plain running sum: the mean is sum / n, the same number mean() gives in the same order */
  private sum = 0;
  /** Welford's running mean and M2, for a variance that does not cancel */
  private welfordMean = 0;
  private m2 = 0;
  // values without a cluster: each its own cluster of one
  private soloN = 0;
  private soloMean = 0;
  private soloM2 = 0;
  private readonly clusters = new Map<string, { n: number; sum: number }>();
  /** a named cluster holds two or more values (the only case where clustering changes the SE) */
  private shared = false;

  add(x: number, cluster?: string): void {
    this.n++;
    this.sum += x;
    const d = x - this.welfordMean;
    this.welfordMean += d / this.n;
    this.m2 += d * (x - this.welfordMean);
    if (cluster === undefined) {
      this.soloN++;
      const ds = x - this.soloMean;
      this.soloMean += ds / this.soloN;
      this.soloM2 += ds * (x - this.soloMean);
      return;
    }
    const c = this.clusters.get(cluster);
    if (c) {
      c.n++;
      c.sum += x;
      this.shared = true;
    } else this.clusters.set(cluster, { n: 1, sum: x });
  }

  /** NaN without values, as mean([]) */
  get mean(): number {
    return this.n > 0 ? this.sum / this.n : Number.NaN;
  }

  /** sample variance (ddof = 1); NaN below two values */
  variance(): number {
    return this.n >= 2 ? this.m2 / (this.n - 1) : Number.NaN;
  }

  /** distinct clusters, counting each value without one as its own */
  clusterCount(): number {
    return this.clusters.size + this.soloN;
  }

  /** whether some cluster holds more than one value, so a cluster-robust interval applies */
  hasSharedClusters(): boolean {
    return this.shared;
  }

  /** mean ± t_{n−1} · sd/√n, as meanWithStandardError's ci_t */
  tInterval(confidence = 0.95): Interval {
    const se = Math.sqrt(this.variance() / this.n);
    const tq = this.n >= 2 ? studentTQuantile(1 - (1 - confidence) / 2, this.n - 1) : Number.NaN;
    return [this.mean - tq * se, this.mean + tq * se];
  }

  /** mean ± t_{C−1} · CR1, as clusteredStandardError's ci_cr1 */
  clusteredInterval(confidence = 0.95): Interval {
    const c = this.clusterCount();
    if (c < 2) return [Number.NaN, Number.NaN];
    const m = this.mean;
    // Σ_c (Σ_{i∈c} (x_i − m))²: a named cluster's residual sum is sum − n·m; a cluster of one's
    // square summed over all of them is their M2 plus their count × (their mean − m)².
    let ss = this.soloM2 + this.soloN * (this.soloMean - m) ** 2;
    for (const { n, sum } of this.clusters.values()) ss += (sum - n * m) ** 2;
    const cr1 = (Math.sqrt(ss) / this.n) * Math.sqrt(c / (c - 1));
    const tq = studentTQuantile(1 - (1 - confidence) / 2, c - 1);
    return [m - tq * cr1, m + tq * cr1];
  }
}
