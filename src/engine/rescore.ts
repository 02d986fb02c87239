import type { RunRecord, Store, StoredScore } from "../store/types.ts";
import { dimensionRecords } from "./run-target.ts";
import { type ScoringDimension, scoreOutput } from "./scoring.ts";

/**
 * Scores a run's stored outputs again with the given evaluators; no target is called. The run's
 * pinned dimensions and evaluator versions are updated to the ones used.
 */
export async function rescoreRun(store: Store, run: RunRecord, dims: ScoringDimension[]): Promise<RunRecord> {
  const cases = new Map((await store.listCases(run.datasetVersion)).map((c) => [c.id, c]));
  const scores: StoredScore[] = [];
  for (const output of await store.listOutputs(run.id)) {
    const c = cases.get(output.caseId);
    if (!c) throw new Error(`run ${run.id}: stored output for case "${output.caseId}" has no stored case`);
    for (const s of await scoreOutput(run.id, c, output.epoch, output, dims)) scores.push(s);
  }
  await store.replaceScores(run.id, scores);
  const patch = {
    dimensions: dimensionRecords(dims),
    lineage: { ...run.lineage, evaluators: Object.fromEntries(dims.map((d) => [d.name, d.evaluator.id])) },
  };
  await store.updateRun(run.id, patch);
  return { ...run, ...patch };
}
