import { InputError } from "../../config/errors.ts";
import { kendallTauB } from "../../stats/correlation.ts";
import { variance } from "../../stats/descriptive.ts";
import { itemAnalysis } from "../../stats/items.ts";
import { pairedMinimumDetectableEffect } from "../../stats/power.ts";
import type { StoredCase } from "../../store/types.ts";
import { type CoverageCheck, type CoverageTargets, datasetCoverage } from "./coverage.ts";
import type { RunItemMatrix } from "./matrix.ts";

/**
 * A smaller golden set that ranks the targets as the whole one does (`assay dataset reduce`).
 *
 * Selection: the cases are split into strata by their tags (every combination of the strata
 * keys' values), each stratum keeps its proportional share of the new size (largest remainders,
 * so the sizes add up exactly), and within a stratum the cases that discriminate best are kept:
 * highest item–rest point-biserial first, then difficulty nearest ½ (most variance), then dataset
 * order. Cases every run agrees on (zero variance) go last: they carry no ranking information.
 * Deterministic: the same runs and options keep the same cases.
 *
 * The report says what the reduction costs: Kendall's τ-b between the targets' mean scores on
 * the whole and the reduced set, the RMSE of those scores, the minimum detectable effect of a
 * paired comparison at both sizes, and the tag mix before and after. Pure.
 */

export interface ReduceOptions {
  /** the share of the cases to keep (0 < keep ≤ 1), or a number of cases when above 1 */
  keep: number;
  /** tag keys whose value combinations are the strata (default: the targets' keys, else every tag key) */
  strata?: string[];
  /** the suite's target mix, to check the reduced set against */
  targets?: CoverageTargets;
  /** for the minimum detectable effect (defaults 0.05 and 0.8) */
  alpha?: number;
  power?: number;
}

export interface LeaderboardRow {
  run: string;
  target: string;
  /** mean score over every analysed case */
  full: number;
  /** mean score over the kept cases */
  reduced: number;
}

export interface StratumSize {
  /** `key=value,…` (an empty value: the case lacks the key) */
  stratum: string;
  total: number;
  kept: number;
}

export interface ReduceReport {
  /** cases kept */
  kept: number;
  /** their ids, in dataset order */
  keptIds: string[];
  /** cases analysed */
  total: number;
  dimension: string | null;
  /** Kendall's τ-b between the full and the reduced leaderboard (null with fewer than 2 runs or no spread) */
  kendallTau: number | null;
  /** root mean square of (reduced − full) mean scores over the runs */
  rmse: number | null;
  leaderboard: LeaderboardRow[];
  /** smallest paired difference detectable at `alpha` and `power`, with the SD of per-case differences pooled over every pair of runs */
  mde: { alpha: number; power: number; sdDiff: number | null; full: number | null; reduced: number | null };
  strata: { keys: string[]; sizes: StratumSize[] };
  coverage: {
    /** tag key → value → share of the cases, before and after */
    before: Record<string, Record<string, number>>;
    after: Record<string, Record<string, number>>;
    /** the largest |after − before| share over every tag value */
    maxShift: number;
    /** with a target mix: its tolerance and the values off by more (after reduction) */
    tolerance?: number;
    flagged?: CoverageCheck[];
  };
  /** cases left out of the analysis (errored, unscored, missing), hence out of the reduced set */
  excluded: number;
}

export interface ReduceResult {
  /** the kept cases, in dataset order */
  kept: StoredCase[];
  report: ReduceReport;
}

export function reduceDataset(m: RunItemMatrix, opts: ReduceOptions): ReduceResult {
  const total = m.items.length;
  if (total === 0) throw new InputError("no case is scored in every run: nothing to reduce");
  const size = opts.keep > 1 ? Math.round(opts.keep) : Math.round(opts.keep * total);
  if (!(opts.keep > 0) || size < 1) {
    throw new InputError(`--keep ${opts.keep} keeps no case of ${total}`);
  }
  if (size > total) throw new InputError(`--keep ${opts.keep}: only ${total} cases can be kept`);
  const keys = opts.strata ?? (opts.targets ? Object.keys(opts.targets.keys) : tagKeys(m.items));
  const analysis = itemAnalysis(m.passed);
  const stratumOf = (c: StoredCase) => keys.map((k) => `${k}=${c.tags[k] ?? ""}`).join(",");

  const byStratum = new Map<string, number[]>();
  m.items.forEach((c, j) => {
    const s = stratumOf(c);
    const list = byStratum.get(s);
    if (list) list.push(j);
    else byStratum.set(s, [j]);
  });
  const quotas = largestRemainders(
    [...byStratum.entries()].map(([stratum, members]) => ({ stratum, n: members.length })),
    size,
  );
  const rank = (a: number, b: number) => {
    const ra = analysis.point_biserial_item_rest[a] ?? Number.NEGATIVE_INFINITY;
    const rb = analysis.point_biserial_item_rest[b] ?? Number.NEGATIVE_INFINITY;
    if (ra !== rb) return rb - ra;
    const da = Math.abs(analysis.difficulty_p[a] - 0.5);
    const db = Math.abs(analysis.difficulty_p[b] - 0.5);
    return da !== db ? da - db : a - b;
  };
  const keptIdx: number[] = [];
  const sizes: StratumSize[] = [];
  for (const [stratum, members] of [...byStratum.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    const quota = quotas.get(stratum) ?? 0;
    keptIdx.push(...[...members].sort(rank).slice(0, quota));
    sizes.push({ stratum, total: members.length, kept: quota });
  }
  keptIdx.sort((a, b) => a - b);
  const kept = keptIdx.map((j) => m.items[j]);

  const leaderboard = m.runs.map((run, r) => ({
    run: run.id,
    target: run.target,
    full: meanAt(m.scores[r]),
    reduced: meanAt(m.scores[r], keptIdx),
  }));
  const before = datasetCoverage(m.items);
  const after = datasetCoverage(kept, opts.targets);
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const sdDiff = pooledDifferenceSd(m.scores);
  const report: ReduceReport = {
    kept: kept.length,
    keptIds: kept.map((c) => c.id),
    total,
    dimension: m.dimension,
    kendallTau: tau(leaderboard),
    rmse: Math.sqrt(meanAt(leaderboard.map((row) => (row.reduced - row.full) ** 2))),
    leaderboard,
    mde: {
      alpha,
      power,
      sdDiff,
      full: mde(sdDiff, total, alpha, power),
      reduced: mde(sdDiff, kept.length, alpha, power),
    },
    strata: { keys, sizes },
    coverage: { before: shares(before.keys), after: shares(after.keys), maxShift: 0 },
    excluded: m.excluded.length,
  };
  report.coverage.maxShift = maxShift(report.coverage.before, report.coverage.after);
  if (after.targets) {
    report.coverage.tolerance = after.targets.tolerance;
    report.coverage.flagged = after.flagged;
  }
  return { kept, report };
}

/**
 * Proportional allocation of `size` over strata by largest remainders (Hamilton's method): each
 * gets the whole part of its quota, and the seats left go to the largest fractional parts (ties:
 * the larger stratum, then the name), so the total is exactly `size`.
 */
export function largestRemainders(
  strata: Array<{ stratum: string; n: number }>,
  size: number,
): Map<string, number> {
  const total = strata.reduce((a, s) => a + s.n, 0);
  const rows = strata.map((s) => {
    const quota = (size * s.n) / total;
    return { ...s, seats: Math.floor(quota), rest: quota - Math.floor(quota) };
  });
  let left = size - rows.reduce((a, r) => a + r.seats, 0);
  const order = [...rows].sort(
    (a, b) => b.rest - a.rest || b.n - a.n || (a.stratum < b.stratum ? -1 : a.stratum > b.stratum ? 1 : 0),
  );
  for (const r of order) {
    if (left === 0) break;
    if (r.seats < r.n) {
      r.seats++;
      left--;
    }
  }
  return new Map(rows.map((r) => [r.stratum, r.seats]));
}

function tagKeys(cases: readonly StoredCase[]): string[] {
  return [...new Set(cases.flatMap((c) => Object.keys(c.tags)))].sort();
}

function meanAt(values: readonly number[], at?: readonly number[]): number {
  const idx = at ?? values.map((_, i) => i);
  return idx.reduce((a, i) => a + values[i], 0) / idx.length;
}

function tau(rows: LeaderboardRow[]): number | null {
  if (rows.length < 2) return null;
  const t = kendallTauB(
    rows.map((r) => r.full),
    rows.map((r) => r.reduced),
  ).tau_b;
  // τ is a ratio of pair counts: digits past 1e-12 are the square roots' rounding, not information
  // (a perfect agreement would otherwise read 0.9999999999999999)
  return Number.isFinite(t) ? Math.round(t * 1e12) / 1e12 : null;
}

/** √(mean over run pairs of Var(a − b)): the spread a paired comparison of two of these targets sees. */
function pooledDifferenceSd(scores: number[][]): number | null {
  const variances: number[] = [];
  for (let a = 0; a < scores.length; a++) {
    for (let b = a + 1; b < scores.length; b++) {
      const d = scores[a].map((v, j) => v - scores[b][j]);
      const v = variance(d, 1);
      if (Number.isFinite(v)) variances.push(v);
    }
  }
  if (variances.length === 0) return null;
  const sd = Math.sqrt(variances.reduce((x, y) => x + y, 0) / variances.length);
  return sd > 0 ? sd : null;
}

function mde(sd: number | null, n: number, alpha: number, power: number): number | null {
  if (sd === null || n < 2) return null;
  return pairedMinimumDetectableEffect({ sd_diff: sd, n, alpha, power }).mde;
}

function shares(keys: Record<string, { values: Record<string, { share: number }> }>) {
  const out: Record<string, Record<string, number>> = {};
  for (const [k, entry] of Object.entries(keys)) {
    out[k] = Object.fromEntries(Object.entries(entry.values).map(([v, c]) => [v, c.share]));
  }
  return out;
}

function maxShift(
  before: Record<string, Record<string, number>>,
  after: Record<string, Record<string, number>>,
): number {
  let max = 0;
  for (const [k, values] of Object.entries(before)) {
    for (const [v, share] of Object.entries(values))
      max = Math.max(max, Math.abs((after[k]?.[v] ?? 0) - share));
  }
  return max;
}
