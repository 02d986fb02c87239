import type { RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import { NO_SCORE, unscoredKey } from "./unscored.ts";

/** One dimension of one case, its epochs reduced to one score and one verdict. */
export interface CaseDimension {
  score: number | null;
  passed: boolean | null;
  /** reasons of the epochs, in epoch order */
  reasons: string[];
  /** per-epoch verdicts (null = unscored), for flakiness */
  epochVerdicts: Array<boolean | null>;
  /** when no epoch was scored: why (see unscored.ts), from the first epoch */
  unscoredReason?: string;
}

/** Everything known about one case in one run, epochs reduced. */
export interface CaseResult {
  c: StoredCase;
  dims: Map<string, CaseDimension>;
  /** weighted mean of the scored dimensions; null when none was scored */
  aggregate: number | null;
  /** every epoch errored */
  errored: boolean;
  outputs: StoredOutput[];
}

export type Reducer = "mean" | "majority" | "max" | "all";

/**
 * How epochs combine (DESIGN.md §5): `mean` averages scores (the default); `majority` passes
 * when more than half the epochs pass; `max` is pass@k (any epoch passes, best score); `all` is
 * pass^k (every epoch passes, worst score).
 */
export function reduceEpochs(scores: number[], verdicts: boolean[], threshold: number, reducer: Reducer) {
  if (scores.length === 0) return { score: null, passed: null };
  switch (reducer) {
    case "max": {
      const best = Math.max(...scores);
      return { score: best, passed: best >= threshold };
    }
    case "all": {
      const worst = Math.min(...scores);
      return { score: worst, passed: worst >= threshold };
    }
    case "majority": {
      const passes = verdicts.filter(Boolean).length;
      return { score: passes / verdicts.length, passed: passes * 2 > verdicts.length };
    }
    default: {
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      return { score: mean, passed: mean >= threshold };
    }
  }
}

/** Joins a run's rows into per-case results, in dataset order. Pure. */
export function caseResults(
  run: Pick<RunRecord, "dimensions">,
  cases: StoredCase[],
  outputs: StoredOutput[],
  scores: StoredScore[],
): CaseResult[] {
  const dimNames = Object.keys(run.dimensions);
  const caseById = new Map(cases.map((c) => [c.id, c]));
  // One pass: case → dimension → scores (epoch order is restored below only when epochs > 1).
  const scoresByCase = new Map<string, Map<string, StoredScore[]>>();
  for (const s of scores) {
    let byDim = scoresByCase.get(s.caseId);
    if (!byDim) {
      byDim = new Map();
      scoresByCase.set(s.caseId, byDim);
    }
    const list = byDim.get(s.dimension);
    if (list) list.push(s);
    else byDim.set(s.dimension, [s]);
  }
  const outputsByCase = groupBy(outputs, (o) => o.caseId);
  const rows: CaseResult[] = [];
  for (const [caseId, outs] of outputsByCase) {
    const c = caseById.get(caseId);
    if (!c) continue;
    const byDim = scoresByCase.get(caseId);
    const dims = new Map<string, CaseDimension>();
    for (const name of dimNames) {
      const record = run.dimensions[name];
      const list = byDim?.get(name) ?? [];
      if (list.length > 1) list.sort((a, b) => a.epoch - b.epoch);
      const scored: number[] = [];
      const verdicts: boolean[] = [];
      for (const s of list) {
        if (s.score === null) continue;
        scored.push(s.score);
        verdicts.push(s.passed === true);
      }
      const reduced = reduceEpochs(
        scored,
        verdicts,
        record.threshold,
        (record.reduce as Reducer | undefined) ?? "mean",
      );
      const dim: CaseDimension = {
        ...reduced,
        reasons: list.map((s) => s.reason),
        epochVerdicts: list.map((s) => s.passed),
      };
      if (reduced.score === null) {
        const first = list.find((s) => s.score === null);
        dim.unscoredReason = first ? unscoredKey(first) : NO_SCORE;
      }
      dims.set(name, dim);
    }
    if (outs.length > 1) outs.sort((a, b) => a.epoch - b.epoch);
    rows.push({
      c,
      dims,
      aggregate: weightedAggregate(run, dims),
      errored: outs.every((o) => o.error !== undefined),
      outputs: outs,
    });
  }
  return rows.sort((a, b) => a.c.ordinal - b.c.ordinal);
}

/** Weighted mean of the dimensions the case was scored on; weights renormalised over them. */
export function weightedAggregate(
  run: Pick<RunRecord, "dimensions">,
  dims: Map<string, { score: number | null }>,
): number | null {
  let total = 0;
  let weight = 0;
  for (const [name, d] of dims) {
    const w = run.dimensions[name]?.weight ?? 0;
    if (d.score === null || w === 0) continue;
    total += w * d.score;
    weight += w;
  }
  return weight > 0 ? total / weight : null;
}

/** Cases whose verdict on some dimension differs between epochs. */
export function flakyCases(
  rows: CaseResult[],
): Array<{ caseId: string; dimension: string; verdicts: Array<boolean | null> }> {
  const out: Array<{ caseId: string; dimension: string; verdicts: Array<boolean | null> }> = [];
  for (const r of rows) {
    for (const [name, d] of r.dims) {
      const seen = new Set(d.epochVerdicts.filter((v) => v !== null));
      if (seen.size > 1) out.push({ caseId: r.c.id, dimension: name, verdicts: d.epochVerdicts });
    }
  }
  return out;
}

export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k) ?? [];
    map.set(k, list);
    list.push(item);
  }
  return map;
}
