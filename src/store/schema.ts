import { PRODUCTION_MIGRATION, type ProductionTables } from "./production.ts";
/**
 * Table shapes shared by every SQL backend. JSON values are stored as text so the same queries
 * run on SQLite and PostgreSQL; the row mappers in rows.ts own the conversion.
 */
export interface RunsTable {
  id: string;
  suite: string;
  target: string;
  target_kind: string;
  dataset_version: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  epochs: number;
  case_count: number;
  lineage: string;
  target_config: string;
  dimensions: string;
  tags: string;
  status_reason: string | null;
  score_set: number;
  lease_token: string | null;
  lease_host: string | null;
  lease_pid: number | null;
  lease_heartbeat_at: string | null;
  lease_expires_at: string | null;
}

export interface CasesTable {
  dataset_version: string;
  case_id: string;
  ordinal: number;
  input: string;
  expected: string | null;
  tags: string;
  cluster: string | null;
}

export interface OutputsTable {
  run_id: string;
  case_id: string;
  epoch: number;
  text: string;
  json: string | null;
  trace: string | null;
  usage: string | null;
  cost_usd: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: number;
  error_class: string | null;
  error_message: string | null;
  error_status: number | null;
  created_at: string;
  /** 1 when the output was answered by the LLM response cache; null otherwise (and before v4) */
  cached: number | null;
  /** the confidence the target reported (its `confidence` JSONPath), in [0, 1]; null when none (and before v6) */
  confidence?: number | null;
}

export interface ScoresTable {
  run_id: string;
  case_id: string;
  epoch: number;
  dimension: string;
  score_set: number;
  evaluator: string;
  score: number | null;
  passed: number | null;
  reason: string;
  details: string | null;
}

export interface LabelsTable {
  id: string;
  run_id: string;
  case_id: string;
  epoch: number;
  dimension: string;
  kind: string;
  value: string;
  other_run_id: string | null;
  labeller: string;
  comment: string | null;
  created_at: string;
  supersedes: string | null;
  queue_id: string | null;
}

export interface QueuesTable {
  id: string;
  run_id: string;
  data: string;
  created_at: string;
}

export interface CalibrationsTable {
  id: string;
  evaluator: string;
  dimension: string;
  run_id: string | null;
  label_set_hash: string;
  n: number;
  metrics: string;
  created_at: string;
}

export interface ScoreSetsTable {
  run_id: string;
  id: number;
  status: string;
  dimensions: string;
  created_at: string;
  finished_at: string | null;
}

/**
 * One shard of a run that several processes write together (`--shard I/N --run-id ID` on a shared
 * store): its own status, how many (case, epoch) results it must hold, and its own lease.
 */
export interface RunShardsTable {
  run_id: string;
  shard_index: number;
  shard_count: number;
  status: string;
  status_reason: string | null;
  planned: number | null;
  lease_token: string | null;
  lease_host: string | null;
  lease_pid: number | null;
  lease_heartbeat_at: string | null;
  lease_expires_at: string | null;
  updated_at: string;
}

/** A stored `assay probe` report (migration 7): the report's JSON as the command wrote it. */
export interface ProbesTable {
  id: string;
  suite: string;
  target: string;
  created_at: string;
  report: string;
}

/**
 * A run's scorecard, computed once per score set and suite operating options (migration 9): the
 * web app's run page and `assay show` read it instead of every row of a large run.
 */
export interface ScorecardsTable {
  run_id: string;
  score_set: number;
  /** hash of the operating options (bands, volume, escalation, minEffect) the card was built with */
  options_hash: string;
  data: string;
  created_at: string;
}

export interface Database extends ProductionTables {
  runs: RunsTable;
  run_shards: RunShardsTable;
  cases: CasesTable;
  outputs: OutputsTable;
  scores: ScoresTable;
  labels: LabelsTable;
  review_queues: QueuesTable;
  calibrations: CalibrationsTable;
  score_sets: ScoreSetsTable;
  probes: ProbesTable;
  scorecards: ScorecardsTable;
}

// Migration 8 (records, monitors, alerts, reviews) is defined beside the production store.
/** Migrations in order; each is a list of statements valid in SQLite and PostgreSQL. */
export const MIGRATIONS: ReadonlyArray<{ version: number; statements: string[] }> = [
  {
    version: 1,
    statements: [
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY, suite TEXT NOT NULL, target TEXT NOT NULL, target_kind TEXT NOT NULL,
        dataset_version TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
        epochs INTEGER NOT NULL, case_count INTEGER NOT NULL, lineage TEXT NOT NULL,
        target_config TEXT NOT NULL, dimensions TEXT NOT NULL, tags TEXT NOT NULL)`,
      "CREATE INDEX runs_lookup ON runs (suite, target, dataset_version, started_at)",
      `CREATE TABLE cases (
        dataset_version TEXT NOT NULL, case_id TEXT NOT NULL, ordinal INTEGER NOT NULL, input TEXT NOT NULL,
        expected TEXT, tags TEXT NOT NULL, cluster TEXT, PRIMARY KEY (dataset_version, case_id))`,
      `CREATE TABLE outputs (
        run_id TEXT NOT NULL, case_id TEXT NOT NULL, epoch INTEGER NOT NULL, text TEXT NOT NULL, json TEXT,
        trace TEXT, usage TEXT, cost_usd DOUBLE PRECISION, latency_ms DOUBLE PRECISION NOT NULL,
        ttft_ms DOUBLE PRECISION, attempts INTEGER NOT NULL, error_class TEXT, error_message TEXT,
        error_status INTEGER, created_at TEXT NOT NULL, PRIMARY KEY (run_id, case_id, epoch))`,
      `CREATE TABLE scores (
        run_id TEXT NOT NULL, case_id TEXT NOT NULL, epoch INTEGER NOT NULL, dimension TEXT NOT NULL,
        evaluator TEXT NOT NULL, score DOUBLE PRECISION, passed INTEGER, reason TEXT NOT NULL, details TEXT,
        PRIMARY KEY (run_id, case_id, epoch, dimension))`,
    ],
  },
  {
    version: 2,
    statements: [
      `CREATE TABLE labels (
        id TEXT PRIMARY KEY, run_id TEXT NOT NULL, case_id TEXT NOT NULL, epoch INTEGER NOT NULL,
        dimension TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, other_run_id TEXT,
        labeller TEXT NOT NULL, comment TEXT, created_at TEXT NOT NULL, supersedes TEXT, queue_id TEXT)`,
      "CREATE INDEX labels_run ON labels (run_id, dimension)",
      "CREATE TABLE review_queues (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL)",
      `CREATE TABLE calibrations (
        id TEXT PRIMARY KEY, evaluator TEXT NOT NULL, dimension TEXT NOT NULL, run_id TEXT,
        label_set_hash TEXT NOT NULL, n INTEGER NOT NULL, metrics TEXT NOT NULL, created_at TEXT NOT NULL)`,
    ],
  },
  {
    // Run lifecycle (status reason, lease) and score sets: scores gain a set number, which joins
    // the primary key, so the table is rebuilt (neither SQLite nor PostgreSQL can alter a key in place).
    version: 3,
    statements: [
      "ALTER TABLE runs ADD COLUMN status_reason TEXT",
      "ALTER TABLE runs ADD COLUMN score_set INTEGER NOT NULL DEFAULT 1",
      "ALTER TABLE runs ADD COLUMN lease_token TEXT",
      "ALTER TABLE runs ADD COLUMN lease_host TEXT",
      "ALTER TABLE runs ADD COLUMN lease_pid INTEGER",
      "ALTER TABLE runs ADD COLUMN lease_heartbeat_at TEXT",
      "ALTER TABLE runs ADD COLUMN lease_expires_at TEXT",
      `CREATE TABLE score_sets (
        run_id TEXT NOT NULL, id INTEGER NOT NULL, status TEXT NOT NULL, dimensions TEXT NOT NULL,
        created_at TEXT NOT NULL, finished_at TEXT, PRIMARY KEY (run_id, id))`,
      `INSERT INTO score_sets (run_id, id, status, dimensions, created_at, finished_at)
        SELECT id, 1, 'completed', dimensions, started_at, finished_at FROM runs`,
      `CREATE TABLE scores_v3 (
        run_id TEXT NOT NULL, case_id TEXT NOT NULL, epoch INTEGER NOT NULL, dimension TEXT NOT NULL,
        score_set INTEGER NOT NULL, evaluator TEXT NOT NULL, score DOUBLE PRECISION, passed INTEGER,
        reason TEXT NOT NULL, details TEXT, PRIMARY KEY (run_id, score_set, case_id, epoch, dimension))`,
      `INSERT INTO scores_v3 (run_id, case_id, epoch, dimension, score_set, evaluator, score, passed, reason, details)
        SELECT run_id, case_id, epoch, dimension, 1, evaluator, score, passed, reason, details FROM scores`,
      "DROP TABLE scores",
      "ALTER TABLE scores_v3 RENAME TO scores",
    ],
  },
  {
    // Outputs remember that the response cache answered them (scorecard `cache.hits`).
    version: 4,
    statements: ["ALTER TABLE outputs ADD COLUMN cached INTEGER"],
  },
  {
    // Shards of one run on a shared store: each has its status and its own lease (the run's lease
    // stays on the runs row for a run driven whole).
    version: 5,
    statements: [
      `CREATE TABLE run_shards (
        run_id TEXT NOT NULL, shard_index INTEGER NOT NULL, shard_count INTEGER NOT NULL,
        status TEXT NOT NULL, status_reason TEXT, planned INTEGER, lease_token TEXT, lease_host TEXT,
        lease_pid INTEGER, lease_heartbeat_at TEXT, lease_expires_at TEXT, updated_at TEXT NOT NULL,
        PRIMARY KEY (run_id, shard_index))`,
    ],
  },
  {
    // Outputs keep the confidence their target reported (scorecard `confidence`: calibration,
    // selective prediction, escalation threshold).
    version: 6,
    statements: ["ALTER TABLE outputs ADD COLUMN confidence DOUBLE PRECISION"],
  },
  {
    // `assay probe` reports, kept so the web app can chart them (GET /api/probes).
    version: 7,
    statements: [
      `CREATE TABLE probes (
        id TEXT PRIMARY KEY, suite TEXT NOT NULL, target TEXT NOT NULL, created_at TEXT NOT NULL,
        report TEXT NOT NULL)`,
      "CREATE INDEX probes_created ON probes (created_at)",
    ],
  },
  PRODUCTION_MIGRATION,
  {
    // Scorecards that stream (issue 14): cases are read in ordinal pages, and a finished run's
    // scorecard is kept so a 100k-case run page does not re-read every row on each visit.
    version: 9,
    statements: [
      "CREATE INDEX cases_ordinal ON cases (dataset_version, ordinal)",
      `CREATE TABLE scorecards (
        run_id TEXT NOT NULL, score_set INTEGER NOT NULL, options_hash TEXT NOT NULL, data TEXT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (run_id, score_set, options_hash))`,
    ],
  },
];
