/**
 * The statistics a scorecard needs, in one place: every interval and percentile goes through the
 * stats module, so the CLI, reports and web app show the same numbers.
 */
import {
  clusteredStandardError,
  meanWithStandardError,
  percentile,
  quantileSorted,
  type RunningMoments,
  wilsonInterval,
} from "../stats/index.ts";
import type { DimensionStats } from "./types.ts";

export const CONFIDENCE = 0.95;

/** Mean with a Student-t interval; cluster-robust (CR1, t with G-1 df) when clusters are given. */
export function meanInterval(
  values: number[],
  clusters?: Array<string | undefined>,
): { mean: number | null; ci: [number, number] | null } {
  if (values.length === 0) return { mean: null, ci: null };
  const m = meanWithStandardError(values, CONFIDENCE);
  if (values.length < 2) return { mean: m.mean, ci: null };
  const clusterIds = clusters?.map((c, i) => c ?? `\u0000${i}`);
  const distinct = clusterIds ? new Set(clusterIds).size : values.length;
  if (clusterIds && distinct < values.length && distinct >= 2) {
    return {
      mean: m.mean,
      ci: finiteInterval(clusteredStandardError(values, clusterIds, CONFIDENCE).ci_cr1),
    };
  }
  return { mean: m.mean, ci: finiteInterval(m.ci_t) };
}

/** meanInterval from running moments: the same figures without the values (streaming scorecard). */
export function meanIntervalOf(m: RunningMoments): { mean: number | null; ci: [number, number] | null } {
  if (m.n === 0) return { mean: null, ci: null };
  if (m.n < 2) return { mean: m.mean, ci: null };
  if (m.hasSharedClusters() && m.clusterCount() >= 2) {
    return { mean: m.mean, ci: finiteInterval(m.clusteredInterval(CONFIDENCE)) };
  }
  return { mean: m.mean, ci: finiteInterval(m.tInterval(CONFIDENCE)) };
}

export function passInterval(
  passed: number,
  n: number,
): { passRate: number | null; passCi: [number, number] | null } {
  if (n === 0) return { passRate: null, passCi: null };
  const w = wilsonInterval(passed, n, CONFIDENCE);
  return { passRate: passed / n, passCi: [w.lower, w.upper] };
}

export function dimensionStats(
  scores: number[],
  passed: number,
  unscored: number,
  clusters?: Array<string | undefined>,
): Omit<DimensionStats, "unscoredReasons"> {
  return {
    ...meanInterval(scores, clusters),
    ...passInterval(passed, scores.length),
    n: scores.length,
    unscored,
    passed,
  };
}

/** Linear interpolation (R type 7, numpy's default). */
export function percentiles(values: number[]): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
} {
  if (values.length === 0) return { p50: null, p95: null, p99: null };
  return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
}

/**
 * percentiles() of `n` values that are not in memory: `valueAt(ranks)` returns the values at
 * 0-based ranks of the ascending order (an order statistic the store sorts). Exact: the same
 * interpolation reads only the two ranks around each percentile.
 */
export async function percentilesAt(
  n: number,
  valueAt: (ranks: number[]) => Promise<number[]>,
): Promise<{ p50: number | null; p95: number | null; p99: number | null }> {
  if (n === 0) return { p50: null, p95: null, p99: null };
  const qs = [50, 95, 99];
  const ranks = new Set<number>();
  for (const q of qs) {
    const lo = Math.floor((n - 1) * (q / 100)); // as quantileSorted computes it
    ranks.add(lo);
    ranks.add(Math.min(n - 1, lo + 1));
  }
  const wanted = [...ranks].sort((a, b) => a - b);
  const values = await valueAt(wanted);
  // A sparse sorted view holding just the ranks read: quantileSorted reads no others.
  const view: Record<number, number> & { length: number } = { length: n };
  wanted.forEach((r, i) => {
    view[r] = values[i];
  });
  const [p50, p95, p99] = qs.map((q) => quantileSorted(view, q / 100));
  return { p50, p95, p99 };
}

/**
 * All-equal scores give a zero-width interval; NaN (too few cases) gives none. Scores live in
 * [0, 1], so the interval is clipped to that range rather than claiming values no score can take.
 */
function finiteInterval(ci: [number, number]): [number, number] | null {
  if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return null;
  return [Math.max(0, ci[0]), Math.min(1, ci[1])];
}
