import type { Reducer } from "../scorecard/case-results.ts";
import type { ResultColumns, RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";

/**
 * One run reduced to one row per case, as columns: what the paired comparison reads. Built from
 * the store's result columns (Store.readResultColumns) or, for rows already in memory, from the
 * same columns made of them (resultColumnsOfRows), so both paths share one computation.
 */
export interface CaseTable {
  run: RunRecord;
  /** cases with an output, in ordinal order */
  ids: string[];
  ordinals: Int32Array;
  tags: Array<Record<string, string>>;
  clusters: Array<string | undefined>;
  /** the run's dimensions, in its order */
  dims: string[];
  /** per dimension, each case's epochs reduced (as scorecard/case-results.ts does): NaN = unscored */
  score: Float64Array[];
  /** per dimension: 1 passed, 0 failed, 2 no verdict */
  passed: Uint8Array[];
  /** weighted mean of the scored dimensions (NaN: none scored) */
  aggregate: Float64Array;
  /** the outputs of case i are rows outStart[i] … outStart[i + 1] − 1, in epoch order */
  outStart: Int32Array;
  outputs: ResultColumns["outputs"];
  outputCount: number;
  errorCount: number;
}

export const NO_VERDICT = 2;

/** Offsets of each case's rows in a column sorted by case: rows of case i are [start[i], start[i + 1]). */
function offsets(caseOf: Int32Array, cases: number): Int32Array {
  const start = new Int32Array(cases + 1);
  for (let r = 0; r < caseOf.length; r++) start[caseOf[r] + 1]++;
  for (let i = 0; i < cases; i++) start[i + 1] += start[i];
  return start;
}

/**
 * Epochs reduced the way reduceEpochs (scorecard/case-results.ts) does, without an object per
 * case: the same operations in the same order, so the figures are identical to the last bit.
 */
function reduceInto(
  values: number[],
  verdicts: number[],
  threshold: number,
  reducer: Reducer,
  score: Float64Array,
  passed: Uint8Array,
  at: number,
): void {
  const k = values.length;
  if (k === 0) {
    score[at] = Number.NaN;
    passed[at] = NO_VERDICT;
    return;
  }
  let s: number;
  let ok: boolean;
  if (reducer === "max" || reducer === "all") {
    s = reducer === "max" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (const v of values) s = reducer === "max" ? Math.max(s, v) : Math.min(s, v);
    ok = s >= threshold;
  } else if (reducer === "majority") {
    let passes = 0;
    for (const v of verdicts) passes += v;
    s = passes / k;
    ok = passes * 2 > k;
  } else {
    s = 0;
    for (const v of values) s += v;
    s /= k;
    ok = s >= threshold;
  }
  score[at] = s;
  passed[at] = ok ? 1 : 0;
}

/** A run's case table from its result columns. */
export function caseTableOf(run: RunRecord, cols: ResultColumns): CaseTable {
  const n = cols.cases.ids.length;
  const dims = Object.keys(run.dimensions);
  // column dimension index → the run's dimension index (−1: a dimension the run does not have)
  const toRun = cols.dimensions.map((d) => dims.indexOf(d));
  const score = dims.map(() => new Float64Array(n));
  const passed = dims.map(() => new Uint8Array(n));
  const reducers = dims.map((d) => (run.dimensions[d].reduce as Reducer | undefined) ?? "mean");
  const thresholds = dims.map((d) => run.dimensions[d].threshold);
  const weights = dims.map((d) => run.dimensions[d]?.weight ?? 0);
  const values: number[][] = dims.map(() => []);
  const verdicts: number[][] = dims.map(() => []);
  const aggregate = new Float64Array(n);
  const s = cols.scores;
  const scoreStart = offsets(s.case, n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims.length; d++) {
      values[d].length = 0;
      verdicts[d].length = 0;
    }
    // rows are in epoch order, so each dimension's values are too
    for (let r = scoreStart[i]; r < scoreStart[i + 1]; r++) {
      const d = toRun[s.dimension[r]];
      if (d < 0 || Number.isNaN(s.score[r])) continue;
      values[d].push(s.score[r]);
      verdicts[d].push(s.passed[r] === 1 ? 1 : 0);
    }
    let total = 0;
    let weight = 0;
    for (let d = 0; d < dims.length; d++) {
      reduceInto(values[d], verdicts[d], thresholds[d], reducers[d], score[d], passed[d], i);
      // weightedAggregate, in the run's dimension order
      const w = weights[d];
      if (Number.isNaN(score[d][i]) || w === 0) continue;
      total += w * score[d][i];
      weight += w;
    }
    aggregate[i] = weight > 0 ? total / weight : Number.NaN;
  }
  return {
    run,
    ids: cols.cases.ids,
    ordinals: cols.cases.ordinals,
    tags: cols.cases.tags,
    clusters: cols.cases.clusters,
    dims,
    score,
    passed,
    aggregate,
    outStart: offsets(cols.outputs.case, n),
    outputs: cols.outputs,
    outputCount: cols.outputCount,
    errorCount: cols.errorCount,
  };
}

/** Stable sort by epoch (as caseResults sorts a case's outputs and each dimension's scores). */
const byEpoch = <T extends { epoch: number }>(list: T[]): T[] =>
  list.length > 1 ? list.sort((a, b) => a.epoch - b.epoch) : list;

function groupByCase<T extends { caseId: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(item.caseId);
    if (list) list.push(item);
    else map.set(item.caseId, [item]);
  }
  return map;
}

/**
 * The result columns of rows already in memory, as the store would return them: the cases with
 * an output (in ordinal order, ties in the order the outputs first name them, as caseResults
 * orders them), their outputs and scores by epoch.
 */
export function resultColumnsOfRows(rows: {
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
}): ResultColumns {
  const caseById = new Map(rows.cases.map((c) => [c.id, c]));
  const outputsByCase = groupByCase(rows.outputs);
  const scoresByCase = groupByCase(rows.scores);
  const cases = [...outputsByCase.keys()]
    .map((id) => caseById.get(id))
    .filter((c): c is StoredCase => c !== undefined)
    .sort((a, b) => a.ordinal - b.ordinal);
  const outs = cases.flatMap((c, i) => byEpoch(outputsByCase.get(c.id) ?? []).map((o) => [i, o] as const));
  const scs = cases.flatMap((c, i) => byEpoch(scoresByCase.get(c.id) ?? []).map((s) => [i, s] as const));
  const dimensions = [...new Set(scs.map(([, s]) => s.dimension))];
  const dimIndex = new Map(dimensions.map((d, i) => [d, i]));
  return {
    cases: {
      ids: cases.map((c) => c.id),
      ordinals: Int32Array.from(cases, (c) => c.ordinal),
      tags: cases.map((c) => c.tags),
      clusters: cases.map((c) => c.cluster),
    },
    outputs: {
      case: Int32Array.from(outs, ([i]) => i),
      epoch: Int32Array.from(outs, ([, o]) => o.epoch),
      errored: Uint8Array.from(outs, ([, o]) => (o.error !== undefined ? 1 : 0)),
      latencyMs: Float64Array.from(outs, ([, o]) => o.latencyMs),
      costUsd: Float64Array.from(outs, ([, o]) => o.costUsd ?? Number.NaN),
    },
    outputCount: rows.outputs.length,
    errorCount: rows.outputs.filter((o) => o.error).length,
    scores: {
      case: Int32Array.from(scs, ([i]) => i),
      epoch: Int32Array.from(scs, ([, s]) => s.epoch),
      dimension: Uint16Array.from(scs, ([, s]) => dimIndex.get(s.dimension) ?? 0),
      score: Float64Array.from(scs, ([, s]) => s.score ?? Number.NaN),
      passed: Uint8Array.from(scs, ([, s]) => (s.passed === null ? NO_VERDICT : s.passed ? 1 : 0)),
    },
    dimensions,
  };
}

/** What a flip shows of one run's case: its first epoch's output and each dimension's first reason. */
export interface FlipDetails {
  output(caseId: string): string;
  reason(caseId: string, dimension: string): string;
}

/** Flip details from a run's outputs and scores (all of them, or only the flipped cases'). */
export function flipDetailsOf(outputs: readonly StoredOutput[], scores: readonly StoredScore[]): FlipDetails {
  const first = new Map<string, StoredOutput>();
  for (const o of outputs) {
    const had = first.get(o.caseId);
    if (!had || o.epoch < had.epoch) first.set(o.caseId, o);
  }
  const reasons = new Map<string, StoredScore>();
  for (const s of scores) {
    const key = `${s.caseId}\u0000${s.dimension}`;
    const had = reasons.get(key);
    if (!had || s.epoch < had.epoch) reasons.set(key, s);
  }
  return {
    output: (caseId) => first.get(caseId)?.text ?? "",
    reason: (caseId, dimension) => reasons.get(`${caseId}\u0000${dimension}`)?.reason ?? "",
  };
}
