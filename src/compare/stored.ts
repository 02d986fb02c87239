import type { RunRecord, Store } from "../store/types.ts";
import { type CaseTable, caseTableOf, flipDetailsOf } from "./columns.ts";
import { type CompareOptions, checkComparable, compareTables, contentChange } from "./compare.ts";
import type { Comparison } from "./types.ts";

/**
 * Comparisons read from the store as columns. Kept apart from load.ts (suites, gates, scorecards)
 * so `assay compare` loads only what a comparison needs.
 */

/** A run's case table (epochs reduced, as columns) from the store's result columns. */
export async function loadCaseTable(store: Store, run: RunRecord): Promise<CaseTable> {
  return caseTableOf(run, await store.readResultColumns(run.id, run.datasetVersion, run.scoreSet));
}

/**
 * compareRuns on the store: both runs' results read as columns (one pass each, no row objects),
 * and only the flipped cases' outputs and reasons read as rows. The same comparison as
 * compareRuns(loadRunRows(base), loadRunRows(candidate)) at a fraction of the memory.
 */
export async function compareStoredRuns(
  store: Store,
  base: RunRecord,
  candidate: RunRecord,
  opts: CompareOptions = {},
): Promise<Comparison> {
  checkComparable(base, candidate, opts);
  const [b, c] = await Promise.all([loadCaseTable(store, base), loadCaseTable(store, candidate)]);
  return compareCaseTables(store, b, c, opts);
}

/** compareTables on two runs read as case tables; the flipped cases' rows are read from the store. */
export async function compareCaseTables(
  store: Store,
  base: CaseTable,
  candidate: CaseTable,
  opts: CompareOptions,
): Promise<Comparison> {
  const changedEvaluators = checkComparable(base.run, candidate.run, opts);
  // Content is compared only across dataset versions (--intersect), the one case that needs it.
  const changed =
    base.run.datasetVersion === candidate.run.datasetVersion
      ? undefined
      : contentChange(
          await store.listCases(base.run.datasetVersion),
          await store.listCases(candidate.run.datasetVersion),
        );
  const paired = compareTables(base, candidate, opts, changedEvaluators, changed);
  const details = async (run: RunRecord) => {
    const rows = await store.listResultsOf(run.id, paired.flipCaseIds, run.scoreSet);
    return flipDetailsOf(rows.outputs, rows.scores);
  };
  const [baseDetails, candDetails] = await Promise.all([details(base.run), details(candidate.run)]);
  return paired.finish(baseDetails, candDetails);
}
