import { type Kysely, sql } from "kysely";
import type { Trace, Usage } from "../core/output.ts";
import { json, parse } from "./rows.ts";

/**
 * The production side of the store (issue 11): records of live traffic, the online scores of
 * each monitor, the alerts it raised and the records waiting for a person's review. Kept apart
 * from the run tables: a record is not a case of a dataset version, and a monitor is not a run.
 * One implementation over Kysely, like SqlStore, so SQLite and PostgreSQL behave alike.
 */

/** One production interaction, as ingested (`assay ingest`, `POST /v1/records`, `POST /v1/traces`). */
export interface ProductionRecord {
  id: string;
  /** ISO 8601, UTC */
  time: string;
  input: unknown;
  /** the answer users saw: a string, or JSON */
  output: unknown;
  trace?: Trace;
  /** string, number or boolean values; a monitor's `filter` matches on them, slices come from them */
  metadata: Record<string, unknown>;
  model?: string;
  usage?: Usage;
  latencyMs?: number;
  costUsd?: number;
  /** `ingest --monitor NAME`: the record belongs to that monitor only */
  monitor?: string;
  source: "jsonl" | "api" | "otlp";
}

export interface StoredRecord extends ProductionRecord {
  ingestedAt: string;
}

/** How a monitor dealt with a record: scored, or passed over (filter, sample) — each exactly once. */
export type MonitorRecordStatus = "scored" | "filtered" | "unsampled";

export interface RecordScore {
  monitor: string;
  recordId: string;
  recordTime: string;
  dimension: string;
  evaluator: string;
  score: number | null;
  passed: boolean | null;
  reason: string;
  details?: Record<string, unknown>;
}

export interface MonitorVisit {
  recordId: string;
  recordTime: string;
  status: MonitorRecordStatus;
  scores: RecordScore[];
}

/** A record as a monitor saw it: what windows, slices and drift tests are computed from. */
export interface ScoredRecord {
  recordId: string;
  recordTime: string;
  metadata: Record<string, unknown>;
  scores: RecordScore[];
}

export type AlertKind = "cusum" | "ks" | "chi2";

export interface MonitorAlert {
  id: string;
  monitor: string;
  /** a dimension, or a feature (`input.length`, `input.language`, `output.category`, `metadata.KEY`) */
  dimension: string;
  kind: AlertKind;
  /** start of the window where it was first seen (ISO time, or `#N` for record-count windows) */
  window: string;
  statistic: number;
  p?: number;
  openedAt: string;
  lastSeenAt: string;
  closedAt?: string;
  /** when the webhook or command was last told (one notification per episode, cooldown between) */
  notifiedAt?: string;
  notifyError?: string;
}

export type ReviewReason = "threshold" | "alert" | "person";
export type ReviewStatus = "pending" | "confirmed" | "dismissed" | "promoted";

export interface RecordReview {
  recordId: string;
  monitor: string;
  reason: ReviewReason;
  /** e.g. the failed dimensions, the alert id, the person's note */
  detail?: string;
  status: ReviewStatus;
  /** who flagged it (reason person) or decided it */
  by?: string;
  createdAt: string;
  decidedAt?: string;
  /** the dataset file and case id it became */
  promotedTo?: string;
}

export interface RecordFilter {
  monitor?: string;
  /** ISO bounds, inclusive from, exclusive to */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export interface ProductionStore {
  /** inserts records whose id is new; one transaction: all of them or none */
  putRecords(
    records: ProductionRecord[],
    ingestedAt: string,
  ): Promise<{ inserted: number; duplicates: number }>;
  getRecord(id: string): Promise<StoredRecord | undefined>;
  /** the records with these ids (missing ones left out), in no particular order */
  getRecords(ids: string[]): Promise<StoredRecord[]>;
  /** newest first */
  listRecords(filter?: RecordFilter): Promise<StoredRecord[]>;
  countRecords(): Promise<number>;
  /**
   * Records the monitor has not visited yet, oldest first, at most `limit`; a record is visible to
   * a monitor when it names no monitor or names this one. `after` (the last record of the previous
   * page) starts past it, so paging through a pass reads each record once instead of skipping the
   * visited ones again on every page.
   */
  unvisitedRecords(
    monitor: string,
    limit: number,
    after?: { time: string; id: string },
  ): Promise<StoredRecord[]>;
  /**
   * Marks records visited with their scores, in one transaction. A record already visited is left
   * as it is (its first scores stand), so a rerun or a second process never stores a record twice.
   */
  recordVisits(monitor: string, visits: MonitorVisit[], at: string): Promise<number>;
  /** the monitor's scores, oldest record first */
  listRecordScores(monitor: string, filter?: { from?: string; recordId?: string }): Promise<RecordScore[]>;
  /** the monitor's scored records with their metadata and scores, oldest first (one query) */
  listScoredRecords(monitor: string): Promise<ScoredRecord[]>;
  countVisits(monitor: string): Promise<Record<MonitorRecordStatus, number>>;
  putAlert(alert: MonitorAlert): Promise<void>;
  /** newest first */
  listAlerts(monitor: string, opts?: { open?: boolean }): Promise<MonitorAlert[]>;
  /** adds a review unless the record already has one for the monitor; true when added */
  addReview(review: RecordReview): Promise<boolean>;
  updateReview(recordId: string, monitor: string, patch: Partial<RecordReview>): Promise<boolean>;
  listReviews(filter?: {
    monitor?: string;
    status?: ReviewStatus;
    recordId?: string;
  }): Promise<RecordReview[]>;
  /** the report of a monitor's latest pass (what the web app's monitor page shows) */
  putMonitorReport(monitor: string, report: unknown, at: string): Promise<void>;
  getMonitorReport(monitor: string): Promise<{ report: unknown; updatedAt: string } | undefined>;
  /** every monitor with a stored pass: name and time of its latest */
  listMonitors(): Promise<Array<{ monitor: string; updatedAt: string }>>;
}

/* ---------------------------------------------------------------- tables and rows */

export interface RecordsTable {
  id: string;
  time: string;
  input: string;
  output: string;
  trace: string | null;
  metadata: string;
  model: string | null;
  usage: string | null;
  latency_ms: number | null;
  cost_usd: number | null;
  monitor: string | null;
  source: string;
  ingested_at: string;
}

export interface MonitorRecordsTable {
  monitor: string;
  record_id: string;
  record_time: string;
  status: string;
  visited_at: string;
}

export interface RecordScoresTable {
  monitor: string;
  record_id: string;
  record_time: string;
  dimension: string;
  evaluator: string;
  score: number | null;
  passed: number | null;
  reason: string;
  details: string | null;
}

export interface MonitorAlertsTable {
  id: string;
  monitor: string;
  dimension: string;
  kind: string;
  window_start: string;
  statistic: number;
  p: number | null;
  opened_at: string;
  last_seen_at: string;
  closed_at: string | null;
  notified_at: string | null;
  notify_error: string | null;
}

export interface RecordReviewsTable {
  record_id: string;
  monitor: string;
  reason: string;
  detail: string | null;
  status: string;
  by_whom: string | null;
  created_at: string;
  decided_at: string | null;
  promoted_to: string | null;
}

export interface MonitorReportsTable {
  monitor: string;
  report: string;
  updated_at: string;
}

export interface ProductionTables {
  monitor_reports: MonitorReportsTable;
  records: RecordsTable;
  monitor_records: MonitorRecordsTable;
  record_scores: RecordScoresTable;
  monitor_alerts: MonitorAlertsTable;
  record_reviews: RecordReviewsTable;
}

/** Migration 8: the production tables (records, monitor visits and scores, alerts, reviews). */
export const PRODUCTION_MIGRATION = {
  version: 8,
  statements: [
    `CREATE TABLE records (
      id TEXT PRIMARY KEY, time TEXT NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL, trace TEXT,
      metadata TEXT NOT NULL, model TEXT, usage TEXT, latency_ms DOUBLE PRECISION, cost_usd DOUBLE PRECISION,
      monitor TEXT, source TEXT NOT NULL, ingested_at TEXT NOT NULL)`,
    "CREATE INDEX records_time ON records (time, id)",
    `CREATE TABLE monitor_records (
      monitor TEXT NOT NULL, record_id TEXT NOT NULL, record_time TEXT NOT NULL, status TEXT NOT NULL,
      visited_at TEXT NOT NULL, PRIMARY KEY (monitor, record_id))`,
    `CREATE TABLE record_scores (
      monitor TEXT NOT NULL, record_id TEXT NOT NULL, record_time TEXT NOT NULL, dimension TEXT NOT NULL,
      evaluator TEXT NOT NULL, score DOUBLE PRECISION, passed INTEGER, reason TEXT NOT NULL, details TEXT,
      PRIMARY KEY (monitor, record_id, dimension))`,
    "CREATE INDEX record_scores_time ON record_scores (monitor, record_time)",
    `CREATE TABLE monitor_alerts (
      id TEXT PRIMARY KEY, monitor TEXT NOT NULL, dimension TEXT NOT NULL, kind TEXT NOT NULL,
      window_start TEXT NOT NULL, statistic DOUBLE PRECISION NOT NULL, p DOUBLE PRECISION,
      opened_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, closed_at TEXT, notified_at TEXT, notify_error TEXT)`,
    "CREATE INDEX monitor_alerts_monitor ON monitor_alerts (monitor, opened_at)",
    `CREATE TABLE record_reviews (
      record_id TEXT NOT NULL, monitor TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT, status TEXT NOT NULL,
      by_whom TEXT, created_at TEXT NOT NULL, decided_at TEXT, promoted_to TEXT, PRIMARY KEY (record_id, monitor))`,
    "CREATE TABLE monitor_reports (monitor TEXT PRIMARY KEY, report TEXT NOT NULL, updated_at TEXT NOT NULL)",
  ],
};

function recordToRow(r: ProductionRecord, ingestedAt: string): RecordsTable {
  return {
    id: r.id,
    time: r.time,
    input: JSON.stringify(r.input ?? null),
    output: JSON.stringify(r.output ?? null),
    trace: json(r.trace),
    metadata: JSON.stringify(r.metadata),
    model: r.model ?? null,
    usage: json(r.usage),
    latency_ms: r.latencyMs ?? null,
    cost_usd: r.costUsd ?? null,
    monitor: r.monitor ?? null,
    source: r.source,
    ingested_at: ingestedAt,
  };
}

function rowToRecord(row: RecordsTable): StoredRecord {
  const r: StoredRecord = {
    id: row.id,
    time: row.time,
    input: JSON.parse(row.input),
    output: JSON.parse(row.output),
    metadata: JSON.parse(row.metadata),
    source: row.source as ProductionRecord["source"],
    ingestedAt: row.ingested_at,
  };
  const trace = parse<Trace>(row.trace);
  if (trace !== undefined) r.trace = trace;
  if (row.model !== null) r.model = row.model;
  const usage = parse<Usage>(row.usage);
  if (usage !== undefined) r.usage = usage;
  if (row.latency_ms !== null) r.latencyMs = Number(row.latency_ms);
  if (row.cost_usd !== null) r.costUsd = Number(row.cost_usd);
  if (row.monitor !== null) r.monitor = row.monitor;
  return r;
}

function rowToRecordScore(row: RecordScoresTable): RecordScore {
  const s: RecordScore = {
    monitor: row.monitor,
    recordId: row.record_id,
    recordTime: row.record_time,
    dimension: row.dimension,
    evaluator: row.evaluator,
    score: row.score === null ? null : Number(row.score),
    passed: row.passed === null ? null : Number(row.passed) === 1,
    reason: row.reason,
  };
  const details = parse<Record<string, unknown>>(row.details);
  if (details !== undefined) s.details = details;
  return s;
}

function alertToRow(a: MonitorAlert): MonitorAlertsTable {
  return {
    id: a.id,
    monitor: a.monitor,
    dimension: a.dimension,
    kind: a.kind,
    window_start: a.window,
    statistic: a.statistic,
    p: a.p ?? null,
    opened_at: a.openedAt,
    last_seen_at: a.lastSeenAt,
    closed_at: a.closedAt ?? null,
    notified_at: a.notifiedAt ?? null,
    notify_error: a.notifyError ?? null,
  };
}

function rowToAlert(row: MonitorAlertsTable): MonitorAlert {
  const a: MonitorAlert = {
    id: row.id,
    monitor: row.monitor,
    dimension: row.dimension,
    kind: row.kind as AlertKind,
    window: row.window_start,
    statistic: Number(row.statistic),
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
  };
  if (row.p !== null) a.p = Number(row.p);
  if (row.closed_at !== null) a.closedAt = row.closed_at;
  if (row.notified_at !== null) a.notifiedAt = row.notified_at;
  if (row.notify_error !== null) a.notifyError = row.notify_error;
  return a;
}

function reviewToRow(r: RecordReview): RecordReviewsTable {
  return {
    record_id: r.recordId,
    monitor: r.monitor,
    reason: r.reason,
    detail: r.detail ?? null,
    status: r.status,
    by_whom: r.by ?? null,
    created_at: r.createdAt,
    decided_at: r.decidedAt ?? null,
    promoted_to: r.promotedTo ?? null,
  };
}

function rowToReview(row: RecordReviewsTable): RecordReview {
  const r: RecordReview = {
    recordId: row.record_id,
    monitor: row.monitor,
    reason: row.reason as ReviewReason,
    status: row.status as ReviewStatus,
    createdAt: row.created_at,
  };
  if (row.detail !== null) r.detail = row.detail;
  if (row.by_whom !== null) r.by = row.by_whom;
  if (row.decided_at !== null) r.decidedAt = row.decided_at;
  if (row.promoted_to !== null) r.promotedTo = row.promoted_to;
  return r;
}

/** Rows per INSERT, well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 200;

/** The ProductionStore over any Kysely dialect (the run store's connection). */
export class SqlProductionStore implements ProductionStore {
  constructor(private readonly db: Kysely<ProductionTables>) {}

  async putRecords(
    records: ProductionRecord[],
    ingestedAt: string,
  ): Promise<{ inserted: number; duplicates: number }> {
    if (records.length === 0) return { inserted: 0, duplicates: 0 };
    let inserted = 0;
    // duplicates within one batch count once stored, the rest as duplicates
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < records.length; i += CHUNK) {
        const part = records.slice(i, i + CHUNK).map((r) => recordToRow(r, ingestedAt));
        const res = await trx
          .insertInto("records")
          .values(part)
          .onConflict((oc) => oc.column("id").doNothing())
          .executeTakeFirst();
        inserted += Number(res.numInsertedOrUpdatedRows ?? 0);
      }
    });
    return { inserted, duplicates: records.length - inserted };
  }

  async getRecord(id: string): Promise<StoredRecord | undefined> {
    const row = await this.db.selectFrom("records").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? rowToRecord(row) : undefined;
  }

  async getRecords(ids: string[]): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("records")
        .selectAll()
        .where("id", "in", ids.slice(i, i + CHUNK))
        .execute();
      out.push(...rows.map(rowToRecord));
    }
    return out;
  }

  async listRecords(filter: RecordFilter = {}): Promise<StoredRecord[]> {
    let q = this.db.selectFrom("records").selectAll();
    if (filter.monitor) {
      const m = filter.monitor;
      q = q.where((eb) => eb.or([eb("monitor", "is", null), eb("monitor", "=", m)]));
    }
    if (filter.from) q = q.where("time", ">=", filter.from);
    if (filter.to) q = q.where("time", "<", filter.to);
    q = q.orderBy("time", "desc").orderBy("id", "desc");
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    if (filter.offset !== undefined) q = q.offset(filter.offset);
    return (await q.execute()).map(rowToRecord);
  }

  async countRecords(): Promise<number> {
    const row = await this.db
      .selectFrom("records")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async unvisitedRecords(
    monitor: string,
    limit: number,
    after?: { time: string; id: string },
  ): Promise<StoredRecord[]> {
    let q = this.db
      .selectFrom("records as r")
      .selectAll("r")
      .where((eb) => eb.or([eb("r.monitor", "is", null), eb("r.monitor", "=", monitor)]));
    // a row-value comparison, so SQLite and PostgreSQL both walk the (time, id) index from there
    if (after) q = q.where(sql<boolean>`(r.time, r.id) > (${after.time}, ${after.id})`);
    const rows = await q
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("monitor_records as v")
              .select("v.record_id")
              .where("v.monitor", "=", monitor)
              .whereRef("v.record_id", "=", "r.id"),
          ),
        ),
      )
      .orderBy("r.time")
      .orderBy("r.id")
      .limit(limit)
      .execute();
    return rows.map(rowToRecord);
  }

  async recordVisits(monitor: string, visits: MonitorVisit[], at: string): Promise<number> {
    if (visits.length === 0) return 0;
    let added = 0;
    await this.db.transaction().execute(async (trx) => {
      for (const v of visits) {
        const res = await trx
          .insertInto("monitor_records")
          .values({
            monitor,
            record_id: v.recordId,
            record_time: v.recordTime,
            status: v.status,
            visited_at: at,
          })
          .onConflict((oc) => oc.columns(["monitor", "record_id"]).doNothing())
          .executeTakeFirst();
        // another process visited it first: its scores stand
        if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) continue;
        added++;
        if (v.scores.length === 0) continue;
        await trx
          .insertInto("record_scores")
          .values(
            v.scores.map((s) => ({
              monitor,
              record_id: s.recordId,
              record_time: s.recordTime,
              dimension: s.dimension,
              evaluator: s.evaluator,
              score: s.score,
              passed: s.passed === null ? null : s.passed ? 1 : 0,
              reason: s.reason,
              details: json(s.details),
            })),
          )
          .execute();
      }
    });
    return added;
  }

  async listRecordScores(
    monitor: string,
    filter: { from?: string; recordId?: string } = {},
  ): Promise<RecordScore[]> {
    let q = this.db.selectFrom("record_scores").selectAll().where("monitor", "=", monitor);
    if (filter.from) q = q.where("record_time", ">=", filter.from);
    if (filter.recordId) q = q.where("record_id", "=", filter.recordId);
    const rows = await q.orderBy("record_time").orderBy("record_id").orderBy("dimension").execute();
    return rows.map(rowToRecordScore);
  }

  async listScoredRecords(monitor: string): Promise<ScoredRecord[]> {
    const rows = await this.db
      .selectFrom("record_scores as s")
      .innerJoin("records as r", "r.id", "s.record_id")
      .selectAll("s")
      .select("r.metadata as metadata")
      .where("s.monitor", "=", monitor)
      .orderBy("s.record_time")
      .orderBy("s.record_id")
      .orderBy("s.dimension")
      .execute();
    const out: ScoredRecord[] = [];
    let current: ScoredRecord | undefined;
    for (const row of rows) {
      if (!current || current.recordId !== row.record_id) {
        current = {
          recordId: row.record_id,
          recordTime: row.record_time,
          metadata: JSON.parse(row.metadata),
          scores: [],
        };
        out.push(current);
      }
      current.scores.push(rowToRecordScore(row));
    }
    return out;
  }

  async countVisits(monitor: string): Promise<Record<MonitorRecordStatus, number>> {
    const rows = await this.db
      .selectFrom("monitor_records")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("monitor", "=", monitor)
      .groupBy("status")
      .execute();
    const out: Record<MonitorRecordStatus, number> = { scored: 0, filtered: 0, unsampled: 0 };
    for (const r of rows) out[r.status as MonitorRecordStatus] = Number(r.n);
    return out;
  }

  async putAlert(alert: MonitorAlert): Promise<void> {
    const row = alertToRow(alert);
    await this.db
      .insertInto("monitor_alerts")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet(row))
      .execute();
  }

  async listAlerts(monitor: string, opts: { open?: boolean } = {}): Promise<MonitorAlert[]> {
    let q = this.db.selectFrom("monitor_alerts").selectAll().where("monitor", "=", monitor);
    if (opts.open) q = q.where("closed_at", "is", null);
    const rows = await q.orderBy("opened_at", "desc").orderBy("id", "desc").execute();
    return rows.map(rowToAlert);
  }

  async addReview(review: RecordReview): Promise<boolean> {
    const res = await this.db
      .insertInto("record_reviews")
      .values(reviewToRow(review))
      .onConflict((oc) => oc.columns(["record_id", "monitor"]).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateReview(recordId: string, monitor: string, patch: Partial<RecordReview>): Promise<boolean> {
    const set: Partial<RecordReviewsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.by !== undefined) set.by_whom = patch.by;
    if (patch.decidedAt !== undefined) set.decided_at = patch.decidedAt;
    if (patch.promotedTo !== undefined) set.promoted_to = patch.promotedTo;
    if (patch.detail !== undefined) set.detail = patch.detail;
    if (Object.keys(set).length === 0) return false;
    const res = await this.db
      .updateTable("record_reviews")
      .set(set)
      .where("record_id", "=", recordId)
      .where("monitor", "=", monitor)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async listReviews(
    filter: { monitor?: string; status?: ReviewStatus; recordId?: string } = {},
  ): Promise<RecordReview[]> {
    let q = this.db.selectFrom("record_reviews").selectAll();
    if (filter.monitor) q = q.where("monitor", "=", filter.monitor);
    if (filter.status) q = q.where("status", "=", filter.status);
    if (filter.recordId) q = q.where("record_id", "=", filter.recordId);
    const rows = await q.orderBy("created_at", "desc").orderBy("record_id").execute();
    return rows.map(rowToReview);
  }

  async putMonitorReport(monitor: string, report: unknown, at: string): Promise<void> {
    const row = { monitor, report: JSON.stringify(report), updated_at: at };
    await this.db
      .insertInto("monitor_reports")
      .values(row)
      .onConflict((oc) => oc.column("monitor").doUpdateSet({ report: row.report, updated_at: at }))
      .execute();
  }

  async getMonitorReport(monitor: string): Promise<{ report: unknown; updatedAt: string } | undefined> {
    const row = await this.db
      .selectFrom("monitor_reports")
      .selectAll()
      .where("monitor", "=", monitor)
      .executeTakeFirst();
    return row ? { report: JSON.parse(row.report), updatedAt: row.updated_at } : undefined;
  }

  async listMonitors(): Promise<Array<{ monitor: string; updatedAt: string }>> {
    const rows = await this.db
      .selectFrom("monitor_reports")
      .select(["monitor", "updated_at"])
      .orderBy("monitor")
      .execute();
    return rows.map((r) => ({ monitor: r.monitor, updatedAt: r.updated_at }));
  }
}
