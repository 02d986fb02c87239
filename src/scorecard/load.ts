import { currentCalibrations } from "../calibrate/stored.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { hashValue } from "../util/hash.ts";
import { assembleScorecard, type ScorecardParts } from "./build.ts";
import type { ScorecardOptions } from "./operating.ts";
import { scorecardParts } from "./stream.ts";
import type { Scorecard } from "./types.ts";

/**
 * A stored run's scorecard (with its evaluators' current calibrations): streamed from the store
 * in flat memory, and kept in the store once the run has finished, so the next reader (the web
 * app's run page, `assay show`, the gate) assembles it in O(dimensions × slices). The kept part
 * is what the rows alone decide; the run record, bands and calibration markers are applied on
 * every read, as they can change without a new row.
 */
export async function loadScorecard(
  store: Store,
  run: RunRecord,
  options?: ScorecardOptions,
): Promise<Scorecard> {
  return (await loadScorecardParts(store, run, options)).scorecard;
}

/** loadScorecard, with the parts it was assembled from (the web app's run page shows their figures). */
export async function loadScorecardParts(
  store: Store,
  run: RunRecord,
  options?: ScorecardOptions,
): Promise<{ scorecard: Scorecard; parts: ScorecardParts }> {
  const [parts, calibrations] = await Promise.all([
    keptScorecardParts(store, run, options),
    currentCalibrations(store, run),
  ]);
  return { scorecard: assembleScorecard(run, parts, options, calibrations), parts };
}

/** The run's scorecard parts: kept ones when the store has them, else streamed (and kept when the run is over). */
export async function keptScorecardParts(
  store: Store,
  run: RunRecord,
  options: ScorecardOptions = {},
): Promise<ScorecardParts> {
  const scoreSet = run.scoreSet ?? 1;
  const key = scorecardKey(options);
  const kept = (await store.getScorecard(run.id, scoreSet, key)) as ScorecardParts | undefined;
  if (kept) return kept;
  const parts = await scorecardParts(store, run, options);
  // a running run gains rows (writing results also forgets a kept card)
  if (run.status !== "running") {
    // keeping is an optimisation: a store that refuses the write (read-only, busy) still answers
    await store.putScorecard(run.id, scoreSet, key, parts).catch(() => {});
  }
  return parts;
}

/** Which kept parts fit these settings: bands only label means at assembly, the others change the parts. */
export function scorecardKey(options: ScorecardOptions = {}): string {
  return hashValue({ v: PARTS_VERSION, ...options, bands: undefined });
}

/** Bumped whenever ScorecardParts changes shape, so parts kept by an older assay are rebuilt. */
const PARTS_VERSION = 2;
