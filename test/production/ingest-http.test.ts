import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapOtlpTraces } from "../../src/records/otlp.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { type CliResult, startCli, unlessExited } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Production records over HTTP on a real `assay serve` (a child process on 127.0.0.1 over a SQLite
 * file): OTLP/HTTP JSON at POST /v1/traces and records at POST /v1/records, both behind the
 * server's Bearer token. What the server stored is read back through a second connection to the
 * same file. A bad body is refused whole: the counts before and after are the same.
 */

const TOKEN = "ingest-token-0b6f8c31d2a4";
const FIXTURE = readFileSync(new URL("./fixtures/otlp-genai.json", import.meta.url), "utf8");
const TRACE_IDS = [
  "5b8efff798038103d269b633813fc60c",
  "0af7651916cd43dd8448eb211c80319c",
  "4bf92f3577b34da6a3ce929d0e0e4736",
];

/** The fixture with its three trace ids' first digits replaced: the same spans, new records. */
function fixtureWithTraces(prefix: string): Record<string, unknown> {
  let text = FIXTURE;
  for (const id of TRACE_IDS) text = text.replaceAll(id, `${prefix}${id.slice(prefix.length)}`);
  return JSON.parse(text);
}

type Span = { attributes: Array<{ key: string; value: unknown }> };
function spanOf(payload: Record<string, unknown>, r: number, s: number, k: number): Span {
  const rs = payload.resourceSpans as Array<{ scopeSpans: Array<{ spans: Span[] }> }>;
  return rs[r].scopeSpans[s].spans[k];
}

describe("POST /v1/traces and /v1/records on assay serve", () => {
  const tmp = tempDir("assay-ingest-http-");
  const db = tmp.path("team.db");
  let serve: { child: ChildProcess; done: Promise<CliResult> } | undefined;
  let base = "";
  let store: Store;

  const post = (
    path: string,
    body: string | Uint8Array,
    headers: Record<string, string>,
    token: string | null = TOKEN,
  ) =>
    fetch(`${base}${path}`, {
      method: "POST",
      body,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    });
  const json = { "Content-Type": "application/json" };
  const ndjson = { "Content-Type": "application/x-ndjson" };
  const count = () => store.production.countRecords();

  beforeAll(async () => {
    tmp.write("assay.token", `${TOKEN}\n`);
    serve = startCli([
      "serve",
      "--db",
      db,
      "--token-file",
      tmp.path("assay.token"),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ]);
    const line = await unlessExited(
      new Promise<string>((resolve) => {
        const rl = createInterface({ input: serve?.child.stdout as NodeJS.ReadableStream });
        rl.on("line", (l) => {
          if (l.startsWith("assay serve: listening on ")) resolve(l);
        });
      }),
      serve.done,
    );
    base = line.slice("assay serve: listening on ".length).replace(/\/$/, "");
    // a second connection to the server's file (WAL: it sees every commit)
    store = openSqliteStore(db);
  });

  afterAll(async () => {
    await store?.close();
    if (serve) {
      serve.child.kill("SIGTERM");
      expect((await serve.done).code).toBe(0);
    }
    tmp.remove();
  });

  describe("/v1/traces (OTLP/HTTP JSON)", () => {
    it("without the token: 401, nothing stored", async () => {
      const res = await post("/v1/traces", FIXTURE, json, null);
      expect(res.status).toBe(401);
      const wrong = await post("/v1/traces", FIXTURE, json, "not-the-token");
      expect(wrong.status).toBe(401);
      expect(await count()).toBe(0);
    });

    it("a protobuf body is refused with a 4xx that says to send JSON", async () => {
      const res = await post("/v1/traces", new Uint8Array([0x0a, 0x02, 0x08, 0x01]), {
        "Content-Type": "application/x-protobuf",
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const text = await res.text();
      expect(text).toMatch(/JSON/);
      expect(text).toContain("http/json");
      expect(await count()).toBe(0);
    });

    it("the GenAI fixture: 200 with an empty ExportTraceServiceResponse, the mapped records stored", async () => {
      const res = await post("/v1/traces", FIXTURE, json);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      expect(await count()).toBe(3);
      const expected = mapOtlpTraces(JSON.parse(FIXTURE)).records;
      for (const record of expected) {
        const stored = await store.production.getRecord(record.id);
        expect(stored).toEqual({ ...record, ingestedAt: expect.any(String) });
      }
    });

    it("the same export again (an exporter's retry) stores nothing twice", async () => {
      const res = await post("/v1/traces", FIXTURE, json);
      expect(res.status).toBe(200);
      expect(await count()).toBe(3);
    });

    it("a gzip-compressed export (the exporter's compression: gzip) is taken", async () => {
      const res = await post("/v1/traces", gzipSync(JSON.stringify(fixtureWithTraces("aa"))), {
        ...json,
        "Content-Encoding": "gzip",
      });
      expect(res.status).toBe(200);
      expect(await count()).toBe(6);
    });

    it("a malformed span: 400 naming the span and attribute, and nothing of the request stored", async () => {
      const before = await count();
      // new trace ids, so the two valid chat spans would be new records if anything were written
      const payload = fixtureWithTraces("bb");
      // the agent's first chat call (resourceSpans[1].scopeSpans[1].spans[4])
      const c1 = spanOf(payload, 1, 1, 4);
      const usage = c1.attributes.find((a) => a.key === "gen_ai.usage.input_tokens");
      if (!usage) throw new Error("fixture changed: no usage on the agent's chat call");
      usage.value = { intValue: "two hundred" };
      const res = await post("/v1/traces", JSON.stringify(payload), json);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; field: string };
      expect(body.field).toBe("resourceSpans[1].scopeSpans[1].spans[4].attributes gen_ai.usage.input_tokens");
      expect(body.error).toContain("gen_ai.usage.input_tokens");
      expect(await count()).toBe(before);
      const valid = mapOtlpTraces(fixtureWithTraces("bb")).records.map((r) => r.id);
      expect(await store.production.getRecords(valid)).toEqual([]);
    });

    it("messages that are not JSON: 400 naming gen_ai.input.messages; a body that is not JSON: 400", async () => {
      const before = await count();
      const payload = fixtureWithTraces("cc");
      const chat = spanOf(payload, 0, 0, 0);
      const messages = chat.attributes.find((a) => a.key === "gen_ai.input.messages");
      if (!messages) throw new Error("fixture changed: no input messages on the first chat span");
      messages.value = { stringValue: "user: I was charged twice" };
      const res = await post("/v1/traces", JSON.stringify(payload), json);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; field: string };
      expect(body.field).toBe("resourceSpans[0].scopeSpans[0].spans[0].attributes gen_ai.input.messages");

      const notJson = await post("/v1/traces", '{"resourceSpans": [', json);
      expect(notJson.status).toBe(400);
      expect(await count()).toBe(before);
    });
  });

  describe("/v1/records (a JSON array or JSON Lines)", () => {
    const rec = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      time: "2026-02-01T10:15:00+02:00",
      input: `question ${id}`,
      output: `answer ${id}`,
      metadata: { app: "triage", tier: 2 },
      ...extra,
    });

    it("without the token: 401, nothing stored", async () => {
      const before = await count();
      const res = await post("/v1/records", JSON.stringify([rec("anon-1")]), json, null);
      expect(res.status).toBe(401);
      expect(await count()).toBe(before);
    });

    it("a JSON array: counts in the answer, records stored with their time in UTC", async () => {
      const before = await count();
      const body = [rec("api-1", { latencyMs: 120, model: "gpt-4o-mini" }), rec("api-2"), rec("api-3")];
      const res = await post("/v1/records", JSON.stringify(body), json);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: 3, inserted: 3, duplicates: 0 });
      expect(await count()).toBe(before + 3);
      expect(await store.production.getRecord("api-1")).toEqual({
        id: "api-1",
        time: "2026-02-01T08:15:00.000Z",
        input: "question api-1",
        output: "answer api-1",
        metadata: { app: "triage", tier: 2 },
        latencyMs: 120,
        model: "gpt-4o-mini",
        source: "api",
        ingestedAt: expect.any(String),
      });
    });

    it("JSON Lines with ids already stored: those are counted as duplicates, not stored twice", async () => {
      const before = await count();
      const res = await post(
        "/v1/records",
        jsonl([rec("api-2"), rec("api-4"), rec("api-3", { output: "a different answer" })]),
        ndjson,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: 3, inserted: 1, duplicates: 2 });
      expect(await count()).toBe(before + 1);
      // the first one stands
      expect((await store.production.getRecord("api-3"))?.output).toBe("answer api-3");
    });

    it("a gzip body", async () => {
      const before = await count();
      const res = await post("/v1/records", gzipSync(jsonl([rec("gz-1"), rec("gz-2")])), {
        ...ndjson,
        "Content-Encoding": "gzip",
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: 2, inserted: 2, duplicates: 0 });
      expect(await count()).toBe(before + 2);
    });

    it("a bad record: 400 naming its position and field, and none of the body stored", async () => {
      const cases: Array<{ body: string; type: Record<string, string>; where: string; field: string }> = [
        {
          // an unknown key (a misspelt metadata) in the second element of an array
          body: JSON.stringify([rec("bad-1"), { ...rec("bad-2"), metdata: { app: "triage" } }]),
          type: json,
          where: "[1]",
          field: "metdata",
        },
        {
          // a time that is not ISO 8601 on the second line
          body: jsonl([rec("bad-3"), rec("bad-4", { time: "yesterday at noon" }), rec("bad-5")]),
          type: ndjson,
          where: "line 2",
          field: "time",
        },
        {
          // metadata values are scalars (monitors filter and slice on them)
          body: jsonl([rec("bad-6"), rec("bad-7"), rec("bad-8", { metadata: { customer: { id: 7 } } })]),
          type: ndjson,
          where: "line 3",
          field: "metadata.customer",
        },
      ];
      for (const c of cases) {
        const before = await count();
        const res = await post("/v1/records", c.body, c.type);
        expect(res.status, c.field).toBe(400);
        const body = (await res.json()) as { error: string; field: string };
        expect(body.field).toBe(c.field);
        expect(body.error).toContain(`${c.where}: ${c.field}:`);
        expect(await count()).toBe(before);
      }
      const ids = ["bad-1", "bad-2", "bad-3", "bad-4", "bad-5", "bad-6", "bad-7", "bad-8"];
      expect(await store.production.getRecords(ids)).toEqual([]);
    });

    it("the unknown-key error suggests the key meant", async () => {
      const res = await post("/v1/records", JSON.stringify([{ ...rec("typo-1"), metdata: {} }]), json);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain('did you mean "metadata"');
    });

    it("an empty body is a 400 that says what each endpoint takes", async () => {
      const records = await post("/v1/records", "", json);
      expect(records.status).toBe(400);
      expect(((await records.json()) as { error: string }).error).toBe(
        "the body is empty: send a JSON array of records, or JSON Lines",
      );
      const traces = await post("/v1/traces", "", json);
      expect(traces.status).toBe(400);
      expect(((await traces.json()) as { error: string }).error).toContain("OTLP/HTTP JSON traces");
    });
  });
});
