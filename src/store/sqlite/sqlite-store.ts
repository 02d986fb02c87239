import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { MIGRATIONS } from "../schema.ts";
import { SqlStore } from "../sql-store.ts";

/** The embedded store: one SQLite file in WAL mode. `:memory:` works for tests. */
export function openSqliteStore(file: string): SqlStore {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  migrate(sqlite);
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  return new SqlStore("sqlite", db as never);
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
