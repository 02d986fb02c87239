import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeReport } from "../../src/probe/types.ts";
import type { ProbeResponse, ProbesResponse } from "../../src/server/api-types.ts";
import { type RunningServer, startServer as startWebServer } from "../../src/server/serve.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { runCli, runCliInProcess } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `assay probe` saves its report to the store, prints its id, and the web API serves it: an API
 * that answers 429 with Retry-After above 4 calls in flight, probed at 1, 2, 4, 8.
 */

let api: TestServer;
let limited = 0;
const tmp = tempDir("assay-probe-store-");
const DB = tmp.path("probes.db");

beforeAll(async () => {
  let inFlight = 0;
  api = await startServer((_req, res, body) => {
    inFlight++;
    const over = inFlight > 4;
    const text = (JSON.parse(body) as { text: string }).text;
    setTimeout(() => {
      inFlight--;
      if (over) {
        limited++;
        res.writeHead(429, {
          "content-type": "application/json",
          "retry-after": "1",
          "x-ratelimit-remaining-requests": "0",
          "set-cookie": "session=never-stored",
        });
        res.end(JSON.stringify({ error: "slow down" }));
      } else {
        res.writeHead(200, { "content-type": "application/json", "x-ratelimit-limit-requests": "4" });
        res.end(JSON.stringify({ result: text.toUpperCase() }));
      }
    }, 10);
  });
  tmp.write("cases.jsonl", jsonl(["alpha", "beta"].map((w, i) => ({ id: `c${i}`, input: w }))));
  tmp.write(
    "assay.yaml",
    [
      "suite: stored-probe",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: api",
      `    http: { url: "${api.url}/answer", body: { text: "{{ input }}" }, output: "$.result" }`,
      "dimensions:",
      "  exact: { evaluator: equals }",
    ].join("\n"),
  );
});

afterAll(async () => {
  await api.close();
  tmp.remove();
});

describe("assay probe saves its report to the store", () => {
  let stdout: string;
  let stderr: string;
  let fromFile: ProbeReport;
  let id: string;

  beforeAll(async () => {
    const res = await runCli(
      [
        "--db",
        DB,
        "probe",
        "api",
        "--suite",
        tmp.dir,
        "--steps",
        "1,2,4,8",
        // long enough that --max-requests ends every step
        "--duration",
        "20s",
        "--max-requests",
        "160",
        // the knee is the server's limit (error rate); latency on a busy CI machine is noise
        "--latency-factor",
        "1000",
        "--json",
        tmp.path("probe.json"),
        "-q",
      ],
      { cwd: tmp.dir },
    );
    expect(res.code, res.stderr).toBe(0);
    stdout = res.stdout;
    stderr = res.stderr;
    fromFile = JSON.parse(readFileSync(tmp.path("probe.json"), "utf8")) as ProbeReport;
    id = /probe (probe-\S+) saved/.exec(stdout)?.[1] ?? "";
  }, 60_000);

  it("prints the probe id and the store it wrote to; --json is unchanged", () => {
    expect(id).toMatch(/^probe-\d{8}-\d{6}-api-[0-9a-f]{4}$/);
    expect(stderr).toContain(`store: ${DB}`);
    expect(fromFile.knee.concurrency).toBe(4);
    expect(fromFile.steps.map((s) => s.concurrency)).toEqual([1, 2, 4, 8]);
    expect(Object.keys(fromFile)).not.toContain("id");
  });

  it("the store holds the same report under that id", async () => {
    const store = openSqliteStore(DB);
    try {
      const [record] = await store.listProbes();
      expect(record.id).toBe(id);
      expect(record.suite).toBe("stored-probe");
      expect(record.target).toBe("api");
      expect(record.report).toEqual(fromFile);
      expect(JSON.stringify(record.report)).not.toContain("never-stored");
    } finally {
      await store.close();
    }
  });

  describe("the web API", () => {
    let store: Store;
    let web: RunningServer;
    beforeAll(async () => {
      store = openSqliteStore(DB);
      web = await startWebServer({ store, port: 0 });
    });
    afterAll(async () => {
      await web.close();
      await store.close();
    });
    const get = async <T>(path: string, status = 200): Promise<T> => {
      const res = await fetch(`${web.origin}${path}`);
      const body = (await res.json()) as T;
      expect(res.status, JSON.stringify(body)).toBe(status);
      return body;
    };

    it("GET /api/probes lists it with what it found", async () => {
      const { probes } = await get<ProbesResponse>("/api/probes");
      expect(probes).toEqual([
        {
          id,
          suite: "stored-probe",
          target: "api",
          createdAt: expect.any(String),
          mode: "concurrency",
          steps: [1, 2, 4, 8],
          requests: fromFile.requests,
          knee: 4,
          recommended: fromFile.recommendation.concurrency,
        },
      ]);
      expect((await get<ProbesResponse>("/api/probes?target=other")).probes).toEqual([]);
      expect((await get<ProbesResponse>("/api/probes?suite=stored-probe&target=api")).probes).toHaveLength(1);
    });

    it("GET /api/probes/:id returns the whole report: steps, errors, headers, knee, recommendation", async () => {
      const body = await get<ProbeResponse>(`/api/probes/${id}`);
      expect(body.id).toBe(id);
      expect(body.report).toEqual(fromFile);
      const counted = body.report.steps.reduce((n, s) => n + (s.errors.byStatus["429"] ?? 0), 0);
      expect(counted).toBe(limited);
      expect(body.report.headers).toMatchObject({
        "retry-after": "1",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-limit-requests": "4",
      });
      const missing = await get<{ error: string }>("/api/probes/probe-nope", 404);
      expect(missing.error).toContain("probe-nope");
    });
  });
});

describe("assay probe without --db", () => {
  it("saves to the store beside the suite, as other commands do", async () => {
    const dir = tempDir("assay-probe-default-");
    try {
      dir.write("cases.jsonl", readFileSync(tmp.path("cases.jsonl"), "utf8"));
      dir.write("assay.yaml", readFileSync(tmp.path("assay.yaml"), "utf8"));
      const res = await runCliInProcess([
        "probe",
        "api",
        "--suite",
        dir.dir,
        "--steps",
        "1,2",
        "--duration",
        "20s",
        "--max-requests",
        "10",
        "-q",
      ]);
      expect(res.code, res.stderr).toBe(0);
      const db = dir.path(".assay/assay.db");
      expect(res.stderr).toContain(`store: ${db}`);
      expect(existsSync(db)).toBe(true);
      const store = openSqliteStore(db);
      try {
        const probes = await store.listProbes();
        expect(probes.map((p) => p.id)).toEqual([/probe (probe-\S+) saved/.exec(res.stdout)?.[1]]);
        expect((probes[0].report as unknown as ProbeReport).requests).toBe(10);
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  }, 30_000);
});
