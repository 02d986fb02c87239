import type { Case } from "../dataset/case.ts";
import type { Output } from "../targets/types.ts";

/**
 * The system of record. Scorecards, comparisons and reports are pure functions of these rows.
 * Implementations: sqlite/ (embedded, default); every store passes the same test suite.
 */

export type RunStatus = "running" | "completed" | "interrupted" | "failed";

/** Everything needed to reproduce a run or to know why two runs differ. Secrets removed. */
export interface RunLineage {
  suiteHash: string;
  suiteFile?: string;
  datasetVersion: string;
  datasetFiles: string[];
  targetConfigHash: string;
  /** dimension → evaluator id (`kind@version`) */
  evaluators: Record<string, string>;
  gitCommit?: string;
  toolVersion: string;
  nodeVersion: string;
}

/** The scoring configuration pinned with the run, so a stored scorecard needs no suite file. */
export interface DimensionRecord {
  evaluator: string;
  kind: string;
  weight: number;
  threshold: number;
  /** how epochs combine: mean (default), majority, max (pass@k), all (pass^k) */
  reduce?: "mean" | "majority" | "max" | "all";
  with?: Record<string, unknown>;
}

export interface RunRecord {
  id: string;
  suite: string;
  target: string;
  targetKind: string;
  datasetVersion: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  epochs: number;
  /** cases in the dataset version (not counting epochs) */
  caseCount: number;
  lineage: RunLineage;
  /** the target's configuration with secrets removed */
  targetConfig: Record<string, unknown>;
  dimensions: Record<string, DimensionRecord>;
  /** labels such as baseline tags (`main`) */
  tags: string[];
}

export interface StoredCase extends Case {
  datasetVersion: string;
  ordinal: number;
}

export interface StoredOutput extends Output {
  runId: string;
  caseId: string;
  epoch: number;
  createdAt: string;
}

export interface StoredScore {
  runId: string;
  caseId: string;
  epoch: number;
  dimension: string;
  evaluator: string;
  /** null = unscored, with `reason` saying why */
  score: number | null;
  passed: boolean | null;
  reason: string;
  details?: Record<string, unknown>;
}

export interface RunFilter {
  suite?: string;
  target?: string;
  status?: RunStatus;
  tag?: string;
  limit?: number;
}

export type RunPatch = Partial<
  Pick<RunRecord, "status" | "finishedAt" | "caseCount" | "dimensions" | "lineage" | "tags">
>;

/** `caseId` and `epoch` joined; the identity of one result within a run. */
export function resultKey(caseId: string, epoch: number): string {
  return `${caseId}\u0000${epoch}`;
}

export interface Store {
  readonly kind: string;
  createRun(run: RunRecord): Promise<void>;
  updateRun(id: string, patch: RunPatch): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** newest first */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  deleteRun(id: string): Promise<void>;
  /** cases are stored once per dataset version; re-putting the same case is a no-op */
  putCases(datasetVersion: string, cases: Array<{ case: Case; ordinal: number }>): Promise<void>;
  listCases(datasetVersion: string): Promise<StoredCase[]>;
  /** outputs and their scores, written in one transaction */
  writeResults(batch: { outputs: StoredOutput[]; scores: StoredScore[] }): Promise<void>;
  /** keys (resultKey) of the (case, epoch) pairs that already have a stored output */
  storedResultKeys(runId: string): Promise<Set<string>>;
  listOutputs(runId: string): Promise<StoredOutput[]>;
  listScores(runId: string): Promise<StoredScore[]>;
  /** replaces every score of a run (rescore) in one transaction */
  replaceScores(runId: string, scores: StoredScore[]): Promise<void>;
  close(): Promise<void>;
}
