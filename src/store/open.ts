import { dirname, join, resolve } from "node:path";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./types.ts";

/** Where the store lives: ASSAY_DB, else `.assay/assay.db` beside the suite file. */
export function defaultStorePath(suiteFile?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ASSAY_DB) return env.ASSAY_DB;
  const dir = suiteFile ? dirname(resolve(suiteFile)) : process.cwd();
  return join(dir, ".assay", "assay.db");
}

export async function openStore(location: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error("the PostgreSQL store is not available yet: use an SQLite path");
  }
  return openSqliteStore(location);
}
