import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

const SECRET = "sk-assay-test-7f3c9e1d2b4a";

/**
 * A hostile, flaky service: each case id picks a fault. The run must retry as configured, store
 * each failure under the right class, count them on the scorecard, and never let the API key
 * (from the environment) reach the store, a report, a log line or an error message.
 */
describe("faults end to end, and secrets", () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestServer;
  const attempts = new Map<string, number>();
  const sawAuth: string[] = [];

  beforeAll(async () => {
    tmp = tempDir();
    server = await startServer(async (req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      sawAuth.push(String(req.headers.authorization));
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(value));
      };
      const kind = id.split("-")[0];
      switch (kind) {
        case "ok":
          return json(200, { result: { answer: "yes" } });
        case "flaky429": // rate-limited once, then fine
          return n === 1
            ? json(429, { error: "slow down" }, { "retry-after": "0" })
            : json(200, { result: { answer: "yes" } });
        case "always500": // a hostile server that echoes the credential in its error body
          return json(500, { error: `internal error for ${req.headers.authorization}` });
        case "empty":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end("");
        case "malformed":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end("{not json");
        case "reset":
          return req.socket.destroy();
        case "slow": // never answers: every attempt ends at the target's timeout
          return;
        case "bad400":
          return json(400, { error: "bad request" });
      }
    });
    const kinds = [
      "ok",
      "ok",
      "ok",
      "flaky429",
      "always500",
      "empty",
      "malformed",
      "reset",
      "slow",
      "bad400",
    ];
    const cases = kinds.map((k, i) => ({ id: `${k}-${i}`, input: `q${i}`, expected: { answer: "yes" } }));
    tmp.write("cases.jsonl", jsonl(cases));
    tmp.write(
      "assay.yaml",
      [
        "suite: faults",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: svc",
        "    http:",
        `      url: "${server.url}/answer"`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite file's own ${ENV} syntax
        '      headers: { Authorization: "Bearer ${ASSAY_TEST_API_KEY}" }',
        '      body: { id: "{{ case.id }}", q: "{{ input }}" }',
        '      output: "$.result"',
        // long enough that an answering case never races it on a busy machine; the slow case's
        // three attempts cost 3 × this
        "    timeoutMs: 2000",
        "    retries: 2",
        "concurrency: 10",
        "dimensions:",
        "  answer: { evaluator: json-field, with: { field: answer } }",
      ].join("\n"),
    );
  }, 30_000);

  afterAll(async () => {
    await server.close();
    tmp.remove();
  });

  it("retries, classifies, counts, and keeps the key out of everything written", async () => {
    const env = { ASSAY_TEST_API_KEY: SECRET, ASSAY_DB: tmp.path("store/assay.db") };
    const res = await runCliInProcess(["run", tmp.dir, "--json", tmp.path("card.json")], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(sawAuth.every((a) => a === `Bearer ${SECRET}`)).toBe(true);

    // retries as configured: 1 + 2 for retryable faults, 1 for client errors, 2 for the flaky one
    expect(attempts.get("ok-0")).toBe(1);
    expect(attempts.get("flaky429-3")).toBe(2);
    expect(attempts.get("always500-4")).toBe(3);
    expect(attempts.get("empty-5")).toBe(3);
    expect(attempts.get("malformed-6")).toBe(3);
    expect(attempts.get("reset-7")).toBe(3);
    expect(attempts.get("slow-8")).toBe(3);
    expect(attempts.get("bad400-9")).toBe(1);

    const card = JSON.parse(readFileSync(tmp.path("card.json"), "utf8"));
    expect(card.errors.byClass).toEqual({
      "server-error": 1,
      "empty-response": 1,
      "malformed-response": 1,
      connection: 1,
      timeout: 1,
      "client-error": 1,
    });
    expect(card.errors.count).toBe(6);
    expect(card.errors.rate).toBeCloseTo(0.6, 12);
    // errors are never scores: only the 4 answered cases are scored, and all pass
    expect(card.dimensions.answer).toMatchObject({ n: 4, passRate: 1, unscored: 0 });

    const reports: string[] = [res.stdout, res.stderr, readFileSync(tmp.path("card.json"), "utf8")];
    for (const format of ["csv", "jsonl", "junit", "md", "json"]) {
      const out = await runCliInProcess(["export", "latest", "--format", format], { env });
      expect(out.code, out.stderr).toBe(0);
      reports.push(out.stdout, out.stderr);
    }
    const shown = await runCliInProcess(["show", "latest"], { env });
    reports.push(shown.stdout, shown.stderr);
    const runs = await runCliInProcess(["runs", "--json"], { env });
    reports.push(runs.stdout);
    for (const text of reports) expect(text).not.toContain(SECRET);
    // the store's files, byte for byte (main file, WAL and shared memory)
    const storeDir = tmp.path("store");
    for (const f of readdirSync(storeDir)) {
      expect(readFileSync(join(storeDir, f)).includes(Buffer.from(SECRET)), f).toBe(false);
    }
    // but the error that came from the hostile body is still stored, with the key scrubbed out
    const jl = await runCliInProcess(["export", "latest", "--format", "jsonl"], { env });
    const failed = jl.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((r) => r.id === "always500-4");
    expect(failed.error.class).toBe("server-error");
    expect(failed.error.status).toBe(500);
  }, 180_000);
});
