import { rmSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCli, runCliInProcess, startCli, unlessExited } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { waitForCount, waitForStoredOutputs } from "../support/poll.ts";
import { jsonl, tempDir } from "../support/temp.ts";

const CASES = 120;

/**
 * The run lifecycle (issue: records you can trust): `completed` only when every result is stored,
 * `failed` with its reason when a write fails, one driver per run (a lease), and `--resume` that
 * never calls a target again for a stored case.
 */
describe("run lifecycle", () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestServer;
  let requested: string[];
  /** resolves the server's held answers (see `hold`) */
  let gate: { promise: Promise<void>; open: () => void; after: number } | undefined;
  let onRequest: (() => void) | undefined;

  /** Holds the server's answers to requests after the first `after` until `gate.open()`. */
  function hold(after = 0): void {
    let open!: () => void;
    const promise = new Promise<void>((r) => {
      open = r;
    });
    gate = { promise, open, after };
  }

  beforeEach(async () => {
    tmp = tempDir();
    requested = [];
    gate = undefined;
    onRequest = undefined;
    server = await startServer(async (_req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      requested.push(id);
      onRequest?.();
      if (gate && requested.length > gate.after) await gate.promise;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: { answer: id.toUpperCase(), title: `t-${id}` } }));
    });
    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: `k${i}`,
      input: `q${i}`,
      expected: { answer: `K${i}`, title: `t-k${i}` },
    }));
    tmp.write("cases.jsonl", jsonl(cases));
    writeSuite("answer");
  });

  afterEach(async () => {
    gate?.open();
    await server.close();
    tmp.remove();
  });

  function writeSuite(field: string): void {
    tmp.write(
      "assay.yaml",
      [
        "suite: lifecycle",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: svc",
        `    http: { url: "${server.url}/x", body: { id: "{{ case.id }}" }, output: "$.result" }`,
        "concurrency: 4",
        "dimensions:",
        `  answer: { evaluator: json-field, with: { field: ${field} } }`,
      ].join("\n"),
    );
  }

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

  async function readRun() {
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const [run] = await store.listRuns();
      const outputs = await store.listOutputs(run.id);
      return { run, ids: outputs.map((o) => o.caseId) };
    } finally {
      await store.close();
    }
  }

  it("a write lock held past the retry window: the run is `failed` with the reason; --resume completes it, calling no stored case again", async () => {
    // Ten answers go through; the rest wait at the server until SQLite's write lock is taken.
    hold(10);
    const { child, done } = startCli(["run", tmp.dir, "--quiet"], { env: { ASSAY_WRITE_RETRY_MS: "200" } });
    // The 11th request is held: the run is under way with its store open, and ten answers are
    // on their way to it; then poll until the first batch is written.
    await unlessExited(requestsReach(11), done);
    await waitForStoredOutputs(tmp.path(".assay/assay.db"), 1, child);
    const locker = new BetterSqlite3(tmp.path(".assay/assay.db"));
    locker.exec("BEGIN IMMEDIATE");
    gate?.open();
    // Release the lock once the run says it is stopping, so it can record why (or once it has
    // exited without saying so: the assertions below then tell what it did instead).
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr?.on("data", (d) => {
        stderr += d;
        if (/stopping run/.test(stderr)) resolve();
      });
      child.once("close", () => resolve());
    });
    locker.exec("ROLLBACK");
    locker.close();
    const failed = await done;
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/database is locked/);
    expect(failed.stderr).toMatch(/assay run --resume/);

    const before = await readRun();
    expect(before.run.status).toBe("failed");
    expect(before.run.statusReason).toMatch(/write to the store failed: .*database is locked/);
    expect(before.ids.length).toBeLessThan(CASES);
    const storedBefore = new Set(before.ids);

    requested = [];
    const resumed = await runCliInProcess([
      "run",
      tmp.dir,
      "--resume",
      "--quiet",
      "--json",
      tmp.path("card.json"),
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await readRun();
    expect(after.run.id).toBe(before.run.id);
    expect(after.run.status).toBe("completed");
    expect(after.run.statusReason).toBeUndefined();
    expect(new Set(after.ids).size).toBe(CASES);
    expect(requested.filter((id) => storedBefore.has(id))).toEqual([]);
    expect(requested.length).toBe(CASES - storedBefore.size);
    const card = JSON.parse(tmp.read("card.json"));
    expect(card.run.status).toBe("completed");
  });

  it("two --resume at once: the second refuses (exit 2, naming the driver) while the first runs; no case is called twice", async () => {
    // A run that died mid-way (SIGKILL) leaves a `running` run whose driver is gone. Answers
    // past the 30th are held, so the kill lands mid-run however slow the machine, once the run
    // is recorded (a fresh run calls its target while the dataset's version is still computed;
    // its row, and its first results, are written when the version is known).
    hold(30);
    const first = startCli(["run", tmp.dir, "--quiet"]);
    await unlessExited(requestsReach(31), first.done);
    await waitForStoredOutputs(tmp.path(".assay/assay.db"), 1, first.child);
    first.child.kill("SIGKILL");
    await first.done;
    const before = await readRun();
    expect(before.run.status).toBe("running");
    expect(before.ids.length).toBeLessThan(CASES);
    const storedBefore = new Set(before.ids);

    gate?.open();
    requested = [];
    hold();
    const a = startCli(["run", tmp.dir, "--resume", "--quiet"]);
    // `a` took the dead driver's lease over at once (same host, pid gone) and is calling the target.
    await unlessExited(requestsReach(1), a.done);
    const b = await runCli(["run", tmp.dir, "--resume", "--quiet"]);
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toMatch(new RegExp(`run ${before.run.id} is being driven by pid ${a.child.pid}`));
    gate?.open();
    const ra = await a.done;
    expect(ra.code, ra.stderr).toBe(0);

    const after = await readRun();
    expect(after.run.status).toBe("completed");
    expect(new Set(after.ids).size).toBe(CASES);
    expect(new Set(requested).size).toBe(requested.length);
    expect(requested.filter((id) => storedBefore.has(id))).toEqual([]);
  });

  it("--resume of a completed run (as after a SIGKILL right after completion) prints its scorecard and calls nothing", async () => {
    const done = await runCliInProcess(["run", tmp.dir, "--quiet"]);
    expect(done.code, done.stderr).toBe(0);
    const { run } = await readRun();
    // What a kill after the status write leaves: the run is completed, its scorecard never printed.
    requested = [];
    const again = await runCliInProcess([
      "run",
      tmp.dir,
      "--resume",
      "--quiet",
      "--json",
      tmp.path("again.json"),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(requested).toEqual([]);
    expect(again.stderr).toMatch(new RegExp(`run ${run.id} is already completed`));
    const card = JSON.parse(tmp.read("again.json"));
    expect(card.run.id).toBe(run.id);
    expect(card.dimensions.answer.n).toBe(CASES);
  });

  it("a changed evaluator setting: compare and gate refuse (exit 2, naming the dimension and both ids) unless --allow-evaluator-change", async () => {
    expect((await runCliInProcess(["run", tmp.dir, "--quiet"])).code).toBe(0);
    writeSuite("title");
    expect((await runCliInProcess(["run", tmp.dir, "--quiet"])).code).toBe(0);
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    const [newer, older] = await store.listRuns();
    await store.close();
    expect(older.dimensions.answer.evaluator).toMatch(/^json-field@\d+#[0-9a-f]{8}$/);
    expect(newer.dimensions.answer.evaluator).not.toBe(older.dimensions.answer.evaluator);

    const refused = await runCliInProcess([
      "compare",
      older.id,
      newer.id,
      "--db",
      tmp.path(".assay/assay.db"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("answer");
    expect(refused.stderr).toContain(older.dimensions.answer.evaluator);
    expect(refused.stderr).toContain(newer.dimensions.answer.evaluator);
    const gate = await runCliInProcess(["gate", tmp.dir, "--run", newer.id, "--baseline", older.id]);
    expect(gate.code, gate.stderr).toBe(2);
    expect(gate.stderr).toMatch(/answer \(json-field@/);

    const allowed = await runCliInProcess([
      "compare",
      older.id,
      newer.id,
      "--db",
      tmp.path(".assay/assay.db"),
      "--allow-evaluator-change",
      "--json",
      tmp.path("cmp.json"),
    ]);
    expect([0, 1]).toContain(allowed.code);
    const cmp = JSON.parse(tmp.read("cmp.json"));
    expect(cmp.evaluatorChanges.answer).toEqual({
      base: older.dimensions.answer.evaluator,
      candidate: newer.dimensions.answer.evaluator,
    });
    expect(cmp.dimensions.answer.evaluatorChanged).toBe(true);
    expect(allowed.stdout).toMatch(/evaluator changed/i);
  });

  it("rescore writes a new score set beside the old one; RUN@N reads either; compare RUN@1 RUN@2 works", async () => {
    expect((await runCliInProcess(["run", tmp.dir, "--quiet"])).code).toBe(0);
    const { run } = await readRun();
    const db = ["--db", tmp.path(".assay/assay.db")];
    // Same evaluators: a second set identical to the first.
    const same = await runCliInProcess(["rescore", run.id, ...db]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/score set @2/);
    const cmp = await runCliInProcess([
      "compare",
      `${run.id}@1`,
      `${run.id}@2`,
      ...db,
      "--json",
      tmp.path("c.json"),
    ]);
    expect(cmp.code, cmp.stderr).toBe(0);
    const c = JSON.parse(tmp.read("c.json"));
    expect(c.dimensions.answer.delta).toBe(0);
    expect(c.dimensions.answer.verdict).toBe("no-change");

    // New settings: a third set; the earlier ones stay readable.
    writeSuite("title");
    const changed = await runCliInProcess(["rescore", run.id, ...db]);
    expect(changed.code, changed.stderr).toBe(0);
    const sets = await runCliInProcess(["show", run.id, "--score-sets", ...db]);
    expect(sets.code).toBe(0);
    for (const n of [1, 2, 3]) expect(sets.stdout).toContain(`${run.id}@${n}`);
    expect(sets.stdout).toMatch(/@3\s+completed \(current\)/);

    const show1 = await runCliInProcess(["show", `${run.id}@1`, ...db, "--json", tmp.path("s1.json")]);
    const show3 = await runCliInProcess(["show", run.id, ...db, "--json", tmp.path("s3.json")]);
    expect(show1.code).toBe(0);
    expect(show3.code).toBe(0);
    const s1 = JSON.parse(tmp.read("s1.json"));
    const s3 = JSON.parse(tmp.read("s3.json"));
    expect(s1.run.scoreSet).toBe(1);
    expect(s3.run.scoreSet).toBe(3);
    expect(s1.dimensions.answer.evaluator).not.toBe(s3.dimensions.answer.evaluator);
    expect(s1.dimensions.answer.n).toBe(CASES);
    expect(s3.dimensions.answer.n).toBe(CASES);

    const refused = await runCliInProcess(["compare", `${run.id}@1`, `${run.id}@3`, ...db]);
    expect(refused.code).toBe(2);
    const missing = await runCliInProcess(["show", `${run.id}@9`, ...db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no score set @9 \(it has @1, @2, @3\)/);
  });
});

describe("rescore killed mid-way", () => {
  it("SIGKILL during a rescore, then rescore again: the unfinished set is continued; no stored score is evaluated again", async () => {
    const tmp = tempDir();
    try {
      const cases = Array.from({ length: 80 }, (_, i) => ({ id: `c${i}`, input: `q${i}`, expected: "x" }));
      tmp.write("cases.jsonl", jsonl(cases));
      tmp.write("target.mjs", "export default async () => 'x';\n");
      // Each evaluation is logged. While the file `hold` exists, evaluations past the 20th never
      // settle, so the kill lands mid-way however slow the machine (the kill comes long before
      // the 10 s evaluator limit would score them as timed out).
      const log = JSON.stringify(tmp.path("evaluated.log"));
      const holdFile = tmp.path("hold");
      tmp.write(
        "slow.mjs",
        [
          "import { appendFileSync, existsSync, readFileSync } from 'node:fs';",
          "export default async ({ case: c }) => {",
          `  appendFileSync(${log}, c.id + '\\n');`,
          `  const evaluated = readFileSync(${log}, 'utf8').split('\\n').length - 1;`,
          `  if (evaluated > 20 && existsSync(${JSON.stringify(holdFile)})) await new Promise(() => {});`,
          "  return 1;",
          "};",
        ].join("\n"),
      );
      const suite = (withSlow: boolean) =>
        [
          "suite: rescore-kill",
          "dataset: cases.jsonl",
          "targets:",
          "  - id: t",
          "    module: target.mjs",
          "concurrency: 4",
          "dimensions:",
          withSlow
            ? "  same: { evaluator: custom, with: { module: slow.mjs } }"
            : "  same: { evaluator: equals }",
        ].join("\n");
      tmp.write("assay.yaml", suite(false));
      const first = await runCliInProcess(["run", tmp.dir, "--quiet"]);
      expect(first.code, first.stderr).toBe(0);
      const db = tmp.path(".assay/assay.db");
      const store = openSqliteStore(db);
      const [run] = await store.listRuns();
      await store.close();

      tmp.write("assay.yaml", suite(true));
      tmp.write("hold", "");
      const killed = startCli(["rescore", run.id, "--db", db]);
      // Kill once some scores of the new set are stored.
      await waitForCount(db, "SELECT count(*) AS n FROM scores WHERE score_set = 2", 1, killed.child);
      killed.child.kill("SIGKILL");
      await killed.done;
      const check = openSqliteStore(db);
      const storedBefore = await check.scoredResultKeys(run.id, 2);
      expect((await check.getRun(run.id))?.scoreSet).toBe(1);
      await check.close();
      expect(storedBefore.size).toBeGreaterThan(0);
      expect(storedBefore.size).toBeLessThan(cases.length);

      rmSync(holdFile);
      const logBefore = tmp.read("evaluated.log").trim().split("\n").length;
      const again = await runCliInProcess(["rescore", run.id, "--db", db]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/score set @2 \(continued\)/);
      const evaluatedAfter = tmp.read("evaluated.log").trim().split("\n").slice(logBefore);
      const reEvaluated = evaluatedAfter.filter((id) => storedBefore.has(`${id}\u00001`));
      expect(reEvaluated).toEqual([]);
      const final = openSqliteStore(db);
      try {
        expect((await final.getRun(run.id))?.scoreSet).toBe(2);
        expect(await final.listScores(run.id)).toHaveLength(cases.length);
        expect((await final.listScoreSets(run.id)).map((s) => s.status)).toEqual(["completed", "completed"]);
      } finally {
        await final.close();
      }
    } finally {
      tmp.remove();
    }
  });
});
