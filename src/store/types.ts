import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import type { ProductionStore } from "./production.ts";

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
  /** dimension → evaluator id (`kind@version#settings-hash`) of the run's current score set */
  evaluators: Record<string, string>;
  gitCommit?: string;
  toolVersion: string;
  nodeVersion: string;
  /** where the run was made: host, user, and the CI job when there was one */
  origin?: RunOrigin;
  /** the run holds only shard I of N of the dataset (`assay run --shard`); `assay merge` joins shards */
  shard?: { index: number; count: number };
  /**
   * the run is written by N shard processes together on a shared store (`--shard I/N --run-id ID`
   * on PostgreSQL); each shard's status is in `Store.listShards`
   */
  shards?: number;
}

/** Where a run was made, shown beside runs gathered from many machines on a shared server. */
export interface RunOrigin {
  host: string;
  user: string;
  /** the CI job's page (GitHub Actions, GitLab CI, Buildkite, or ASSAY_ORIGIN_URL) */
  ciUrl?: string;
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
  /** the evaluator's time limit per output, ms, as the run applied it */
  evaluatorTimeoutMs?: number;
}

export interface RunRecord {
  id: string;
  suite: string;
  target: string;
  targetKind: string;
  datasetVersion: string;
  status: RunStatus;
  /** why the run is `failed` or `interrupted` (a failed write, a lost lease, Ctrl-C) */
  statusReason?: string;
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
  /**
   * The score set this record shows: the run's newest completed one, unless the record was
   * resolved as `RUN@N` (then `dimensions` and `lineage.evaluators` are that set's).
   */
  scoreSet?: number;
}

/**
 * One scoring of a run's outputs. The run's own scoring is set 1; each `rescore` adds the next,
 * leaving the older sets readable. Only a completed set becomes the run's current one.
 */
export interface ScoreSet {
  runId: string;
  id: number;
  status: "running" | "completed";
  /** the dimensions (and so the evaluator ids) the set was scored with */
  dimensions: Record<string, DimensionRecord>;
  createdAt: string;
  finishedAt?: string;
}

/** Who drives a run: one process at a time holds its lease and renews it by heartbeat. */
export interface RunLease {
  /** random per process and run; the compare-and-swap key */
  token: string;
  host: string;
  pid: number;
  heartbeatAt: string;
  /** past this instant the lease is free for the taking */
  expiresAt: string;
}

/** Shard I of N (1-based index), as `--shard I/N` names it. */
export interface ShardRef {
  index: number;
  count: number;
}

/** One shard of a run written by several processes together (see RunLineage.shards). */
export interface ShardStatus {
  runId: string;
  index: number;
  count: number;
  status: RunStatus;
  statusReason?: string;
  /** the (case, epoch) results the shard must hold, once it has read the dataset through */
  planned?: number;
  updatedAt: string;
  /** the shard's driver, while one holds it */
  lease?: RunLease;
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
  /** the score set the score belongs to (default 1, the run's own scoring) */
  scoreSet?: number;
  /** null = unscored, with `reason` saying why */
  score: number | null;
  passed: boolean | null;
  reason: string;
  details?: Record<string, unknown>;
}

/** See Store.pageResults. */
export interface ResultPage {
  total: number;
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
}

/**
 * One run's results as columns (Store.readResultColumns): what a comparison of large runs reads
 * instead of row objects. Rows of every column are in the cases' ordinal order (ordinals are unique
 * within a dataset version), so two runs pair by a merge.
 */
export interface ResultColumns {
  /** the dataset version's cases that have an output in the run, in ordinal order, each once */
  cases: {
    ids: string[];
    ordinals: Int32Array;
    tags: Array<Record<string, string>>;
    clusters: Array<string | undefined>;
  };
  /** the run's outputs of those cases, in case then epoch order; `case` indexes `cases` */
  outputs: {
    case: Int32Array;
    epoch: Int32Array;
    /** 1 when the output is an error */
    errored: Uint8Array;
    latencyMs: Float64Array;
    /** NaN where no cost was recorded */
    costUsd: Float64Array;
  };
  /** every output of the run and how many are errors, counting any whose case is not in the version */
  outputCount: number;
  errorCount: number;
  /** the score set's scores of those cases, in case, epoch, then dimension order */
  scores: {
    case: Int32Array;
    epoch: Int32Array;
    /** indexes `dimensions` */
    dimension: Uint16Array;
    /** NaN: unscored (a null score) */
    score: Float64Array;
    /** 1 passed, 0 failed, 2 no verdict (null) */
    passed: Uint8Array;
  };
  /** the dimension names the scores carry */
  dimensions: string[];
}

export interface RunFilter {
  suite?: string;
  target?: string;
  status?: RunStatus;
  tag?: string;
  limit?: number;
}

export type RunPatch = Partial<
  Pick<
    RunRecord,
    "status" | "statusReason" | "finishedAt" | "caseCount" | "dimensions" | "lineage" | "tags" | "scoreSet"
  >
>;

/** `caseId` and `epoch` joined; the identity of one result within a run. */
export function resultKey(caseId: string, epoch: number): string {
  return `${caseId}\u0000${epoch}`;
}

/** A human judgment of one output on one dimension (DESIGN.md §1 labels). Edits add rows; history is kept. */
export interface LabelRecord {
  id: string;
  runId: string;
  caseId: string;
  epoch: number;
  dimension: string;
  /** binary (value 0/1 or pass/fail), ordinal (a number on the declared scale), nominal, or pairwise */
  kind: "binary" | "ordinal" | "nominal" | "pairwise";
  /** the judgment; for pairwise: "a" | "b" | "tie" where a = runId's output and b = otherRunId's */
  value: string | number;
  /** pairwise only: the run whose output was compared */
  otherRunId?: string;
  labeller: string;
  comment?: string;
  createdAt: string;
  /** the label this one replaces (an edit); the newest per (run, case, epoch, dimension, labeller, otherRun) is current */
  supersedes?: string;
  /** review queue the label was given in */
  queueId?: string;
}

export interface LabelFilter {
  runId?: string;
  dimension?: string;
  labeller?: string;
  queueId?: string;
  /** include superseded labels (history) */
  history?: boolean;
}

/** A review queue: outputs sampled for experts to label (blind to evaluator scores). */
export interface ReviewQueue {
  id: string;
  runId: string;
  dimension: string;
  /** pairwise mode compares with this run's outputs */
  otherRunId?: string;
  kind: LabelRecord["kind"];
  /** ordinal scale, e.g. [1, 5]; nominal categories */
  scale?: Array<string | number>;
  labellers: string[];
  createdAt: string;
  items: Array<{
    caseId: string;
    epoch: number;
    /** who should label it (overlap items list several) */
    labellers: string[];
    /** pairwise: show the other run's output on the left */
    swapped?: boolean;
  }>;
}

/** Agreement of an evaluator version with a set of human labels. */
export interface CalibrationRecord {
  id: string;
  /** evaluator id (`kind@version`) the record is bound to */
  evaluator: string;
  dimension: string;
  runId?: string;
  /** hash of the label set used; a new label makes the record stale */
  labelSetHash: string;
  n: number;
  /** the calibration report (agreement, kappa, alpha, …) */
  metrics: Record<string, unknown>;
  createdAt: string;
}

/**
 * A stored `assay probe` report. The store keeps the report as JSON without reading it (the store
 * knows only core/); its shape is the probe's `ProbeReport`.
 */
export interface ProbeRecord {
  /** `probe-YYYYMMDD-HHMMSS-TARGET-xxxx` */
  id: string;
  /** the suite the target was taken from */
  suite: string;
  target: string;
  createdAt: string;
  report: Record<string, unknown>;
}

export interface ProbeFilter {
  suite?: string;
  target?: string;
  limit?: number;
}

export interface Store {
  readonly kind: string;
  /** production records, monitors' online scores, alerts and reviews (issue 11) */
  readonly production: ProductionStore;
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
  /** keys (resultKey) of the (case, epoch) pairs with at least one score in the score set */
  scoredResultKeys(runId: string, scoreSet: number): Promise<Set<string>>;
  /** whether the run has stored an output for (case, epoch): one indexed lookup */
  hasOutput(runId: string, caseId: string, epoch: number): Promise<boolean>;
  /** how many (case, epoch) outputs the run has stored */
  countOutputs(runId: string): Promise<number>;
  listOutputs(runId: string): Promise<StoredOutput[]>;
  /** the scores of one score set (default: the run's current one) */
  listScores(runId: string, scoreSet?: number): Promise<StoredScore[]>;
  /** oldest first */
  listScoreSets(runId: string): Promise<ScoreSet[]>;
  createScoreSet(set: ScoreSet): Promise<void>;
  /** marks a set completed and makes it the run's current one (dimensions and evaluator ids too) */
  completeScoreSet(runId: string, id: number, finishedAt: string): Promise<void>;
  /**
   * Leases: the whole run's (on its row), or with `shard` one shard's (on its run_shards row,
   * which a claim creates when missing, status `running`).
   */
  getLease(runId: string, shard?: ShardRef): Promise<RunLease | undefined>;
  /**
   * Takes the run's lease when its current holder's token is `expectedToken` (null: nobody holds
   * it). Atomic compare-and-swap: of two processes racing for one lease, exactly one gets it.
   */
  claimLease(
    runId: string,
    lease: RunLease,
    expectedToken: string | null,
    shard?: ShardRef,
  ): Promise<boolean>;
  /** extends a lease still held under `token`; false when it was lost (taken over) */
  renewLease(
    runId: string,
    token: string,
    heartbeatAt: string,
    expiresAt: string,
    shard?: ShardRef,
  ): Promise<boolean>;
  releaseLease(runId: string, token: string, shard?: ShardRef): Promise<void>;
  /** records a shard's status, reason and planned count (creating its row), leaving its lease alone */
  putShardStatus(status: ShardStatus): Promise<void>;
  /** the run's shards that have started, by index */
  listShards(runId: string): Promise<ShardStatus[]>;
  /**
   * One page of a run's results without reading the whole run: the dataset version's cases that
   * have at least one output in the run, in ordinal order from `offset`, with all their outputs
   * (case, then epoch order) and scores, plus `total`, the number of such cases.
   */
  pageResults(
    runId: string,
    datasetVersion: string,
    page: { offset: number; limit: number },
    scoreSet?: number,
  ): Promise<ResultPage>;
  /**
   * One page of a dataset version's cases in ordinal order after `afterOrdinal` (every case, with
   * or without results), with this run's outputs and scores of them: streaming a large run in
   * pages of `limit` cases keeps memory flat (the streaming scorecard reads this way).
   */
  readCasePage(
    runId: string,
    datasetVersion: string,
    page: { afterOrdinal: number; limit: number },
    scoreSet?: number,
  ): Promise<{ cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] }>;
  /**
   * Order statistics of the run's successful outputs' latencies: the value at each 0-based rank
   * in ascending order (NaN past the end), sorted by the database, not in memory.
   */
  latencyAt(runId: string, ranks: number[]): Promise<number[]>;
  /**
   * How many successful outputs fall in each bin ⌊(latency − lo) / width⌋ (bins of values below
   * `lo` are negative): a latency histogram counted by the database.
   */
  latencyBins(runId: string, lo: number, width: number): Promise<Map<number, number>>;
  /** a kept scorecard (see putScorecard), or undefined */
  getScorecard(runId: string, scoreSet: number, optionsHash: string): Promise<unknown | undefined>;
  /** keeps a finished run's scorecard; writing results to the run forgets it */
  putScorecard(runId: string, scoreSet: number, optionsHash: string, card: unknown): Promise<void>;
  /** human labels: adding one with `supersedes` keeps the old one as history */
  addLabels(labels: LabelRecord[]): Promise<void>;
  /** current labels (newest per output, dimension, labeller and other run) unless `history` */
  listLabels(filter?: LabelFilter): Promise<LabelRecord[]>;
  createQueue(queue: ReviewQueue): Promise<void>;
  getQueue(id: string): Promise<ReviewQueue | undefined>;
  listQueues(): Promise<ReviewQueue[]>;
  putCalibration(record: CalibrationRecord): Promise<void>;
  /** newest first */
  listCalibrations(filter?: { evaluator?: string; dimension?: string }): Promise<CalibrationRecord[]>;
  /** stores a probe report; an id already stored fails */
  saveProbe(record: ProbeRecord): Promise<void>;
  /** newest first */
  listProbes(filter?: ProbeFilter): Promise<ProbeRecord[]>;
  getProbe(id: string): Promise<ProbeRecord | undefined>;
  /**
   * A run's results as columns for the cases of `datasetVersion` it has outputs for (see
   * ResultColumns): a few queries, no row objects kept, memory a few bytes per score.
   */
  readResultColumns(runId: string, datasetVersion: string, scoreSet?: number): Promise<ResultColumns>;
  /** the outputs (case, epoch order) and scores of the named cases of one run; unknown ids are skipped */
  listResultsOf(
    runId: string,
    caseIds: readonly string[],
    scoreSet?: number,
  ): Promise<{ outputs: StoredOutput[]; scores: StoredScore[] }>;
  close(): Promise<void>;
}
