import type { RunRecord } from "../../store/types.ts";

/**
 * The dataset versions a store has seen, from its runs: the store keeps a version's cases only
 * when a run used it, so the runs are the history. Pure.
 */

export interface RunMark {
  id: string;
  target: string;
  startedAt: string;
}

export interface DatasetVersionRow {
  suite: string;
  /** the content hash of the canonicalised cases (`run.datasetVersion`) */
  version: string;
  /** cases in the version */
  cases: number;
  runs: number;
  completedRuns: number;
  /** the targets run on it, sorted */
  targets: string[];
  firstRun: RunMark;
  lastRun: RunMark;
  /** the suite's dataset files hash to this version now */
  current: boolean;
}

/**
 * One row per (suite, dataset version), newest last run first. `current` marks the version the
 * suite's files have now (computed by the caller; a version no run used yet is not listed).
 */
export function datasetVersions(runs: RunRecord[], current?: string): DatasetVersionRow[] {
  const rows = new Map<string, DatasetVersionRow & { targetSet: Set<string> }>();
  for (const run of runs) {
    const key = `${run.suite}\u0000${run.datasetVersion}`;
    const mark: RunMark = { id: run.id, target: run.target, startedAt: run.startedAt };
    let row = rows.get(key);
    if (!row) {
      row = {
        suite: run.suite,
        version: run.datasetVersion,
        cases: run.caseCount,
        runs: 0,
        completedRuns: 0,
        targets: [],
        targetSet: new Set(),
        firstRun: mark,
        lastRun: mark,
        current: run.datasetVersion === current,
      };
      rows.set(key, row);
    }
    row.runs++;
    if (run.status === "completed") row.completedRuns++;
    row.targetSet.add(run.target);
    // a shard's run counts only its own cases: the version's size is the largest count seen
    row.cases = Math.max(row.cases, run.caseCount);
    if (run.startedAt < row.firstRun.startedAt) row.firstRun = mark;
    if (run.startedAt > row.lastRun.startedAt) row.lastRun = mark;
  }
  return [...rows.values()]
    .map(({ targetSet, ...row }) => ({ ...row, targets: [...targetSet].sort() }))
    .sort((a, b) => (a.lastRun.startedAt < b.lastRun.startedAt ? 1 : -1));
}
