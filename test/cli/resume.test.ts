import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCli, startCli } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

const CASES = 300;

/**
 * A run killed at any moment resumes without losing a stored result and without calling the
 * target again for a case already stored (DESIGN.md §5 Reliability).
 */
describe("kill and resume", () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestServer;
  let requested: string[];

  beforeEach(async () => {
    tmp = tempDir();
    requested = [];
    server = await startServer(async (_req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      requested.push(id);
      await new Promise((r) => setTimeout(r, 15));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: { answer: id.toUpperCase() } }));
    });
    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: `k${i}`,
      input: `q${i}`,
      expected: { answer: `K${i}` },
    }));
    tmp.write("cases.jsonl", jsonl(cases));
    tmp.write(
      "assay.yaml",
      [
        "suite: resume",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: svc",
        `    http: { url: "${server.url}/x", body: { id: "{{ case.id }}", text: "{{ input }}" }, output: "$.result" }`,
        "concurrency: 8",
        "dimensions:",
        "  answer: { evaluator: json-field, with: { field: answer } }",
      ].join("\n"),
    );
  });

  afterEach(async () => {
    await server.close();
    tmp.remove();
  });

  async function waitForRequests(n: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (requested.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${requested.length} requests arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function storedIds(): Promise<{ runId: string; ids: string[]; status: string }> {
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const [run] = await store.listRuns();
      const outputs = await store.listOutputs(run.id);
      return { runId: run.id, ids: outputs.map((o) => o.caseId), status: run.status };
    } finally {
      await store.close();
    }
  }

  it("SIGKILL mid-run, then --resume: every case stored exactly once, none stored before the kill re-requested", async () => {
    const { child, done } = startCli(["run", tmp.dir, "--quiet"]);
    await waitForRequests(120);
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");

    const before = await storedIds();
    expect(before.status).toBe("running");
    expect(before.ids.length).toBeGreaterThan(0);
    expect(before.ids.length).toBeLessThan(CASES);
    const storedBefore = new Set(before.ids);

    requested = [];
    const resumed = await runCli(["run", tmp.dir, "--resume", "--quiet"]);
    expect(resumed.code, resumed.stderr).toBe(0);

    const after = await storedIds();
    expect(after.runId).toBe(before.runId);
    expect(after.status).toBe("completed");
    expect(after.ids.length).toBe(CASES);
    expect(new Set(after.ids).size).toBe(CASES);
    const again = requested.filter((id) => storedBefore.has(id));
    expect(again).toEqual([]);
    expect(requested.length).toBe(CASES - storedBefore.size);
  });

  it("Ctrl-C stops cleanly: what finished is stored, the run is marked interrupted, exit 3, resume completes", async () => {
    const { child, done } = startCli(["run", tmp.dir, "--quiet"]);
    await waitForRequests(60);
    child.kill("SIGINT");
    const stopped = await done;
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/--resume/);
    const before = await storedIds();
    expect(before.status).toBe("interrupted");
    expect(before.ids.length).toBeGreaterThan(0);

    const resumed = await runCli(["run", tmp.dir, "--resume", "--quiet"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await storedIds();
    expect(after.ids.length).toBe(CASES);
    expect(new Set(after.ids).size).toBe(CASES);
  });
});
