import { existsSync, mkdirSync } from "node:fs";
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

  it("a store made before score sets opens with its scores as set 1 and its runs at set 1", async () => {
    const file = tmp.path("v2/assay.db");
    mkdirSync(tmp.path("v2"), { recursive: true });
    const old = new BetterSqlite3(file);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
      for (const stmt of m.statements) old.exec(stmt);
      old.prepare("INSERT INTO schema_migrations VALUES (?, ?)").run(m.version, "2025-01-01");
    }
    const dims = { d: { evaluator: "equals@1", kind: "equals", weight: 1, threshold: 1 } };
    old
      .prepare(
        `INSERT INTO runs VALUES ('r-old', 's', 't', 'exec', 'dv', 'completed', '2025-01-01T00:00:00.000Z',
          '2025-01-01T00:01:00.000Z', 1, 1, ?, '{}', ?, '[]')`,
      )
      .run(JSON.stringify({ evaluators: { d: "equals@1" } }), JSON.stringify(dims));
    old.prepare("INSERT INTO scores VALUES ('r-old', 'a', 1, 'd', 'equals@1', 1, 1, 'equal', NULL)").run();
    old.close();

    const store = openSqliteStore(file);
    try {
      const run = await store.getRun("r-old");
      expect(run?.scoreSet).toBe(1);
      expect(await store.listScores("r-old")).toEqual([
        {
          runId: "r-old",
          caseId: "a",
          epoch: 1,
          dimension: "d",
          evaluator: "equals@1",
          score: 1,
          passed: true,
          reason: "equal",
        },
      ]);
      const sets = await store.listScoreSets("r-old");
      expect(sets).toEqual([
        {
          runId: "r-old",
          id: 1,
          status: "completed",
          dimensions: dims,
          createdAt: "2025-01-01T00:00:00.000Z",
          finishedAt: "2025-01-01T00:01:00.000Z",
        },
      ]);
    } finally {
      await store.close();
    }
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
