import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { maskPostgresUrl, openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { MIGRATIONS } from "../../src/store/schema.ts";
import { runCliInProcess } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { freshSchemaName, PG_BASE_URL, pgAdmin, schemaUrl as schemaUrlFor } from "../support/postgres.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { describeStoreContract } from "./contract.ts";

const BASE_URL = PG_BASE_URL;
// A fresh schema per test file: nothing here depends on, or leaves behind, other files' rows.
const SCHEMA = freshSchemaName();

/** The base URL with the test schema first on the search_path (how the CLI is pointed at it). */
function schemaUrl(schema = SCHEMA): string {
  return schemaUrlFor(schema);
}

const admin = pgAdmin;

const dropped: string[] = [];
beforeAll(async () => {
  await admin((c) => c.query(`CREATE SCHEMA ${SCHEMA}`));
});
afterAll(async () => {
  await admin(async (c) => {
    for (const schema of [SCHEMA, ...dropped]) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
});

describeStoreContract("postgres", () => openPostgresStore(BASE_URL, { schema: SCHEMA }));

describe("postgres store", () => {
  it("migrates once even when two stores open a fresh schema at the same moment", async () => {
    const schema = `${SCHEMA}_m`;
    dropped.push(schema);
    const stores = await Promise.all([
      openPostgresStore(BASE_URL, { schema }),
      openPostgresStore(BASE_URL, { schema }),
    ]);
    try {
      expect(stores.map((s) => s.kind)).toEqual(["postgres", "postgres"]);
      await stores[0].putCases("v", [{ case: { id: "a", input: "x", tags: {} }, ordinal: 0 }]);
      expect(await stores[1].listCases("v")).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const versions = await admin(
      async (c) => (await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows,
    );
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it("a retried batch that was already stored succeeds and stores no row twice", async () => {
    const store = await openPostgresStore(BASE_URL, { schema: SCHEMA });
    try {
      const runId = `retry-${randomUUID()}`;
      const output = (caseId: string) => ({
        runId,
        caseId,
        epoch: 0,
        text: caseId,
        latencyMs: 1,
        attempts: 1,
        createdAt: "2025-03-01T10:00:00.000Z",
      });
      const score = {
        runId,
        caseId: "a",
        epoch: 0,
        dimension: "d",
        evaluator: "e",
        score: 1,
        passed: true,
        reason: "",
      };
      const batch = { outputs: [output("a")], scores: [score] };
      await store.writeResults(batch);
      await store.writeResults(batch); // the same batch again, as after a lost commit answer
      expect(await store.countOutputs(runId)).toBe(1);
      expect(await store.listScores(runId)).toHaveLength(1);
      // a batch with one new key is not a retry: it fails whole, as the contract says
      await expect(store.writeResults({ outputs: [output("a"), output("b")], scores: [] })).rejects.toThrow();
      expect(await store.countOutputs(runId)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("an unreachable server fails with the URL, its password masked", async () => {
    const url = "postgres://someone:s3cret-pw@127.0.0.1:1/nowhere";
    const err = await openPostgresStore(url).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /cannot open the PostgreSQL store postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
    expect(err?.message).not.toContain("s3cret-pw");
  });

  it("openStore selects PostgreSQL for postgres:// and postgresql:// URLs", async () => {
    for (const url of [schemaUrl(), schemaUrl().replace(/^postgres:/, "postgresql:")]) {
      const store = await openStore(url);
      try {
        expect(store.kind).toBe("postgres");
        expect(await store.listRuns({ suite: `none-${randomUUID()}` })).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });

  it("rejects a schema name that is not a plain identifier", async () => {
    await expect(openPostgresStore(BASE_URL, { schema: "x; DROP TABLE runs" })).rejects.toThrow(
      /invalid PostgreSQL schema name/,
    );
  });
});

describe("assay CLI on a PostgreSQL URL", () => {
  const tmp = tempDir("assay-pg-cli-");
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(async (_req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: { answer: id.toUpperCase() } }));
    });
    tmp.write(
      "cases.jsonl",
      jsonl(
        Array.from({ length: 5 }, (_, i) => ({ id: `k${i}`, input: `q${i}`, expected: { answer: `K${i}` } })),
      ),
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: pg-cli",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: svc",
        `    http: { url: "${server.url}/x", body: { id: "{{ case.id }}" }, output: "$.result" }`,
        "dimensions:",
        "  answer: { evaluator: json-field, with: { field: answer } }",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await server?.close();
    tmp.remove();
  });

  it("`run --db postgres://…` then `show RUN --db … --json F` gives a completed run", async () => {
    const db = ["--db", schemaUrl()];
    const run = await runCliInProcess(["run", tmp.dir, "--quiet", ...db], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    // nothing named after the URL appears on disk (the response cache once went to ./postgres:/…)
    expect(existsSync(tmp.path("postgres:"))).toBe(false);
    expect(run.stderr).toContain(`store: ${maskPostgresUrl(schemaUrl())}`);
    const store = await openPostgresStore(BASE_URL, { schema: SCHEMA });
    const [stored] = await store.listRuns({ suite: "pg-cli" }).finally(() => store.close());
    expect(stored).toBeDefined();

    const out = tmp.path("show.json");
    const show = await runCliInProcess(["show", stored.id, ...db, "--json", out], { cwd: tmp.dir });
    expect(show.code, show.stderr).toBe(0);
    const card = JSON.parse(readFileSync(out, "utf8"));
    expect(card.run.status).toBe("completed");
    expect(card.run.id).toBe(stored.id);
  });

  it("`db migrate` and `db info --json` on the URL: backend, masked location, migrations, runs", async () => {
    const url = new URL(schemaUrl());
    url.password = "s3cret-pw"; // trust auth ignores it; it must not be shown
    const db = ["--db", url.toString()];
    const migrate = await runCliInProcess(["db", "migrate", ...db], { cwd: tmp.dir });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain(`migrations applied: ${MIGRATIONS.map((m) => m.version).join(", ")}`);
    const info = await runCliInProcess(["db", "info", ...db, "--json"], { cwd: tmp.dir });
    expect(info.code, info.stderr).toBe(0);
    const parsed = JSON.parse(info.stdout);
    expect(parsed.backend).toBe("postgres");
    expect(parsed.location).toBe(maskPostgresUrl(url.toString()));
    expect(parsed.location).toContain(":***@");
    expect(parsed.migrations.map((m: { version: number }) => m.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    expect(parsed.runs.total).toBeGreaterThanOrEqual(1);
    expect(parsed.runs.byStatus.completed).toBeGreaterThanOrEqual(1);
    expect(`${migrate.stderr}${info.stdout}${info.stderr}`).not.toContain("s3cret-pw");
  });
});
