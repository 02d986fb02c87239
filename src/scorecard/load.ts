import { currentCalibrations } from "../calibrate/stored.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { buildScorecard } from "./build.ts";
import type { ScorecardOptions } from "./operating.ts";
import type { Scorecard } from "./types.ts";

/** Reads a run's rows (and its evaluators' current calibrations) and builds its scorecard. */
export async function loadScorecard(
  store: Store,
  run: RunRecord,
  options?: ScorecardOptions,
): Promise<Scorecard> {
  const [cases, outputs, scores, calibrations] = await Promise.all([
    store.listCases(run.datasetVersion),
    store.listOutputs(run.id),
    store.listScores(run.id, run.scoreSet),
    currentCalibrations(store, run),
  ]);
  return buildScorecard({ run, cases, outputs, scores, calibrations, options });
}
