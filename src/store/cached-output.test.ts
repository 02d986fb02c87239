import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { syntheticRows } from "../../test/support/synthetic-runs.ts";
import { tempDir } from "../../test/support/temp.ts";
import { outputToRow } from "./rows.ts";
import { MIGRATIONS } from "./schema.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";

/** Outputs remember that the response cache answered them (migration 4, `outputs.cached`). */

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  tmp?.remove();
  tmp = undefined;
});

describe("store: outputs.cached", () => {
  it("round-trips through the hot-path insert (true stays true, absent stays absent)", async () => {
    const store = openSqliteStore(":memory:");
    try {
      const rows = syntheticRows({
        cases: [
          { id: "a", scores: { ok: 1 } },
          { id: "b", scores: { ok: 1 } },
        ],
      });
      rows.outputs[0].cached = true;
      await store.createRun(rows.run);
      await store.putCases(
        rows.run.datasetVersion,
        rows.cases.map((c) => ({ case: { id: c.id, input: c.input, tags: c.tags }, ordinal: c.ordinal })),
      );
      await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
      const read = await store.listOutputs(rows.run.id);
      expect(read.map((o) => [o.caseId, o.cached])).toEqual([
        ["a", true],
        ["b", undefined],
      ]);
      const page = await store.pageResults(rows.run.id, rows.run.datasetVersion, { offset: 0, limit: 10 });
      expect(page.outputs.map((o) => o.cached)).toEqual([true, undefined]);
    } finally {
      await store.close();
    }
  });

  it("a store made before migration 4 gains the column; its outputs read back as not cached", async () => {
    tmp = tempDir("assay-store-v3-");
    const file = tmp.path("old.db");
    const rows = syntheticRows({ cases: [{ id: "a", scores: { ok: 1 } }] });
    const old = new BetterSqlite3(file);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) {
      for (const stmt of m.statements) old.exec(stmt);
      old.prepare("INSERT INTO schema_migrations VALUES (?, ?)").run(m.version, new Date().toISOString());
    }
    const { cached: _cached, confidence: _confidence, ...v3 } = outputToRow(rows.outputs[0]);
    const columns = Object.keys(v3);
    old
      .prepare(
        `INSERT INTO outputs (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
      )
      .run(v3);
    old.close();

    const store = openSqliteStore(file);
    try {
      const [output] = await store.listOutputs(rows.run.id);
      expect(output.caseId).toBe("a");
      expect(output.cached).toBeUndefined();
    } finally {
      await store.close();
    }
    const check = new BetterSqlite3(file, { readonly: true });
    try {
      const cols = (check.prepare("PRAGMA table_info(outputs)").all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
      expect(cols).toContain("cached");
      const versions = (
        check.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>
      ).map((r) => r.version);
      expect(versions).toContain(4);
    } finally {
      check.close();
    }
  });
});
