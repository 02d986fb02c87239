import { existsSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/store/schema.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../support/temp.ts";
import { describeStoreContract } from "./contract.ts";

const tmp = tempDir("assay-sqlite-");
afterAll(() => tmp.remove());

// One file for the whole contract, as a shared PostgreSQL database would be: tests use namespaces.
const contractFile = tmp.path("contract/assay.db");
describeStoreContract("sqlite", async () => openSqliteStore(contractFile));

/** A second, independent connection to look at the file the store wrote. */
function inspect<T>(file: string, fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe("sqlite store", () => {
  it("creates the file and its folders, in WAL mode", async () => {
    const file = tmp.path("wal/nested/dir/assay.db");
    const store = openSqliteStore(file);
    try {
      expect(store.kind).toBe("sqlite");
      await store.putCases("v", [{ case: { id: "a", input: "x", tags: {} }, ordinal: 0 }]);
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(inspect(file, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
      // the second connection sees committed rows while the store is open
      expect(inspect(file, (db) => db.prepare("SELECT count(*) AS n FROM cases").get())).toEqual({ n: 1 });
    } finally {
      await store.close();
    }
  });

  it("runs each migration once: opening twice keeps the data and the migration record", async () => {
    const file = tmp.path("migrate/assay.db");
    const first = openSqliteStore(file);
    await first.putCases("v", [{ case: { id: "a", input: "x", tags: {} }, ordinal: 0 }]);
    await first.close();
    const versions = () =>
      inspect(file, (db) => db.prepare("SELECT version FROM schema_migrations ORDER BY version").all());
    const applied = versions();
    expect(applied).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));

    const second = openSqliteStore(file);
    try {
      expect(await second.listCases("v")).toHaveLength(1);
    } finally {
      await second.close();
    }
    expect(versions()).toEqual(applied);
  });

  it("two stores open on one file see each other's writes", async () => {
    const file = tmp.path("shared/assay.db");
    const a = openSqliteStore(file);
    const b = openSqliteStore(file);
    try {
      await a.writeResults({
        outputs: [
          { runId: "r", caseId: "c", epoch: 0, text: "t", latencyMs: 1, attempts: 1, createdAt: "now" },
        ],
        scores: [],
      });
      expect((await b.listOutputs("r")).map((o) => o.text)).toEqual(["t"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("works in memory", async () => {
    const store = openSqliteStore(":memory:");
    try {
      await store.putCases("v", [{ case: { id: "a", input: "x", tags: { k: "v" } }, ordinal: 0 }]);
      expect(await store.listCases("v")).toEqual([
        { id: "a", input: "x", tags: { k: "v" }, datasetVersion: "v", ordinal: 0 },
      ]);
    } finally {
      await store.close();
    }
    expect(existsSync(join(process.cwd(), ":memory:"))).toBe(false);
  });
});
