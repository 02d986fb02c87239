import { SqlStore } from "../../store/sql-store.ts";
import type { Store } from "../../store/types.ts";
import { EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf } from "../io.ts";

/** `assay db migrate|info`: the store's schema and what it holds, for SQLite files and PostgreSQL URLs. */

export interface DbInfo {
  backend: string;
  /** the location as shown on stderr: a URL without its password */
  location: string;
  migrations: Array<{ version: number; appliedAt: string }>;
  runs: { total: number; byStatus: Record<string, number> };
}

async function migrationsOf(store: Store): Promise<DbInfo["migrations"]> {
  return store instanceof SqlStore ? store.appliedMigrations() : [];
}

/** `assay db migrate`: opening the store applies the missing migrations; this says which are applied. */
export async function dbMigrateCommand(opts: GlobalOptions): Promise<number> {
  const store = await openCliStore(opts);
  try {
    const versions = (await migrationsOf(store)).map((m) => m.version);
    process.stdout.write(`migrations applied: ${versions.join(", ") || "none"}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `assay db info`: backend, location, migrations, runs by status. Reads only (no new SQLite file). */
export async function dbInfoCommand(opts: GlobalOptions & { json?: boolean }): Promise<number> {
  const store = await openCliStore(opts, undefined, { mustExist: true });
  try {
    const runs = await store.listRuns();
    const byStatus: Record<string, number> = {};
    for (const r of runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const info: DbInfo = {
      backend: store.kind,
      location: storeLocationOf(store) ?? "",
      migrations: await migrationsOf(store),
      runs: { total: runs.length, byStatus },
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return EXIT.ok;
    }
    const statuses = Object.entries(byStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s} ${n}`)
      .join(", ");
    process.stdout.write(
      [
        `backend     ${info.backend}`,
        `location    ${info.location}`,
        `migrations  ${info.migrations.map((m) => m.version).join(", ") || "none"}`,
        `runs        ${runs.length}${statuses ? ` (${statuses})` : ""}`,
      ].join("\n") + "\n",
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
