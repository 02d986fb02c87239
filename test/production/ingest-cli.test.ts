import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/index.ts";
import { runCli, runCliInProcess } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `assay ingest FILE.jsonl [--monitor NAME]`: production records into a SQLite store through the
 * real CLI. Every line is checked before anything is written; ids already stored are skipped and
 * counted; a large file streams (the child runs with a 64 MB heap, far less than 100,000 records
 * held at once would take).
 */

const tmp = tempDir("assay-ingest-cli-");
afterAll(() => tmp.remove());

function record(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `rec-${i}`,
    time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    input: `customer message number ${i}: my order has not arrived`,
    output: JSON.stringify({ category: i % 3 === 0 ? "billing" : "shipping", reply: "We are on it." }),
    metadata: { app: "triage", region: i % 2 === 0 ? "eu" : "us" },
    latencyMs: 100 + (i % 50),
    usage: { inputTokens: 40 + (i % 7), outputTokens: 12 },
    ...extra,
  };
}

async function countIn(db: string): Promise<number> {
  const store = openSqliteStore(db);
  try {
    return await store.production.countRecords();
  } finally {
    await store.close();
  }
}

const ingest = (args: string[]) => runCliInProcess(["ingest", ...args], { cwd: tmp.dir });

describe("assay ingest", () => {
  it("stores the file's records and says how many; a second ingest skips them all as duplicates", async () => {
    const file = tmp.write("day1.jsonl", jsonl(Array.from({ length: 25 }, (_, i) => record(i))));
    const db = tmp.path("day1.db");

    const first = await ingest([file, "--db", db]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`ingested 25 records from ${file}\n`);
    expect(first.stderr).toContain(`store: ${db}`);
    expect(await countIn(db)).toBe(25);

    const again = await ingest([file, "--db", db, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ file, read: 25, inserted: 0, duplicates: 25, store: db });
    const text = await ingest([file, "--db", db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`ingested 0 records from ${file} (25 duplicate ids skipped)\n`);
    expect(await countIn(db)).toBe(25);

    // a file with some new and some known ids stores the new ones only
    const more = tmp.write("day1-more.jsonl", jsonl(Array.from({ length: 10 }, (_, i) => record(20 + i))));
    const partial = await ingest([more, "--db", db, "--json"]);
    expect(partial.code, partial.stderr).toBe(0);
    expect(JSON.parse(partial.stdout)).toMatchObject({ read: 10, inserted: 5, duplicates: 5 });
    expect(await countIn(db)).toBe(30);

    const store = openSqliteStore(db);
    try {
      expect(await store.production.getRecord("rec-3")).toEqual({
        ...record(3),
        source: "jsonl",
        ingestedAt: expect.any(String),
      });
    } finally {
      await store.close();
    }
  });

  it("a bad line 7 exits 2 naming FILE:7 and the field, and stores nothing of the file", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => record(i));
    const bad: Array<{ name: string; line7: string; field: string }> = [
      {
        name: "object-metadata",
        line7: JSON.stringify(record(6, { metadata: { app: "triage", customer: { id: 7 } } })),
        field: "metadata.customer",
      },
      { name: "bad-time", line7: JSON.stringify(record(6, { time: "06/01/2026 10:00" })), field: "time" },
      { name: "unknown-key", line7: JSON.stringify({ ...record(6), lantency: 3 }), field: "lantency" },
      { name: "no-output", line7: JSON.stringify({ ...record(6), output: undefined }), field: "output" },
    ];
    for (const b of bad) {
      const text = lines.map((r, i) => (i === 6 ? b.line7 : JSON.stringify(r))).join("\n");
      const file = tmp.write(`${b.name}.jsonl`, `${text}\n`);
      const db = tmp.path(`${b.name}.db`);
      const res = await ingest([file, "--db", db]);
      expect(res.code, b.name).toBe(2);
      expect(res.stderr).toContain(`${file}:7 ${b.field}:`);
      expect(res.stdout).toBe("");
      expect(await countIn(db)).toBe(0);
    }

    // a line that is not JSON at all
    const broken = lines.map((r, i) => (i === 6 ? '{"id": "rec-6", "time": ' : JSON.stringify(r))).join("\n");
    const file = tmp.write("broken.jsonl", `${broken}\n`);
    const db = tmp.path("broken.db");
    const res = await ingest([file, "--db", db]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file}:7 malformed JSON`);
    expect(await countIn(db)).toBe(0);
  });

  it("takes only JSON Lines files", async () => {
    const file = tmp.write("records.json", JSON.stringify([record(1)]));
    const res = await ingest([file, "--db", tmp.path("json.db")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/JSON Lines/);
  });

  describe("--monitor", () => {
    const suiteDir = tmp.path("suite");
    mkdirSync(suiteDir);
    const suiteFile = tmp.write(
      "suite/assay.yaml",
      [
        "suite: ingest-monitors",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: echo",
        "    exec: [node, -e, 'process.stdout.write(\"x\")']",
        "dimensions:",
        "  format: { evaluator: json-valid }",
        "monitors:",
        "  prod:",
        "    filter: { app: triage }",
        "    dimensions: [format]",
        "",
      ].join("\n"),
    );
    tmp.write("suite/cases.jsonl", `${JSON.stringify({ id: "c1", input: "x" })}\n`);
    const file = tmp.write("monitored.jsonl", jsonl([record(1), record(2)]));

    it("a monitor the suite does not define exits 2, naming the monitors it has; nothing is stored", async () => {
      const db = tmp.path("monitor-missing.db");
      const res = await ingest([file, "--db", db, "--suite", suiteFile, "--monitor", "prdo"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('no monitor "prdo"');
      expect(res.stderr).toContain('did you mean "prod"');
      expect(res.stderr).toContain("monitors: prod");
      // refused before the store is opened: not even created
      expect(existsSync(db)).toBe(false);

      // no suite at all to check the name against
      const none = await runCliInProcess(
        ["ingest", file, "--db", tmp.path("monitor-none.db"), "--monitor", "prod"],
        { cwd: tmp.dir },
      );
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/--monitor prod: no suite/);
    });

    it("a monitor of the suite: the records belong to it", async () => {
      const db = tmp.path("monitor.db");
      const res = await runCliInProcess(["ingest", file, "--db", db, "--monitor", "prod"], { cwd: suiteDir });
      expect(res.code, res.stderr).toBe(0);
      const store = openSqliteStore(db);
      try {
        const stored = await store.production.listRecords();
        expect(stored.map((r) => [r.id, r.monitor])).toEqual([
          ["rec-2", "prod"],
          ["rec-1", "prod"],
        ]);
        // visible to that monitor, not to another one
        expect(await store.production.unvisitedRecords("prod", 10)).toHaveLength(2);
        expect(await store.production.unvisitedRecords("staging", 10)).toHaveLength(0);
      } finally {
        await store.close();
      }
    });
  });

  it("100,000 records stream through a child with a 64 MB heap: all stored, a rerun all duplicates", async () => {
    const N = 100_000;
    const file = tmp.path("big.jsonl");
    const out = createWriteStream(file);
    for (let i = 0; i < N; i += 1000) {
      let chunk = "";
      for (let j = i; j < i + 1000; j++) chunk += `${JSON.stringify(record(j))}\n`;
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const db = tmp.path("big.db");
    // a heap this small cannot hold the file's records at once (they take several times that)
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=64`.trim() };

    const res = await runCli(["ingest", file, "--db", db, "--json", "--quiet"], { cwd: tmp.dir, env });
    expect(res.stderr).not.toMatch(/heap out of memory/i);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ read: N, inserted: N, duplicates: 0 });
    expect(await countIn(db)).toBe(N);

    const again = await runCli(["ingest", file, "--db", db, "--json", "--quiet"], { cwd: tmp.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ read: N, inserted: 0, duplicates: N });
    expect(await countIn(db)).toBe(N);
  }, 120_000);
});
