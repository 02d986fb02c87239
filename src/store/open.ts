import { dirname, join, resolve } from "node:path";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./types.ts";

/** Where the store lives: ASSAY_DB, else `.assay/assay.db` beside the suite file. */
export function defaultStorePath(suiteFile?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ASSAY_DB) return env.ASSAY_DB;
  const dir = suiteFile ? dirname(resolve(suiteFile)) : process.cwd();
  return join(dir, ".assay", "assay.db");
}

/** A `postgres://` or `postgresql://` URL (the PostgreSQL store), rather than an SQLite file path. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * A `postgres://` or `postgresql://` URL opens the PostgreSQL store; anything else is an SQLite
 * file. The PostgreSQL driver is loaded only when a URL names it, so SQLite users never pay for it.
 */
export async function openStore(location: string): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { openPostgresStore } = await import("./postgres/postgres-store.ts");
    return openPostgresStore(location);
  }
  return openSqliteStore(location);
}
