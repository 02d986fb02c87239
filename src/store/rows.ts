import type { Case } from "../core/case.ts";
import type {
  CasesTable,
  LabelsTable,
  OutputsTable,
  RunShardsTable,
  RunsTable,
  ScoreSetsTable,
  ScoresTable,
} from "./schema.ts";
import type {
  LabelRecord,
  RunLease,
  RunPatch,
  RunRecord,
  ScoreSet,
  ShardStatus,
  StoredCase,
  StoredOutput,
  StoredScore,
} from "./types.ts";

/** Conversions between records and rows, shared by every SQL backend. */

/** A JSON column: text, or NULL for undefined. */
export const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
export const parse = <T>(v: string | null): T | undefined => (v === null ? undefined : (JSON.parse(v) as T));

export function runToRow(r: RunRecord): RunsTable {
  return {
    id: r.id,
    suite: r.suite,
    target: r.target,
    target_kind: r.targetKind,
    dataset_version: r.datasetVersion,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt ?? null,
    epochs: r.epochs,
    case_count: r.caseCount,
    lineage: JSON.stringify(r.lineage),
    target_config: JSON.stringify(r.targetConfig),
    dimensions: JSON.stringify(r.dimensions),
    tags: JSON.stringify(r.tags),
    status_reason: r.statusReason ?? null,
    score_set: r.scoreSet ?? 1,
    lease_token: null,
    lease_host: null,
    lease_pid: null,
    lease_heartbeat_at: null,
    lease_expires_at: null,
  };
}

/** Only the columns a patch names, so concurrent patches of different fields do not undo each other. */
export function runPatchToRow(patch: RunPatch): Partial<RunsTable> {
  const row: Partial<RunsTable> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if ("statusReason" in patch) row.status_reason = patch.statusReason ?? null;
  if (patch.scoreSet !== undefined) row.score_set = patch.scoreSet;
  if ("finishedAt" in patch) row.finished_at = patch.finishedAt ?? null;
  if (patch.caseCount !== undefined) row.case_count = patch.caseCount;
  if (patch.dimensions !== undefined) row.dimensions = JSON.stringify(patch.dimensions);
  if (patch.lineage !== undefined) row.lineage = JSON.stringify(patch.lineage);
  if (patch.tags !== undefined) row.tags = JSON.stringify(patch.tags);
  return row;
}

export function rowToRun(row: RunsTable): RunRecord {
  const run: RunRecord = {
    id: row.id,
    suite: row.suite,
    target: row.target,
    targetKind: row.target_kind,
    datasetVersion: row.dataset_version,
    status: row.status as RunRecord["status"],
    startedAt: row.started_at,
    epochs: Number(row.epochs),
    caseCount: Number(row.case_count),
    lineage: JSON.parse(row.lineage),
    targetConfig: JSON.parse(row.target_config),
    dimensions: JSON.parse(row.dimensions),
    tags: JSON.parse(row.tags),
    scoreSet: Number(row.score_set),
  };
  if (row.finished_at !== null) run.finishedAt = row.finished_at;
  if (row.status_reason !== null) run.statusReason = row.status_reason;
  return run;
}

export function caseToRow(datasetVersion: string, c: Case, ordinal: number): CasesTable {
  return {
    dataset_version: datasetVersion,
    case_id: c.id,
    ordinal,
    input: JSON.stringify(c.input),
    expected: json(c.expected),
    tags: JSON.stringify(c.tags),
    cluster: c.cluster ?? null,
  };
}

export function rowToCase(row: CasesTable): StoredCase {
  const c: StoredCase = {
    datasetVersion: row.dataset_version,
    id: row.case_id,
    ordinal: Number(row.ordinal),
    input: JSON.parse(row.input),
    tags: JSON.parse(row.tags),
  };
  const expected = parse(row.expected);
  if (expected !== undefined) c.expected = expected;
  if (row.cluster !== null) c.cluster = row.cluster;
  return c;
}

export function outputToRow(o: StoredOutput): OutputsTable {
  return {
    run_id: o.runId,
    case_id: o.caseId,
    epoch: o.epoch,
    text: o.text,
    json: json(o.json),
    trace: json(o.trace),
    usage: json(o.usage),
    cost_usd: o.costUsd ?? null,
    latency_ms: o.latencyMs,
    ttft_ms: o.ttftMs ?? null,
    attempts: o.attempts,
    error_class: o.error?.class ?? null,
    error_message: o.error?.message ?? null,
    error_status: o.error?.status ?? null,
    created_at: o.createdAt,
    cached: o.cached === true ? 1 : null,
    confidence: o.confidence ?? null,
  };
}

export function rowToOutput(row: OutputsTable): StoredOutput {
  const o: StoredOutput = {
    runId: row.run_id,
    caseId: row.case_id,
    epoch: Number(row.epoch),
    text: row.text,
    latencyMs: Number(row.latency_ms),
    attempts: Number(row.attempts),
    createdAt: row.created_at,
  };
  const j = parse(row.json);
  if (j !== undefined) o.json = j;
  const trace = parse<StoredOutput["trace"]>(row.trace);
  if (trace !== undefined) o.trace = trace;
  const usage = parse<StoredOutput["usage"]>(row.usage);
  if (usage !== undefined) o.usage = usage;
  if (row.cost_usd !== null) o.costUsd = Number(row.cost_usd);
  if (row.ttft_ms !== null) o.ttftMs = Number(row.ttft_ms);
  if (row.cached !== null && row.cached !== undefined && Number(row.cached) === 1) o.cached = true;
  if (row.confidence !== null && row.confidence !== undefined) o.confidence = Number(row.confidence);
  if (row.error_class !== null) {
    o.error = {
      class: row.error_class as NonNullable<StoredOutput["error"]>["class"],
      message: row.error_message ?? "",
    };
    if (row.error_status !== null) o.error.status = Number(row.error_status);
  }
  return o;
}

export function scoreToRow(s: StoredScore): ScoresTable {
  return {
    run_id: s.runId,
    case_id: s.caseId,
    epoch: s.epoch,
    dimension: s.dimension,
    score_set: s.scoreSet ?? 1,
    evaluator: s.evaluator,
    score: s.score,
    passed: s.passed === null ? null : s.passed ? 1 : 0,
    reason: s.reason,
    details: json(s.details),
  };
}

export function rowToScore(row: ScoresTable): StoredScore {
  const s: StoredScore = {
    runId: row.run_id,
    caseId: row.case_id,
    epoch: Number(row.epoch),
    dimension: row.dimension,
    evaluator: row.evaluator,
    score: row.score === null ? null : Number(row.score),
    passed: row.passed === null ? null : Number(row.passed) === 1,
    reason: row.reason,
  };
  const details = parse<Record<string, unknown>>(row.details);
  if (details !== undefined) s.details = details;
  // Set 1 (the run's own scoring) is the default and left implicit.
  if (Number(row.score_set) !== 1) s.scoreSet = Number(row.score_set);
  return s;
}

export function labelToRow(l: LabelRecord): LabelsTable {
  return {
    id: l.id,
    run_id: l.runId,
    case_id: l.caseId,
    epoch: l.epoch,
    dimension: l.dimension,
    kind: l.kind,
    value: JSON.stringify(l.value),
    other_run_id: l.otherRunId ?? null,
    labeller: l.labeller,
    comment: l.comment ?? null,
    created_at: l.createdAt,
    supersedes: l.supersedes ?? null,
    queue_id: l.queueId ?? null,
  };
}

export function rowToLabel(row: LabelsTable): LabelRecord {
  const l: LabelRecord = {
    id: row.id,
    runId: row.run_id,
    caseId: row.case_id,
    epoch: Number(row.epoch),
    dimension: row.dimension,
    kind: row.kind as LabelRecord["kind"],
    value: JSON.parse(row.value),
    labeller: row.labeller,
    createdAt: row.created_at,
  };
  if (row.other_run_id !== null) l.otherRunId = row.other_run_id;
  if (row.comment !== null) l.comment = row.comment;
  if (row.supersedes !== null) l.supersedes = row.supersedes;
  if (row.queue_id !== null) l.queueId = row.queue_id;
  return l;
}

export function scoreSetToRow(set: ScoreSet): ScoreSetsTable {
  return {
    run_id: set.runId,
    id: set.id,
    status: set.status,
    dimensions: JSON.stringify(set.dimensions),
    created_at: set.createdAt,
    finished_at: set.finishedAt ?? null,
  };
}

export function rowToScoreSet(row: ScoreSetsTable): ScoreSet {
  const set: ScoreSet = {
    runId: row.run_id,
    id: Number(row.id),
    status: row.status as ScoreSet["status"],
    dimensions: JSON.parse(row.dimensions),
    createdAt: row.created_at,
  };
  if (row.finished_at !== null) set.finishedAt = row.finished_at;
  return set;
}

/** The lease columns a runs row and a run_shards row share. */
export type LeaseColumns = Pick<
  RunsTable,
  "lease_token" | "lease_host" | "lease_pid" | "lease_heartbeat_at" | "lease_expires_at"
>;

export const LEASE_COLUMNS = [
  "lease_token",
  "lease_host",
  "lease_pid",
  "lease_heartbeat_at",
  "lease_expires_at",
] as const;

export function leaseToRow(lease: RunLease | null): LeaseColumns {
  return {
    lease_token: lease?.token ?? null,
    lease_host: lease?.host ?? null,
    lease_pid: lease?.pid ?? null,
    lease_heartbeat_at: lease?.heartbeatAt ?? null,
    lease_expires_at: lease?.expiresAt ?? null,
  };
}

/** undefined when nobody holds the lease */
export function rowToLease(row: LeaseColumns): RunLease | undefined {
  if (row.lease_token === null) return undefined;
  return {
    token: row.lease_token,
    host: row.lease_host ?? "",
    pid: Number(row.lease_pid),
    heartbeatAt: row.lease_heartbeat_at ?? "",
    expiresAt: row.lease_expires_at ?? "",
  };
}

export function rowToShard(row: RunShardsTable): ShardStatus {
  const shard: ShardStatus = {
    runId: row.run_id,
    index: Number(row.shard_index),
    count: Number(row.shard_count),
    status: row.status as ShardStatus["status"],
    updatedAt: row.updated_at,
  };
  if (row.status_reason !== null) shard.statusReason = row.status_reason;
  if (row.planned !== null) shard.planned = Number(row.planned);
  const lease = rowToLease(row);
  if (lease) shard.lease = lease;
  return shard;
}
