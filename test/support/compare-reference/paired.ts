import type { PairedDimension, Verdict } from "../../../src/compare/types.ts";
import {
  adjustPValues,
  clusterBootstrap,
  clusteredStandardError,
  createRng,
  mcnemarTable,
  mcnemarTest,
  normalQuantile,
  normalSf,
  quantileSorted,
  standardDeviation,
  wilcoxonSignedRank,
} from "../../../src/stats/index.ts";

/** The paired values of one dimension (or the aggregate) over one set of cases. */
export interface PairedColumn {
  base: number[];
  candidate: number[];
  /** pass/fail where the dimension has a threshold (null for the aggregate) */
  basePassed: boolean[] | null;
  candidatePassed: boolean[] | null;
  /** each pair's cluster (cases that are not independent share one); undefined = a cluster of its own */
  clusters?: Array<string | undefined>;
}

export interface PairedTestOptions {
  alpha: number;
  resamples: number;
  seed: number;
  /** a non-significant |delta| above this is `underpowered`, not `no-change` */
  maxRegression: number;
}

/**
 * Paired bootstrap of several columns over the same cases at once: one index draw per case per
 * resample serves every column, so the cost is one stream of random indices, not one per column.
 * Returns, per column, the sorted resampled mean differences (candidate − base).
 */
export function jointPairedBootstrap(
  columns: Float64Array[],
  n: number,
  resamples: number,
  seed: number,
): Float64Array[] {
  const k = columns.length;
  const out = columns.map(() => new Float64Array(resamples));
  if (n === 0) return out;
  // Columns go two at a time through the fused kernel; each pair replays the same seed, so every
  // column sees the same resamples.
  for (let c0 = 0; c0 < k; c0 += 2) {
    const pair = c0 + 1 < k;
    resamplePair(columns[c0], pair ? columns[c0 + 1] : null, out[c0], pair ? out[c0 + 1] : null, n, seed);
  }
  for (const dist of out) dist.sort();
  return out;
}

const Z_POWER_80 = normalQuantile(0.8);
const Z_ALPHA = (alpha: number) => normalQuantile(1 - alpha / 2);

/** Kept monomorphic and small so the engine optimises the hot loop the same way every call. */
function resamplePair(
  a: Float64Array,
  b: Float64Array | null,
  outA: Float64Array,
  outB: Float64Array | null,
  n: number,
  seed: number,
): void {
  const rng = createRng(seed);
  const cols = b ? [a, b] : [a];
  const sums = new Float64Array(2);
  const resamples = outA.length;
  for (let r = 0; r < resamples; r++) {
    sums[0] = 0;
    sums[1] = 0;
    rng.sumColumnsOfDraws(cols, n, n, sums);
    outA[r] = sums[0] / n;
    if (outB) outB[r] = sums[1] / n;
  }
}

/**
 * Two-sided p of the paired bootstrap: the observed mean difference over the bootstrap standard
 * error, referred to the normal. Unlike the percentile-inversion p it has no floor at 2/(B+1),
 * which matters once Holm multiplies it by the number of dimension and slice tests.
 */
function bootstrapP(observed: number, sorted: Float64Array): number {
  const b = sorted.length;
  let m = 0;
  for (let i = 0; i < b; i++) m += sorted[i];
  m /= b;
  let ss = 0;
  for (let i = 0; i < b; i++) ss += (sorted[i] - m) ** 2;
  const se = b > 1 ? Math.sqrt(ss / (b - 1)) : 0;
  if (se === 0) return observed === 0 ? 1 : 0;
  return Math.min(1, 2 * normalSf(Math.abs(observed) / se));
}

function isBinary(values: number[]): boolean {
  return values.every((v) => v === 0 || v === 1);
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * The cluster of each pair as a string id when the pairs are clustered: some cluster holds two or
 * more of the pairs. A pair without a cluster is a cluster of its own. Null when every pair stands
 * alone. (Unlike the scorecard, one cluster holding every pair is not read as "no clusters": it is
 * one independent unit, and a comparison on it cannot be significant.)
 */
export function clusterIds(col: PairedColumn): string[] | null {
  if (!col.clusters) return null;
  const ids = col.clusters.map((c, i) => (c === undefined ? `\u0000${i}` : `c:${c}`));
  return new Set(ids).size < ids.length ? ids : null;
}

/** A cluster bootstrap's resampled mean differences (sorted) and how many clusters it drew from. */
interface ClusterDistribution {
  sorted: Float64Array;
  clusters: number;
}

/**
 * Cluster bootstrap of paired differences: whole clusters are drawn with replacement and the
 * statistic is the case-level mean difference over the drawn cases (stats' `clusterBootstrap`).
 * Cases in one cluster move together, so their correlation widens the interval as it should.
 */
function clusterDistribution(
  diffs: number[],
  ids: string[],
  resamples: number,
  seed: number,
): ClusterDistribution {
  const r = clusterBootstrap(diffs, ids, { resamples, seed, keep_distribution: true });
  return { sorted: r.distribution ?? new Float64Array(0), clusters: r.clusters };
}

/**
 * Tests several paired columns over one set of cases (the dimensions of one slice, or of the
 * whole run). Pass/fail scores get the exact McNemar test; graded scores the paired bootstrap,
 * with Wilcoxon signed-rank as the rank-based check. When cases carry clusters (some cluster
 * holds several of the paired cases), both get the paired cluster bootstrap instead: McNemar,
 * Wilcoxon and the case bootstrap all assume independent cases. `pAdjusted` is filled in later,
 * across the whole family.
 */
export function testColumns(
  columns: Record<string, PairedColumn>,
  opts: PairedTestOptions,
): Record<string, PairedDimension> {
  const names = Object.keys(columns);
  const clustered = new Map<string, ClusterDistribution>();
  for (const name of names) {
    const col = columns[name];
    const ids = clusterIds(col);
    if (!ids) continue;
    const diffs = col.candidate.map((v, i) => v - col.base[i]);
    clustered.set(name, clusterDistribution(diffs, ids, opts.resamples, opts.seed));
  }
  // columns may have different n (unscored cases), so bootstrap each n-group jointly
  // Pass/fail (0/1) columns need no resampling: McNemar and a closed-form interval serve them.
  const groups = new Map<number, string[]>();
  for (const name of names) {
    if (clustered.has(name) || isBinaryColumn(columns[name])) continue;
    const len = columns[name].base.length;
    groups.set(len, [...(groups.get(len) ?? []), name]);
  }
  const dists = new Map<string, Float64Array>();
  for (const [len, members] of groups) {
    const diffs = members.map((name) => {
      const col = columns[name];
      return Float64Array.from(col.candidate, (v, i) => v - col.base[i]);
    });
    const sorted = jointPairedBootstrap(diffs, len, opts.resamples, opts.seed);
    members.forEach((name, i) => {
      dists.set(name, sorted[i]);
    });
  }
  const result: Record<string, PairedDimension> = {};
  for (const name of names) {
    const col = columns[name];
    const cluster = clustered.get(name);
    result[name] = cluster ? testClustered(col, cluster, opts) : testOne(col, dists.get(name), opts);
  }
  return result;
}

function isBinaryColumn(col: PairedColumn): boolean {
  return col.base.length > 0 && isBinary(col.base) && isBinary(col.candidate);
}

/**
 * Agresti–Min (2005) interval for a difference of paired proportions: the Wald interval after
 * adding ½ to each discordant cell, which keeps coverage near nominal for small and extreme counts.
 */
export function pairedProportionInterval(
  b: number,
  c: number,
  n: number,
  confidence = 0.95,
): [number, number] {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const bb = b + 0.5;
  const cc = c + 0.5;
  const nn = n + 2;
  const diff = (cc - bb) / nn;
  const se = Math.sqrt(bb + cc - (cc - bb) ** 2 / nn) / nn;
  return [Math.max(-1, diff - z * se), Math.min(1, diff + z * se)];
}

function testOne(
  col: PairedColumn,
  dist: Float64Array | undefined,
  opts: PairedTestOptions,
): PairedDimension {
  const n = col.base.length;
  const base = mean(col.base);
  const candidate = mean(col.candidate);
  const delta = base === null || candidate === null ? null : candidate - base;
  const diffs = col.candidate.map((v, i) => v - col.base[i]);

  let passRate: PairedDimension["passRate"] = {
    base: null,
    candidate: null,
    delta: null,
    p: null,
    discordant: [0, 0],
  };
  if (col.basePassed && col.candidatePassed && n > 0) {
    const table = mcnemarTable(col.basePassed, col.candidatePassed);
    const res = mcnemarTest(table);
    const bp = col.basePassed.filter(Boolean).length / n;
    const cp = col.candidatePassed.filter(Boolean).length / n;
    passRate = {
      base: bp,
      candidate: cp,
      delta: cp - bp,
      p: res.p_exact,
      discordant: [table.a_pass_b_fail, table.a_fail_b_pass],
    };
  }

  let test: string;
  let p: number | null;
  let ci: [number, number] | null = null;
  let rankCheck: PairedDimension["rankCheck"];
  if (n === 0) {
    test = "none";
    p = null;
  } else if (!dist) {
    // For 0/1 scores the mean is the pass rate and McNemar is the exact paired test.
    const table = mcnemarTable(
      col.base.map((v) => v === 1),
      col.candidate.map((v) => v === 1),
    );
    test = "mcnemar-exact";
    p = mcnemarTest(table).p_exact;
    if (n > 1) ci = pairedProportionInterval(table.a_pass_b_fail, table.a_fail_b_pass, n);
  } else {
    test = "paired-bootstrap";
    // The bootstrap knows nothing of how few pairs there are: n identical differences resample to
    // themselves (se 0, p 0) even for n = 1. No paired test on n pairs can go below the exact
    // sign-flip bound 2/2^n, so p is floored there (1 for one pair, ½ for two).
    p = Math.max(bootstrapP(delta ?? 0, dist), Math.min(1, 2 ** (1 - n)));
    if (n > 1) ci = [quantileSorted(dist, 0.025), quantileSorted(dist, 0.975)];
    const nonzero = diffs.some((d) => d !== 0);
    rankCheck = { test: "wilcoxon-signed-rank", p: nonzero ? wilcoxonSignedRank(diffs).p_two_sided : 1 };
  }
  const sd = n > 1 ? standardDeviation(diffs) : Number.NaN;
  // The closed-form (normal) MDE that pairedMinimumDetectableEffect reports as `mde`; its exact
  // t-test refinement bisects the noncentral t and is not worth it once per slice.
  const mde = sd > 0 && n > 1 ? (Z_ALPHA(opts.alpha) + Z_POWER_80) * (sd / Math.sqrt(n)) : null;
  const out: PairedDimension = {
    base,
    candidate,
    delta,
    ci,
    test,
    p,
    pAdjusted: p,
    verdict: "no-change",
    n,
    passRate,
    mde,
  };
  if (rankCheck) out.rankCheck = rankCheck;
  return out;
}

/**
 * A clustered column: the paired cluster bootstrap gives p (from the bootstrap SE, as the case
 * bootstrap) and the percentile interval, for pass/fail and graded scores alike; the pass-rate
 * difference gets its own cluster bootstrap. p is floored at the exact sign-flip bound over
 * clusters, 2/2^G: G clusters cannot support a smaller p, whatever the bootstrap SE says.
 */
function testClustered(
  col: PairedColumn,
  dist: ClusterDistribution,
  opts: PairedTestOptions,
): PairedDimension {
  const n = col.base.length;
  const base = mean(col.base);
  const candidate = mean(col.candidate);
  const delta = base === null || candidate === null ? null : candidate - base;
  const floor = Math.min(1, 2 ** (1 - dist.clusters));
  const p = Math.max(bootstrapP(delta ?? 0, dist.sorted), floor);
  const ci: [number, number] | null =
    dist.clusters > 1 ? [quantileSorted(dist.sorted, 0.025), quantileSorted(dist.sorted, 0.975)] : null;
  let passRate: PairedDimension["passRate"] = {
    base: null,
    candidate: null,
    delta: null,
    p: null,
    discordant: [0, 0],
  };
  const ids = clusterIds(col);
  if (col.basePassed && col.candidatePassed && n > 0 && ids) {
    const table = mcnemarTable(col.basePassed, col.candidatePassed);
    const bp = col.basePassed.filter(Boolean).length / n;
    const cp = col.candidatePassed.filter(Boolean).length / n;
    const cb = col.candidatePassed;
    const passDiffs = col.basePassed.map((b, i) => Number(cb[i]) - Number(b));
    const passDist = clusterDistribution(passDiffs, ids, opts.resamples, opts.seed);
    passRate = {
      base: bp,
      candidate: cp,
      delta: cp - bp,
      p: Math.max(bootstrapP(cp - bp, passDist.sorted), floor),
      discordant: [table.a_pass_b_fail, table.a_fail_b_pass],
    };
  }
  const diffs = col.candidate.map((v, i) => v - col.base[i]);
  const mde = clusteredMde(diffs, ids ?? [], opts.alpha);
  return {
    base,
    candidate,
    delta,
    ci,
    test: "paired-cluster-bootstrap",
    p,
    pAdjusted: p,
    verdict: "no-change",
    n,
    passRate,
    mde,
  };
}

/** The MDE with the cluster-robust (CR1) standard error of the mean difference. */
function clusteredMde(diffs: number[], ids: string[], alpha: number): number | null {
  if (diffs.length < 2 || ids.length !== diffs.length) return null;
  const se = clusteredStandardError(diffs, ids).se_cluster_cr1;
  return se > 0 ? (Z_ALPHA(alpha) + Z_POWER_80) * se : null;
}

/** Holm across the family, then the verdicts (DESIGN.md §5). */
export function adjustAndJudge(family: PairedDimension[], opts: PairedTestOptions): void {
  const tested = family.filter((d) => d.p !== null);
  if (tested.length > 0) {
    const adj = adjustPValues(
      tested.map((d) => d.p as number),
      "holm",
      opts.alpha,
    );
    tested.forEach((d, i) => {
      d.pAdjusted = adj.p_adjusted[i];
    });
  }
  for (const d of family) d.verdict = verdictOf(d, opts);
}

export function verdictOf(d: PairedDimension, opts: PairedTestOptions): Verdict {
  if (d.delta === null || d.pAdjusted === null) return "no-change";
  if (d.pAdjusted < opts.alpha && d.delta !== 0) return d.delta > 0 ? "improved" : "regressed";
  return Math.abs(d.delta) > opts.maxRegression ? "underpowered" : "no-change";
}
