import { isJudgeKind } from "../calibrate/judge.ts";
import type { ErrorClass } from "../core/output.ts";
import { groupBySlice } from "../dataset/slices.ts";
import type { CalibrationRecord, RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import { type CaseResult, caseResults, flakyCases } from "./case-results.ts";
import {
  bandOf,
  type ConfidenceReport,
  type CostProjection,
  confidenceReport,
  costProjection,
  DEFAULT_BANDS,
  type SampleSizeAdvice,
  type ScorecardOptions,
  sampleSizeAdvice,
} from "./operating.ts";
import { patternsFrom } from "./patterns.ts";

type CaseRow = CaseResult;

import { dimensionStats, meanInterval, percentiles } from "./summarize.ts";
import type { CalibratedMarker, DimensionStats, Scorecard, StrengthOrWeakness, WorstCase } from "./types.ts";
import { countReason, NO_SCORE } from "./unscored.ts";

export interface ScorecardInput {
  run: RunRecord;
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
  /**
   * current calibration records (stale ones left out, see calibrate/currentCalibrations): when
   * given, every LLM-judge dimension is marked `calibrated` (null = uncalibrated)
   */
  calibrations?: CalibrationRecord[];
  /** the suite's operating settings: escalation, volume, bands, minEffect (issue 13) */
  options?: ScorecardOptions;
}

const WORST_LIMIT = 10;

/**
 * The scorecard of one run: a pure function of its stored rows (DESIGN.md §2). With epochs, each
 * case's epochs are averaged first so intervals count cases, not repeats.
 */
export function buildScorecard({
  run,
  cases,
  outputs,
  scores,
  calibrations,
  options = {},
}: ScorecardInput): Scorecard {
  const dimNames = Object.keys(run.dimensions);
  const rows = caseResults(run, cases, outputs, scores);

  const byClass: Partial<Record<ErrorClass, number>> = {};
  let errorCount = 0;
  for (const o of outputs) {
    if (!o.error) continue;
    errorCount++;
    byClass[o.error.class] = (byClass[o.error.class] ?? 0) + 1;
  }

  const dimensions: Record<string, DimensionStats> = {};
  for (const name of dimNames) dimensions[name] = statsFor(rows, name);

  const slices: Scorecard["slices"] = {};
  for (const [key, members] of groupBySlice(rows, (r) => r.c.tags)) {
    const entry: Record<string, DimensionStats> = {};
    for (const name of dimNames) entry[name] = statsFor(members, name);
    entry.aggregate = sliceAggregate(aggregateStats(members));
    slices[key] = entry;
  }

  const latency = outputs.filter((o) => !o.error).map((o) => o.latencyMs);
  const costs = outputs.filter((o) => o.costUsd !== undefined).map((o) => o.costUsd as number);
  const parts: ScorecardParts = {
    dimensions,
    aggregate: aggregateStats(rows),
    slices,
    cases: rows.length,
    results: outputs.length,
    missing: Math.max(0, cases.length - rows.length),
    errors: { count: errorCount, byClass },
    latencyMs: { ...percentiles(latency), mean: latency.length > 0 ? sum(latency) / latency.length : null },
    tokens: {
      input: sum(outputs.map((o) => o.usage?.inputTokens ?? 0)),
      output: sum(outputs.map((o) => o.usage?.outputTokens ?? 0)),
    },
    cost: { total: sum(costs), costed: costs.length, ...judgeCost(scores) },
    cache: cacheSavings(outputs, scores),
    worst: worstCases(rows),
    flaky: flakyCases(rows),
    patterns: patternsFrom(scores),
    confidence: confidenceReport(outputs, scores, options),
  };
  if (options.volume) parts.costProjection = costProjection(outputs, options.volume.perMonth);
  if (options.minEffect !== undefined) {
    parts.sampleSize = sampleSizeAdvice(
      rows.filter((r) => r.aggregate !== null).map((r) => r.aggregate as number),
      options.minEffect,
    );
  }
  return assembleScorecard(run, parts, options, calibrations);
}

/** A slice's aggregate row: the mean and interval only (no pass rate over mixed dimensions). */
export function sliceAggregate(agg: {
  mean: number | null;
  ci: [number, number] | null;
  n: number;
}): DimensionStats {
  return { ...agg, passRate: null, passCi: null, unscored: 0, unscoredReasons: {}, passed: 0 };
}

/**
 * What a scorecard is computed from, however it was gathered: from rows in memory
 * (buildScorecard) or streamed page by page from the store (streamScorecard).
 */
export interface ScorecardParts {
  dimensions: Record<string, DimensionStats>;
  aggregate: { mean: number | null; ci: [number, number] | null; n: number };
  slices: Scorecard["slices"];
  /** distinct cases with a result */
  cases: number;
  results: number;
  missing: number;
  errors: { count: number; byClass: Partial<Record<ErrorClass, number>> };
  latencyMs: Scorecard["latencyMs"];
  tokens: { input: number; output: number };
  /** `costed`: outputs that recorded a cost */
  cost: { total: number; costed: number; judge: number; judgeTokens: { input: number; output: number } };
  cache: Scorecard["cache"];
  worst: WorstCase[];
  flaky: Scorecard["flaky"];
  patterns: Scorecard["patterns"];
  confidence?: ConfidenceReport;
  costProjection?: CostProjection;
  sampleSize?: SampleSizeAdvice;
  /** what the web app's run page shows beside the card; gathered by the streaming scorecard */
  figures?: RunFigures;
}

/** Cases by overall status, and the latency histogram (see latencyHistogramOf). */
export interface RunFigures {
  statusCounts: { pass: number; fail: number; error: number; unscored: number };
  latencyHistogram: Array<{ from: number; to: number; count: number }>;
}

/** The scorecard from its parts: bands, strengths and weaknesses, calibration markers, methods. */
export function assembleScorecard(
  run: RunRecord,
  parts: ScorecardParts,
  options: ScorecardOptions = {},
  calibrations?: CalibrationRecord[],
): Scorecard {
  const bands = [...(options.bands ?? DEFAULT_BANDS)].sort((a, b) => b.min - a.min);
  const dimensions: Scorecard["dimensions"] = {};
  for (const name of Object.keys(run.dimensions)) {
    const d = run.dimensions[name];
    const stats = parts.dimensions[name];
    dimensions[name] = {
      ...stats,
      evaluator: d.evaluator,
      weight: d.weight,
      threshold: d.threshold,
      band: bandOf(stats.mean, bands),
    };
  }
  if (calibrations) {
    for (const [name, marker] of Object.entries(calibrationMarkers(run, calibrations))) {
      dimensions[name].calibrated = marker;
    }
  }
  const { slices, cost, tokens } = parts;
  const distinctCases = parts.cases;
  const { strengths, weaknesses } = strengthsAndWeaknesses(dimensions, slices, run);
  const card: Scorecard = {
    run: {
      id: run.id,
      suite: run.suite,
      target: run.target,
      datasetVersion: run.datasetVersion,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      status: run.status,
      // Always present, null when there is nothing to explain, so a script can read it unguarded.
      statusReason: run.statusReason ?? null,
      scoreSet: run.scoreSet ?? 1,
      epochs: run.epochs,
      lineage: run.lineage,
    },
    cases: distinctCases,
    results: parts.results,
    missing: parts.missing,
    errors: {
      count: parts.errors.count,
      rate: parts.results > 0 ? parts.errors.count / parts.results : 0,
      byClass: parts.errors.byClass,
    },
    dimensions,
    aggregate: { ...parts.aggregate, band: bandOf(parts.aggregate.mean, bands) },
    bands,
    slices,
    latencyMs: parts.latencyMs,
    tokens: {
      input: tokens.input,
      output: tokens.output,
      perCase: distinctCases > 0 ? (tokens.input + tokens.output) / distinctCases : null,
    },
    cost: {
      total: cost.total,
      perCase: cost.costed > 0 && distinctCases > 0 ? cost.total / distinctCases : null,
      judge: cost.judge,
      judgeTokens: cost.judgeTokens,
    },
    cache: parts.cache,
    worst: parts.worst,
    flaky: parts.flaky,
    patterns: parts.patterns,
    strengths,
    weaknesses,
    methods: {
      mean: "Student-t 95% interval over cases (cluster-robust CR1 when cases carry a cluster), clipped to [0, 1]",
      passRate: "Wilson 95% score interval",
      percentiles: "linear interpolation (R type 7)",
      epochs:
        "each case's epochs reduced per dimension (mean unless the dimension sets reduce) before aggregation",
      aggregate: "weighted mean of the dimensions a case was scored on",
      bands: `a mean gets the band with the highest minimum it reaches: ${bands.map((b) => `${b.label} ≥ ${b.min}`).join(", ")}`,
    },
  };
  if (parts.confidence) {
    card.confidence = parts.confidence;
    card.methods.confidence =
      "per result with a confidence: correct when it passes every dimension it was scored on (or the escalation dimension); " +
      "equal-width bins as scikit-learn's calibration_curve; ECE weights each bin's |accuracy − confidence| by its share; " +
      "the escalation threshold is the smallest whose answered results reach the target accuracy (Wilson 95% interval)";
  }
  if (parts.costProjection) {
    card.cost.projection = parts.costProjection;
    card.methods.costProjection =
      "mean cost per case (epochs averaged) × cases per month, with the Student-t 95% interval of the mean scaled alike";
  }
  if (parts.sampleSize) {
    card.sampleSize = parts.sampleSize;
    card.methods.sampleSize =
      "paired t-test at 80% power and α = 0.05 two-sided, the SD of per-case differences taken as √2 × this run's per-case aggregate SD";
  }
  return card;
}

/** What LLM judges spent, from the `details.judge` their scores carry. */
export function judgeCost(scores: ScorecardInput["scores"]): {
  judge: number;
  judgeTokens: { input: number; output: number };
} {
  let judge = 0;
  let input = 0;
  let output = 0;
  for (const s of scores) {
    const j = s.details?.judge as
      | { costUsd?: number; usage?: { inputTokens?: number; outputTokens?: number } }
      | undefined;
    if (!j) continue;
    judge += j.costUsd ?? 0;
    input += j.usage?.inputTokens ?? 0;
    output += j.usage?.outputTokens ?? 0;
  }
  return { judge, judgeTokens: { input, output } };
}

/**
 * What the response cache answered: outputs whose calls all came from it, and cached judge calls
 * (`details.judge.cachedCalls`), with what those calls cost when they were made.
 */
export function cacheSavings(outputs: StoredOutput[], scores: StoredScore[]): Scorecard["cache"] {
  let cachedOutputs = 0;
  let judgeCalls = 0;
  let savedCost = 0;
  for (const o of outputs) {
    if (o.cached !== true) continue;
    cachedOutputs++;
    savedCost += o.costUsd ?? 0;
  }
  for (const s of scores) {
    const j = s.details?.judge as
      | { calls?: number; cachedCalls?: number; costUsd?: number | null; cachedCostUsd?: number }
      | undefined;
    const cached = j?.cachedCalls ?? 0;
    if (!j || !(cached > 0)) continue;
    judgeCalls += cached;
    if (typeof j.cachedCostUsd === "number") savedCost += j.cachedCostUsd;
    else if (typeof j.costUsd === "number" && (j.calls ?? 0) > 0) {
      // scores stored before judges kept their cached calls' cost apart: the calls' share of it
      savedCost += (j.costUsd * cached) / (j.calls as number);
    }
  }
  return { hits: cachedOutputs + judgeCalls, savedCost, outputs: cachedOutputs, judgeCalls };
}

function statsFor(rows: CaseRow[], name: string): DimensionStats {
  const values: number[] = [];
  const clusters: Array<string | undefined> = [];
  const reasons: Record<string, number> = {};
  let passed = 0;
  let unscored = 0;
  for (const r of rows) {
    if (r.errored) continue;
    const d = r.dims.get(name);
    if (!d || d.score === null) {
      unscored++;
      countReason(reasons, d?.unscoredReason ?? NO_SCORE);
      continue;
    }
    values.push(d.score);
    clusters.push(r.c.cluster);
    if (d.passed) passed++;
  }
  return { ...dimensionStats(values, passed, unscored, clusters), unscoredReasons: reasons };
}

function aggregateStats(rows: CaseRow[]): { mean: number | null; ci: [number, number] | null; n: number } {
  const scored = rows.filter((r) => r.aggregate !== null);
  const { mean, ci } = meanInterval(
    scored.map((r) => r.aggregate as number),
    scored.map((r) => r.c.cluster),
  );
  return { mean, ci, n: scored.length };
}

export function worstCases(rows: CaseRow[]): WorstCase[] {
  return worstRows(rows).map((r) => ({
    caseId: r.c.id,
    aggregate: r.aggregate,
    tags: r.c.tags,
    failing: failingOf(r),
  }));
}

function failingOf(r: CaseRow): WorstCase["failing"] {
  return [...r.dims.entries()]
    .filter(([, d]) => d.passed === false)
    .map(([name, d]) => ({ dimension: name, score: d.score, reason: d.reasons[0] ?? "" }));
}

/** The (at most 10) lowest-aggregate cases that fail some dimension, lowest first, ties in dataset order. */
export function worstRows(rows: CaseRow[]): CaseRow[] {
  return rows
    .filter((r) => r.aggregate !== null && failingOf(r).length > 0)
    .sort((a, b) => (a.aggregate as number) - (b.aggregate as number) || a.c.ordinal - b.c.ordinal)
    .slice(0, WORST_LIMIT);
}

/** Dimensions and slices furthest above and below their thresholds (slices need ≥ 5 cases). */
function strengthsAndWeaknesses(
  dimensions: Scorecard["dimensions"],
  slices: Scorecard["slices"],
  run: RunRecord,
): { strengths: StrengthOrWeakness[]; weaknesses: StrengthOrWeakness[] } {
  const all: StrengthOrWeakness[] = [];
  for (const [name, d] of Object.entries(dimensions)) {
    if (d.mean === null || d.passRate === null) continue;
    all.push({ dimension: name, passRate: d.passRate, mean: d.mean, margin: d.mean - d.threshold, n: d.n });
  }
  for (const [slice, entry] of Object.entries(slices)) {
    for (const [name, d] of Object.entries(entry)) {
      if (name === "aggregate" || d.mean === null || d.passRate === null || d.n < 5) continue;
      const threshold = run.dimensions[name].threshold;
      all.push({
        dimension: name,
        slice,
        passRate: d.passRate,
        mean: d.mean,
        margin: d.mean - threshold,
        n: d.n,
      });
    }
  }
  const byPass = [...all].sort((a, b) => a.passRate - b.passRate || a.margin - b.margin);
  return {
    weaknesses: byPass.filter((x) => x.passRate < 1).slice(0, 5),
    strengths: byPass
      .reverse()
      .filter((x) => x.passRate > 0)
      .slice(0, 5),
  };
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * The `calibrated` marker of each LLM-judge dimension of a run: the newest of the given (current)
 * calibration records for the dimension's exact evaluator id, or null when there is none. Pure.
 */
export function calibrationMarkers(
  run: RunRecord,
  records: readonly CalibrationRecord[],
): Record<string, CalibratedMarker | null> {
  const out: Record<string, CalibratedMarker | null> = {};
  const figure = (m: Record<string, unknown>, key: "kappa" | "alpha"): number | null => {
    const headline = m.headline as { kappa?: unknown; alpha?: unknown } | undefined;
    const v = headline?.[key] ?? (key === "kappa" ? m.cohenKappa : m.krippendorffAlpha);
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  for (const [name, d] of Object.entries(run.dimensions)) {
    if (!isJudgeKind(d.kind)) continue;
    let newest: CalibrationRecord | null = null;
    for (const r of records) {
      if (r.evaluator === d.evaluator && (newest === null || r.createdAt > newest.createdAt)) newest = r;
    }
    out[name] = newest
      ? {
          kappa: figure(newest.metrics, "kappa"),
          alpha: figure(newest.metrics, "alpha"),
          n: newest.n,
          at: newest.createdAt,
          id: newest.id,
        }
      : null;
  }
  return out;
}
