import { hostname } from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inShard } from "../../src/engine/run-target.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { resultKey, type Store } from "../../src/store/types.ts";
import { type CliResult, runCli, runCliInProcess, startCli, unlessExited } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { pollUntil } from "../support/poll.ts";
import { freshSchemaPerFile, PG_BASE_URL } from "../support/postgres.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Several `assay run --shard I/N --run-id ID` processes writing ONE run on a shared PostgreSQL
 * store: the run completes when the last shard does, each case is called and stored once, a
 * killed shard resumes on its own, and shards that cannot be one run are refused.
 */

const CASES = 45;
const CONCURRENCY = 4;
const ids = Array.from({ length: CASES }, (_, i) => `c${i}`);
const inShardOf = (index: number) => ids.filter((id) => inShard(id, { index, count: 3 }));

describe("shards writing one PostgreSQL run", () => {
  const schema = freshSchemaPerFile();
  const tmp = tempDir("assay-shared-shards-");
  let server: TestServer;
  /** requests per case id */
  let hits = new Map<string, number>();
  /** answers to this shard's cases wait after `after` of them were answered (until released) */
  let hold: { index: number; after: number } | undefined;
  let answeredInHold = 0;
  const held = new Set<string>();
  const releases = new Set<() => void>();
  let onRequest: (() => void) | undefined;
  const running: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];

  beforeAll(async () => {
    server = await startServer(async (req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      hits.set(id, (hits.get(id) ?? 0) + 1);
      const h = hold;
      if (h && inShard(id, { index: h.index, count: 3 })) {
        if (answeredInHold >= h.after) {
          held.add(id);
          onRequest?.();
          // held: the shard cannot finish before the test is done with it, however slow the machine
          await new Promise<void>((resolve) => {
            releases.add(resolve);
            req.socket.once("close", resolve);
          });
          if (res.destroyed) return;
        } else {
          answeredInHold++;
        }
      }
      // deterministic answers: right unless the case number ends in 4
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: { answer: id.endsWith("4") ? "?" : id.toUpperCase() } }));
    });
    tmp.write(
      "cases.jsonl",
      jsonl(
        ids.map((id, i) => ({
          id,
          input: `q${i}`,
          expected: { answer: id.toUpperCase() },
          tags: { part: i % 2 === 0 ? "even" : "odd" },
        })),
      ),
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: shared-shards",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: svc",
        `    http: { url: "${server.url}/x", body: { id: "{{ case.id }}" }, output: "$.result" }`,
        `concurrency: ${CONCURRENCY}`,
        "dimensions:",
        "  answer: { evaluator: json-field, with: { field: answer } }",
      ].join("\n"),
    );
  });

  afterEach(() => {
    for (const child of running.splice(0)) child.kill("SIGKILL");
    releaseHeld();
    hold = undefined;
  });

  afterAll(async () => {
    await server?.close();
    tmp.remove();
  });

  function releaseHeld(): void {
    hold = undefined;
    for (const release of releases) release();
    releases.clear();
  }

  function holdShard(index: number, after: number): void {
    hold = { index, after };
    answeredInHold = 0;
    held.clear();
  }

  /** Resolves when the server holds a request (an event, not a poll). */
  function someRequestHeld(): Promise<void> {
    return new Promise((resolve) => {
      if (held.size > 0) return resolve();
      onRequest = () => {
        onRequest = undefined;
        resolve();
      };
    });
  }

  const db = () => ["--db", schema.url];
  const shardArgs = (runId: string, shard: string, ...more: string[]) => [
    "run",
    tmp.dir,
    "--shard",
    shard,
    "--run-id",
    runId,
    ...db(),
    "--quiet",
    ...more,
  ];

  async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    const store = await openPostgresStore(PG_BASE_URL, { schema: schema.name });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  /** The run's outputs: every key once, and the run's and its shards' statuses. */
  async function stored(runId: string) {
    return withStore(async (store) => {
      const run = await store.getRun(runId);
      const keys = (await store.listOutputs(runId)).map((o) => resultKey(o.caseId, o.epoch));
      const shards = await store.listShards(runId);
      return { run, keys, shards };
    });
  }

  function saidWaiting(r: CliResult): boolean {
    return /is done; run \S+ waits for the other shards/.test(r.stderr);
  }

  it("three shard processes in parallel complete one run, each case called and stored once; its scorecard is the unsharded run's", async () => {
    const whole = await runCliInProcess([
      "run",
      tmp.dir,
      "--run-id",
      "unsharded",
      ...db(),
      "--quiet",
      "--json",
      tmp.path("whole.json"),
    ]);
    expect(whole.code, whole.stderr).toBe(0);

    hits = new Map();
    const shards = await Promise.all([1, 2, 3].map((i) => runCli(shardArgs("shared-1", `${i}/3`))));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    // each shard either saw the run complete (and printed its scorecard) or said it waits
    for (const s of shards) expect(saidWaiting(s) || /answer/.test(s.stdout), s.stderr).toBe(true);
    expect(shards.filter((s) => !saidWaiting(s)).length).toBeGreaterThanOrEqual(1);

    const { run, keys, shards: rows } = await stored("shared-1");
    expect(run?.status).toBe("completed");
    expect(run?.caseCount).toBe(CASES);
    expect(run?.lineage.shards).toBe(3);
    expect(run?.lineage.shard).toBeUndefined();
    expect(keys).toHaveLength(CASES);
    expect(new Set(keys).size).toBe(CASES);
    expect(rows.map((s) => [s.index, s.status, s.planned, s.lease])).toEqual([
      [1, "completed", inShardOf(1).length, undefined],
      [2, "completed", inShardOf(2).length, undefined],
      [3, "completed", inShardOf(3).length, undefined],
    ]);
    expect([...hits.keys()].sort()).toEqual([...ids].sort());
    expect([...hits.values()].every((n) => n === 1)).toBe(true);

    const show = await runCliInProcess(["show", "shared-1", ...db(), "--json", tmp.path("shared.json")]);
    expect(show.code, show.stderr).toBe(0);
    const a = JSON.parse(tmp.read("whole.json"));
    const b = JSON.parse(tmp.read("shared.json"));
    expect(b.run.status).toBe("completed");
    expect(b.run.lineage.shards).toBe(3);
    expect(b.dimensions.answer.n).toBe(CASES);
    for (const key of [
      "cases",
      "results",
      "missing",
      "errors",
      "dimensions",
      "aggregate",
      "slices",
      "flaky",
    ]) {
      expect(b[key], key).toEqual(a[key]);
    }

    // the same shard again without --resume would call its cases twice: refused, nothing called
    const again = await runCliInProcess(shardArgs("shared-1", "1/3"));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /shard 1\/3 of run shared-1 has already run \(completed\); continue it with: assay run --resume --shard 1\/3 --run-id shared-1/,
    );
    // --resume of a completed shard calls nothing and shows the completed run
    const resumed = await runCliInProcess(
      shardArgs("shared-1", "1/3", "--resume", "--json", tmp.path("r.json")),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/shard 1\/3 of run shared-1 is already completed: nothing to call/);
    const card = JSON.parse(tmp.read("r.json"));
    expect(card.run.status).toBe("completed");
    expect(card.shard).toMatchObject({ index: 1, count: 3, status: "completed", waitingFor: [] });
    expect([...hits.values()].every((n) => n === 1)).toBe(true);
  });

  it("a shard SIGKILLed mid-run resumes alone: the run completes, no row twice, no case called twice but the calls in flight at the kill", async () => {
    hits = new Map();
    const shard2 = inShardOf(2);
    const answeredBeforeKill = 4;
    holdShard(2, answeredBeforeKill);
    const killed = startCli(shardArgs("shared-kill", "2/3"));
    running.push(killed.child);
    const others = await Promise.all([1, 3].map((i) => runCli(shardArgs("shared-kill", `${i}/3`))));
    for (const s of others) {
      expect(s.code, s.stderr).toBe(0);
      // shard 2 is still running: neither can complete the run
      expect(s.stderr).toMatch(/waits for the other shards \((1\/3, )?2\/3(, 3\/3)?\)/);
      expect(s.stdout).toMatch(/shard [13]\/3 of run shared-kill: completed · \d+\/\d+ results/);
    }
    await unlessExited(someRequestHeld(), killed.done);
    // kill once what shard 2 was answered is stored (results are written in batches)
    const othersStored = inShardOf(1).length + inShardOf(3).length;
    await pollUntil(
      () =>
        withStore(async (s) => (await s.countOutputs("shared-kill")) >= othersStored + answeredBeforeKill),
      "shard 2's answered results to be stored",
    );
    killed.child.kill("SIGKILL");
    expect((await killed.done).signal).toBe("SIGKILL");

    const before = await stored("shared-kill");
    expect(before.run?.status).toBe("running");
    expect(before.shards.find((s) => s.index === 2)?.status).toBe("running");
    expect(before.keys.length).toBe(othersStored + answeredBeforeKill);
    const inFlight = new Set(held);
    expect(inFlight.size).toBeGreaterThan(0);
    expect(inFlight.size).toBeLessThanOrEqual(CONCURRENCY);

    releaseHeld();
    // the killed process's pid is gone on this host: its shard lease is free at once
    const resumed = await runCliInProcess(shardArgs("shared-kill", "2/3", "--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/answer/); // the last shard prints the whole run's scorecard

    const after = await stored("shared-kill");
    expect(after.run?.status).toBe("completed");
    expect(after.keys).toHaveLength(CASES);
    expect(new Set(after.keys).size).toBe(CASES);
    expect(after.shards.map((s) => s.status)).toEqual(["completed", "completed", "completed"]);
    expect([...hits.keys()].sort()).toEqual([...ids].sort());
    const calledTwice = [...hits].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of calledTwice) expect(inFlight.has(id), `${id} was called again`).toBe(true);
    expect([...hits.values()].every((n) => n <= 2)).toBe(true);
    expect(calledTwice.every((id) => shard2.includes(id))).toBe(true);
  });

  it("a second process on a held shard, and a shard of other settings, exit 2 naming why; an interrupted shard resumes the run", async () => {
    holdShard(1, 2);
    const first = startCli(shardArgs("shared-lease", "1/3"));
    running.push(first.child);
    // the shard calls its target only once it holds its lease
    await unlessExited(someRequestHeld(), first.done);

    const second = await runCliInProcess(shardArgs("shared-lease", "1/3"));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `shard 1/3 of run shared-lease is being driven by pid ${first.child.pid} on ${hostname()}`,
    );
    const epochs = await runCliInProcess(shardArgs("shared-lease", "2/3", "--epochs", "2"));
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(
      /run shared-lease was started with other settings .*epochs \(run 1, this shard 2\)/,
    );
    const count = await runCliInProcess(shardArgs("shared-lease", "2/4"));
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/shard count \(run 3, this shard 4\)/);
    // refused shards wrote nothing
    expect((await stored("shared-lease")).shards.map((s) => s.index)).toEqual([1]);

    releaseHeld();
    const firstDone = await first.done;
    expect(firstDone.code, firstDone.stderr).toBe(0);
    expect(firstDone.stderr).toMatch(
      /shard 1 of 3 is done; run shared-lease waits for the other shards \(2\/3, 3\/3\)/,
    );

    // shard 2 stopped with Ctrl-C; shard 3 then finishes: every shard finished, one did not complete
    holdShard(2, 1);
    const interrupted = startCli(shardArgs("shared-lease", "2/3"));
    running.push(interrupted.child);
    await unlessExited(someRequestHeld(), interrupted.done);
    interrupted.child.kill("SIGINT");
    const stopped = await interrupted.done;
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain("assay run --resume --shard 2/3 --run-id shared-lease");
    releaseHeld();
    const third = await runCliInProcess(shardArgs("shared-lease", "3/3"));
    expect(third.code, third.stderr).toBe(0);
    const mid = await stored("shared-lease");
    expect(mid.run?.status).toBe("interrupted");
    expect(mid.run?.statusReason).toMatch(/^shard 2\/3 interrupted/);
    expect(third.stderr).toMatch(/run shared-lease is interrupted: shard 2\/3 interrupted/);

    const resumed = await runCliInProcess(shardArgs("shared-lease", "2/3", "--resume"));
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await stored("shared-lease");
    expect(after.run?.status).toBe("completed");
    expect(after.run?.statusReason).toBeUndefined();
    expect(new Set(after.keys).size).toBe(CASES);
    expect(after.keys).toHaveLength(CASES);
  });
});
