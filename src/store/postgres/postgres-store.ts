import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { MIGRATIONS } from "../schema.ts";
import { SqlStore } from "../sql-store.ts";

export interface PostgresStoreOptions {
  /** A schema to hold the tables (created when missing); default: the server's search_path. */
  schema?: string;
}

export { isPostgresUrl } from "../open.ts";

/** The URL as it may be shown: never with its password (errors end up in CI logs). */
export function maskPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

// A schema name goes into the connection's `options` and a CREATE SCHEMA: only plain identifiers.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/i;

/**
 * The shared store: every query is SqlStore's (Kysely over a pg Pool). Migrations run when the
 * store opens, so even read-only commands may bring an older database up to date.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<SqlStore> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(
      `invalid PostgreSQL schema name ${JSON.stringify(opts.schema)}: use letters, digits and _`,
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    await migrate(pool, opts.schema);
  } catch (err) {
    await pool.end().catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot open the PostgreSQL store ${maskPostgresUrl(url)}: ${reason}`, { cause: err });
  }
  // PostgresDriver.destroy ends the pool, so closing the Kysely instance is all close() needs.
  return new SqlStore("postgres", new Kysely({ dialect: new PostgresDialect({ pool }) }) as never);
}

/**
 * Applies the missing MIGRATIONS in one transaction under an advisory lock: two processes opening
 * a fresh database at once queue on the lock, and the second finds every version applied.
 */
async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`assay.migrate:${schema ?? ""}`]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const applied = new Set(
      (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) =>
        Number(r.version),
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const stmt of m.statements) await client.query(stmt);
      await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [
        m.version,
        new Date().toISOString(),
      ]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
