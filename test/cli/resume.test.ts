import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess, startCli, unlessExited } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { waitForStoredOutputs } from "../support/poll.ts";
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
  /** answers past this many requests wait until the run is stopped (see `holdAfter`) */
  let answerLimit: number;
  /** resolves when `requested` reaches the awaited count */
  let onRequest: (() => void) | undefined;
  const released = new Set<() => void>();

  beforeEach(async () => {
    tmp = tempDir();
    requested = [];
    answerLimit = Number.POSITIVE_INFINITY;
    server = await startServer(async (req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      requested.push(id);
      onRequest?.();
      if (requested.length > answerLimit) {
        // held: the run cannot finish before the test stops it, however slow the machine
        await new Promise<void>((resolve) => {
          released.add(resolve);
          req.socket.once("close", resolve);
        });
        if (res.destroyed) return;
      }
      // a service that takes a little time per case (its behaviour, not a wait of the test)
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
    for (const release of released) release();
    released.clear();
    await server.close();
    tmp.remove();
  });

  /** Resolves when the server has seen `n` requests (an event, not a poll). */
  function requestsReach(n: number): Promise<void> {
    return new Promise((resolve) => {
      if (requested.length >= n) return resolve();
      onRequest = () => {
        if (requested.length >= n) {
          onRequest = undefined;
          resolve();
        }
      };
    });
  }

  /** Answers the first `n` requests; later ones wait (until their connection closes). */
  function holdAfter(n: number): void {
    answerLimit = n;
  }

  /** No more holding: what the resumed run asks is answered. */
  function answerAll(): void {
    answerLimit = Number.POSITIVE_INFINITY;
    for (const release of released) release();
    released.clear();
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
    holdAfter(120);
    const { child, done } = startCli(["run", tmp.dir, "--quiet"]);
    await unlessExited(requestsReach(121), done);
    // kill once some answers are stored (outputs are written in batches)
    await waitForStoredOutputs(tmp.path(".assay/assay.db"), 1, child);
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");

    const before = await storedIds();
    expect(before.status).toBe("running");
    expect(before.ids.length).toBeGreaterThan(0);
    expect(before.ids.length).toBeLessThan(CASES);
    const storedBefore = new Set(before.ids);

    answerAll();
    requested = [];
    const resumed = await runCliInProcess(["run", tmp.dir, "--resume", "--quiet"]);
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
    holdAfter(60);
    const { child, done } = startCli(["run", tmp.dir, "--quiet"]);
    await unlessExited(requestsReach(61), done);
    child.kill("SIGINT");
    const stopped = await done;
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/--resume/);
    const before = await storedIds();
    expect(before.status).toBe("interrupted");
    expect(before.ids.length).toBeGreaterThan(0);

    answerAll();
    const resumed = await runCliInProcess(["run", tmp.dir, "--resume", "--quiet"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await storedIds();
    expect(after.ids.length).toBe(CASES);
    expect(new Set(after.ids).size).toBe(CASES);
  });
});
