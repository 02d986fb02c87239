import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Case } from "../../core/case.ts";
import { caseToRow, outputToRow, scoreToRow } from "../rows.ts";
import { type CasesTable, MIGRATIONS, type OutputsTable, type ScoresTable } from "../schema.ts";
import { type Compilable, SqlStore } from "../sql-store.ts";
import type { StoredOutput, StoredScore } from "../types.ts";

const OUTPUT_COLUMNS: Array<keyof OutputsTable> = [
  "run_id",
  "case_id",
  "epoch",
  "text",
  "json",
  "trace",
  "usage",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
  "attempts",
  "error_class",
  "error_message",
  "error_status",
  "created_at",
  "cached",
  "confidence",
];
const SCORE_COLUMNS: Array<keyof ScoresTable> = [
  "run_id",
  "case_id",
  "epoch",
  "dimension",
  "score_set",
  "evaluator",
  "score",
  "passed",
  "reason",
  "details",
];
const CASE_COLUMNS: Array<keyof CasesTable> = [
  "dataset_version",
  "case_id",
  "ordinal",
  "input",
  "expected",
  "tags",
  "cluster",
];

function insertSql(table: string, columns: string[], orIgnore = false): string {
  return `INSERT ${orIgnore ? "OR IGNORE " : ""}INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`;
}

/**
 * SQLite with the hot writes (results and cases) on prepared statements inside one transaction:
 * the engine writes in batches on the event loop, so each batch must be as short as possible.
 * Everything else goes through the shared Kysely queries.
 */
class SqliteStore extends SqlStore {
  private readonly writeBatch: (batch: { outputs: StoredOutput[]; scores: StoredScore[] }) => void;
  private readonly writeCases: (version: string, cases: Array<{ case: Case; ordinal: number }>) => void;
  private readonly sqlite: BetterSqlite3.Database;

  constructor(sqlite: BetterSqlite3.Database) {
    super("sqlite", new Kysely({ dialect: new SqliteDialect({ database: sqlite }) }) as never);
    this.sqlite = sqlite;
    const insertOutput = sqlite.prepare(insertSql("outputs", OUTPUT_COLUMNS));
    const insertScore = sqlite.prepare(insertSql("scores", SCORE_COLUMNS));
    const insertCase = sqlite.prepare(insertSql("cases", CASE_COLUMNS, true));
    const forgetScorecards = sqlite.prepare("DELETE FROM scorecards WHERE run_id = ?");
    this.writeBatch = sqlite.transaction((batch: { outputs: StoredOutput[]; scores: StoredScore[] }) => {
      let runId: string | undefined;
      for (const o of batch.outputs) {
        insertOutput.run(outputToRow(o));
        // a kept scorecard no longer describes a run that gained rows (see SqlStore.writeResults)
        if (o.runId !== runId) {
          runId = o.runId;
          forgetScorecards.run(runId);
        }
      }
      for (const s of batch.scores) {
        insertScore.run(scoreToRow(s));
        if (s.runId !== runId) {
          runId = s.runId;
          forgetScorecards.run(runId);
        }
      }
    });
    this.writeCases = sqlite.transaction((version: string, cases: Array<{ case: Case; ordinal: number }>) => {
      for (const c of cases) insertCase.run(caseToRow(version, c.case, c.ordinal));
    });
  }

  override async writeResults(batch: { outputs: StoredOutput[]; scores: StoredScore[] }): Promise<void> {
    if (batch.outputs.length === 0 && batch.scores.length === 0) return;
    this.writeBatch(batch);
  }

  override async putCases(
    datasetVersion: string,
    cases: Array<{ case: Case; ordinal: number }>,
  ): Promise<void> {
    if (cases.length > 0) this.writeCases(datasetVersion, cases);
  }

  /**
   * Large reads row by row straight from the statement, with no await per row: one synchronous
   * pass (so no other statement can run on the connection meanwhile), no array of all the rows.
   */
  protected override async eachRow<O>(query: Compilable<O>, each: (row: O) => void): Promise<void> {
    const compiled = query.compile();
    for (const row of this.sqlite.prepare(compiled.sql).iterate(...compiled.parameters)) each(row as O);
  }
}

/** The embedded store: one SQLite file in WAL mode. `:memory:` works for tests. */
export function openSqliteStore(file: string): SqlStore {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  // A 1 MB page cache, half SQLite's default: a run only appends, and the default's pages, spread
  // through malloc's heap, held some 15 MB more of a 20k-case run's RSS (peak 118 → 105 MB) for no
  // measurable CPU; reads of a stored run stream through the OS's file cache either way.
  sqlite.pragma("cache_size = -1000");
  sqlite.pragma("foreign_keys = ON");
  migrate(sqlite);
  return new SqliteStore(sqlite);
}

function migrate(sqlite: BetterSqlite3.Database): void {
  sqlite.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    (sqlite.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
      (r) => r.version,
    ),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    sqlite.transaction(() => {
      for (const stmt of m.statements) sqlite.exec(stmt);
      sqlite
        .prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
        .run(m.version, new Date().toISOString());
    })();
  }
}
