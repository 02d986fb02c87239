/**
 * Percentiles (q in [0, 100]) and quantiles (p in [0, 1]) of a sample.
 *
 * - "linear" (default): Hyndman & Fan type 7, the default of numpy, R and Excel PERCENTILE.INC.
 *   h = (n − 1)·p; interpolate between the sorted values x[⌊h⌋] and x[⌈h⌉], using numpy's
 *   two-sided lerp (b − (b − a)(1 − t) when t ≥ ½) so results match numpy to the last bits.
 * - "nearest_rank": type 1 / numpy "inverted_cdf": the smallest x with F̂(x) ≥ p, i.e.
 *   x[⌈n·p⌉ − 1]. n·p is snapped to the nearest integer when within 1e-9 of it, so that a
 *   p like 0.07 (stored as 0.07000000000000000666) does not skip a rank.
 * Input order is irrelevant; NaN is rejected.
 */
import { assertFinite } from "./descriptive.ts";

export type PercentileMethod = "linear" | "nearest_rank";

/** Quantile of already ascending-sorted values, p in [0, 1]. */
export function quantileSorted(
  sorted: ArrayLike<number>,
  p: number,
  method: PercentileMethod = "linear",
): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile must be in [0, 1] (got ${p})`);
  if (method === "nearest_rank") {
    let r = n * p;
    const rounded = Math.round(r);
    if (Math.abs(r - rounded) <= 1e-9 * Math.max(1, r)) r = rounded;
    const index = Math.min(n - 1, Math.max(0, Math.ceil(r) - 1));
    return sorted[index];
  }
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  assertFinite(values, "values");
  return Float64Array.from(values).sort();
}

/** Quantile of `values` at p ∈ [0, 1]. */
export function quantile(values: ArrayLike<number>, p: number, method: PercentileMethod = "linear"): number {
  return quantileSorted(sortedCopy(values), p, method);
}

/** Percentile of `values` at q ∈ [0, 100] (numpy `percentile`). */
export function percentile(
  values: ArrayLike<number>,
  q: number,
  method: PercentileMethod = "linear",
): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100] (got ${q})`);
  return percentileOfSorted(sortedCopy(values), q, method);
}

/** Several percentiles of `values` (sorted once). */
export function percentiles(
  values: ArrayLike<number>,
  qs: readonly number[],
  method: PercentileMethod = "linear",
): number[] {
  const sorted = sortedCopy(values);
  return qs.map((q) => {
    if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be in [0, 100] (got ${q})`);
    return percentileOfSorted(sorted, q, method);
  });
}

function percentileOfSorted(sorted: Float64Array, q: number, method: PercentileMethod): number {
  if (method === "nearest_rank") {
    // Work on the integer scale n·q first (exact for integer q), then divide by 100.
    const n = sorted.length;
    if (n === 0) return Number.NaN;
    let r = (n * q) / 100;
    const rounded = Math.round(r);
    if (Math.abs(r - rounded) <= 1e-9 * Math.max(1, r)) r = rounded;
    return sorted[Math.min(n - 1, Math.max(0, Math.ceil(r) - 1))];
  }
  return quantileSorted(sorted, q / 100, method);
}
