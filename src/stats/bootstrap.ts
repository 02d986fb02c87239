/**
 * Seeded, reproducible nonparametric bootstrap for means.
 *
 * - Percentile intervals (Efron): the α/2 and 1 − α/2 quantiles (type 7, as numpy) of the
 *   resampled statistic. Same seed ⇒ same resamples ⇒ same interval, on every platform.
 * - `pairedBootstrap` resamples *pairs* (cases), i.e. the per-case differences a_i − b_i, which
 *   keeps the correlation between systems that makes paired comparisons powerful. Its p-value is
 *   the percentile-inversion one, p = min(1, 2·min(#{θ* ≤ 0} + 1, #{θ* ≥ 0} + 1)/(B + 1)):
 *   roughly the smallest α at which the 1 − α percentile interval excludes 0 (the +1 keeps
 *   p > 0 with finitely many resamples, Davison & Hinkley 1997).
 * - `clusterBootstrap` resamples whole clusters with replacement (cases in one cluster are not
 *   independent) and recomputes the case-level mean Σ sums / Σ sizes. For a clustered paired
 *   comparison pass the per-case differences.
 * Speed: data are copied once into a Float64Array and each resample is a tight loop of index
 * draws (two per generator step, see `Xoshiro128.sumOfDraws`) and additions with no allocation:
 * 20,000 pairs × 10,000 resamples (2·10⁸ draws) take about 0.7 s on a loaded 2-core machine.
 */
import { assertConfidence, assertFinite, assertSameLength } from "./descriptive.ts";
import { quantileSorted } from "./percentile.ts";
import type { Seed, Xoshiro128 } from "./random.ts";
import { createRng } from "./random.ts";

export interface BootstrapOptions {
  /** Number of resamples B (default 10,000). */
  resamples?: number;
  /** Confidence level of the percentile interval (default 0.95). */
  confidence?: number;
  /** Seed of the generator (default 0x5eed); reported in the result. */
  seed?: Seed;
  /** Also return the resampled statistics (sorted ascending). */
  keep_distribution?: boolean;
}

export interface BootstrapResult {
  /** Statistic on the original data. */
  estimate: number;
  lower: number;
  upper: number;
  /** Standard deviation of the resampled statistics (bootstrap standard error). */
  se: number;
  confidence: number;
  resamples: number;
  seed: number;
  method: "percentile";
  distribution?: Float64Array;
}

export interface PairedBootstrapResult extends BootstrapResult {
  n: number;
  /** mean(a − b) on the original data (same as `estimate`). */
  mean_diff: number;
  /** Two-sided percentile-inversion p-value for H0: mean difference = 0. */
  p_two_sided: number;
}

export interface ClusterBootstrapResult extends BootstrapResult {
  n: number;
  clusters: number;
}

const DEFAULT_SEED = 0x5eed;

function resolve(options: BootstrapOptions): { resamples: number; confidence: number; rng: Xoshiro128 } {
  const resamples = options.resamples ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  }
  assertConfidence(confidence);
  return { resamples, confidence, rng: createRng(options.seed ?? DEFAULT_SEED) };
}

/** Means of `resamples` bootstrap resamples of `values` (hot loop: no allocation). */
function resampleMeans(values: Float64Array, resamples: number, rng: Xoshiro128): Float64Array {
  const n = values.length;
  const out = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) out[b] = rng.sumOfDraws(values, n, n) / n;
  return out;
}

function summarize(
  estimate: number,
  stats: Float64Array,
  confidence: number,
  rng: Xoshiro128,
  keep: boolean | undefined,
): BootstrapResult {
  const b = stats.length;
  let mean = 0;
  for (let i = 0; i < b; i++) mean += stats[i];
  mean /= b;
  let ss = 0;
  for (let i = 0; i < b; i++) ss += (stats[i] - mean) ** 2;
  stats.sort();
  const alpha = 1 - confidence;
  const result: BootstrapResult = {
    estimate,
    lower: quantileSorted(stats, alpha / 2),
    upper: quantileSorted(stats, 1 - alpha / 2),
    se: b > 1 ? Math.sqrt(ss / (b - 1)) : Number.NaN,
    confidence,
    resamples: b,
    seed: rng.seed,
    method: "percentile",
  };
  if (keep) result.distribution = stats;
  return result;
}

/** Percentile bootstrap interval for the mean of `values`. */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): BootstrapResult {
  assertFinite(values, "values");
  if (values.length === 0) throw new RangeError("values must be non-empty");
  const { resamples, confidence, rng } = resolve(options);
  const data = Float64Array.from(values);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const stats = resampleMeans(data, resamples, rng);
  return summarize(sum / data.length, stats, confidence, rng, options.keep_distribution);
}

/** Paired bootstrap of the mean difference a − b (resampling cases). */
export function pairedBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedBootstrapResult {
  assertSameLength(a, b, "a and b");
  assertFinite(a, "a");
  assertFinite(b, "b");
  const n = a.length;
  if (n === 0) throw new RangeError("a and b must be non-empty");
  const { resamples, confidence, rng } = resolve(options);
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    d[i] = a[i] - b[i];
    sum += d[i];
  }
  const stats = resampleMeans(d, resamples, rng);
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let i = 0; i < resamples; i++) {
    if (stats[i] <= 0) atOrBelow++;
    if (stats[i] >= 0) atOrAbove++;
  }
  const p = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (resamples + 1));
  const summary = summarize(sum / n, stats, confidence, rng, options.keep_distribution);
  return { ...summary, n, mean_diff: summary.estimate, p_two_sided: p };
}

/** Cluster bootstrap of a case-level mean: resamples whole clusters with replacement. */
export function clusterBootstrap(
  values: ArrayLike<number>,
  clusters: ArrayLike<string | number>,
  options: BootstrapOptions = {},
): ClusterBootstrapResult {
  assertSameLength(values, clusters, "values and clusters");
  assertFinite(values, "values");
  if (values.length === 0) throw new RangeError("values must be non-empty");
  const { resamples, confidence, rng } = resolve(options);
  const index = new Map<string | number, number>();
  const sumsList: number[] = [];
  const sizesList: number[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    let c = index.get(clusters[i]);
    if (c === undefined) {
      c = sumsList.length;
      index.set(clusters[i], c);
      sumsList.push(0);
      sizesList.push(0);
    }
    sumsList[c] += values[i];
    sizesList[c] += 1;
    total += values[i];
  }
  const k = sumsList.length;
  const sums = Float64Array.from(sumsList);
  const sizes = Float64Array.from(sizesList);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let m = 0;
    for (let i = 0; i < k; i++) {
      const c = rng.nextIndex(k);
      s += sums[c];
      m += sizes[c];
    }
    stats[r] = s / m;
  }
  const summary = summarize(total / values.length, stats, confidence, rng, options.keep_distribution);
  return { ...summary, n: values.length, clusters: k };
}
