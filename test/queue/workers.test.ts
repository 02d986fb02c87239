import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";
import { type CliResult, runCli, startCli } from "../support/cli.ts";
import { pollUntil } from "../support/poll.ts";
import { freshSchemaPerFile } from "../support/postgres.ts";
import { freshQueueName, REDIS_URL } from "../support/redis.ts";
import { busiestWindow, countingServer, queueSuite } from "./support.ts";

/**
 * `assay run --queue` + `assay worker`: real Redis, real PostgreSQL, workers as real processes,
 * the target a real HTTP server that counts every call.
 */
const schema = freshSchemaPerFile();
let store: Store;
beforeAll(async () => {
  store = await openStore(schema.url);
});
afterAll(async () => {
  await store?.close();
});

function worker(queue: string, extra: string[] = []) {
  return startCli(["worker", "--queue", REDIS_URL, "--queue-name", queue, "--db", schema.url, ...extra]);
}

function coordinator(dir: string, queue: string, json: string, extra: string[] = []) {
  return startCli([
    "run",
    dir,
    "--queue",
    REDIS_URL,
    "--queue-name",
    queue,
    "--db",
    schema.url,
    "--json",
    json,
    "--quiet",
    ...extra,
  ]);
}

async function stop(w: ReturnType<typeof startCli>): Promise<CliResult> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
  return w.done;
}

/** Every stored (case, epoch) of the run, checked unique. */
async function storedKeys(runId: string): Promise<string[]> {
  const outputs = await store.listOutputs(runId);
  return outputs.map((o) => `${o.caseId}#${o.epoch}`);
}

describe("queued runs", () => {
  it("3 workers over 2,000 cases, one SIGKILLed mid-run: 2,000 results, repeats only of its jobs in flight", async () => {
    const server = await countingServer({ delayMs: 20 });
    const suite = queueSuite(server.url, 2000);
    const queue = freshQueueName();
    const workers = [0, 1, 2].map(() => worker(queue, ["--concurrency", "10", "--stall-ms", "5000"]));
    try {
      const run = coordinator(suite.dir, queue, suite.path("card.json"));
      await pollUntil(() => server.total() >= 300, "300 calls at the server", { timeoutMs: 120_000 });
      workers[0].child.kill("SIGKILL");
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      const card = JSON.parse(suite.read("card.json"));
      expect(card.run.status).toBe("completed");
      const keys = await storedKeys(card.run.id);
      expect(keys).toHaveLength(2000);
      expect(new Set(keys).size).toBe(2000);
      expect(await store.countOutputs(card.run.id)).toBe(2000);
      // Every case was called; the only repeats are the killed worker's jobs in flight (≤ its concurrency).
      expect(server.calls.size).toBe(2000);
      expect(server.repeated().length).toBeLessThanOrEqual(10);
      expect(card.dimensions.answer.n).toBe(2000);
      expect((await workers[0].done).signal).toBe("SIGKILL");
      const [b, c] = await Promise.all([stop(workers[1]), stop(workers[2])]);
      expect(b.code, b.stderr).toBe(0);
      expect(c.code, c.stderr).toBe(0);
    } finally {
      for (const w of workers) w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 240_000);

  it("a global limit of 20 calls/s holds across 3 workers (≤ 10% over in any 5 s window)", async () => {
    const server = await countingServer({ delayMs: 5 });
    const suite = queueSuite(server.url, 200, { targetLines: ["    rateLimit: { perSecond: 20 }"] });
    const queue = freshQueueName();
    const workers = [0, 1, 2].map(() => worker(queue, ["--concurrency", "20"]));
    try {
      const result = await coordinator(suite.dir, queue, suite.path("card.json")).done;
      expect(result.code, result.stderr).toBe(0);
      expect(server.total()).toBe(200);
      expect(server.repeated()).toEqual([]);
      expect(busiestWindow(server.arrivals, 5000)).toBeLessThanOrEqual(110);
      // and all three workers took part
      const logs = await Promise.all(workers.map(stop));
      for (const log of logs) {
        expect(log.code, log.stderr).toBe(0);
        const done = Number(/stopped: (\d+) done/.exec(log.stderr)?.[1] ?? -1);
        expect(done).toBeGreaterThan(0);
      }
    } finally {
      for (const w of workers) w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 120_000);

  it("a 429 with Retry-After pauses every worker, and the calls are retried", async () => {
    let refused = 0;
    let pausedUntil = 0;
    const early: number[] = [];
    const server = await countingServer({
      delayMs: 5,
      reply: (_req, res, id) => {
        const now = performance.now();
        if (now < pausedUntil) early.push(now);
        if (id === "c10" && refused === 0) {
          refused++;
          pausedUntil = now + 1000;
          res.statusCode = 429;
          res.setHeader("retry-after", "1");
          res.end("slow down");
          return true;
        }
        return false;
      },
    });
    const suite = queueSuite(server.url, 60, {
      targetLines: ["    rateLimit: { perSecond: 40 }", "    retries: 2"],
    });
    const queue = freshQueueName();
    const workers = [0, 1].map(() => worker(queue, ["--concurrency", "5"]));
    try {
      const result = await coordinator(suite.dir, queue, suite.path("card.json")).done;
      expect(result.code, result.stderr).toBe(0);
      const card = JSON.parse(suite.read("card.json"));
      expect(card.run.status).toBe("completed");
      expect(card.errors.total ?? card.errors.count ?? 0).toBe(0);
      expect(refused).toBe(1);
      // Calls already paced before the 429 may land in its first moments; no later one does.
      expect(early.filter((t) => t > pausedUntil - 1000 + 200)).toEqual([]);
    } finally {
      for (const w of workers) w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 120_000);

  it("Ctrl-C on the coordinator cancels the remaining jobs: the run is interrupted, workers call no more", async () => {
    const server = await countingServer({ delayMs: 5 });
    const suite = queueSuite(server.url, 400, { targetLines: ["    rateLimit: { perSecond: 20 }"] });
    const queue = freshQueueName();
    const w = worker(queue, ["--concurrency", "4", "--once"]);
    try {
      const run = coordinator(suite.dir, queue, suite.path("card.json"));
      await pollUntil(() => server.total() >= 20, "20 calls at the server", { timeoutMs: 60_000 });
      run.child.kill("SIGINT");
      const result = await run.done;
      expect(result.code, result.stderr).toBe(3);
      // --once: the worker finds nothing left to do and exits by itself
      const wr = await w.done;
      expect(wr.code, wr.stderr).toBe(0);
      expect(server.total()).toBeLessThan(400);
      const runs = await store.listRuns({ suite: "queued" });
      const interrupted = runs.find((r) => r.status === "interrupted");
      expect(interrupted).toBeDefined();
      const stored = await store.countOutputs(interrupted!.id);
      expect(stored).toBeLessThan(400);
      expect(stored).toBeGreaterThanOrEqual(20 - 4);
    } finally {
      w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 120_000);

  it("a worker whose suite differs from the run's fails its jobs at once; the run fails naming why", async () => {
    const server = await countingServer({ delayMs: 1 });
    const suite = queueSuite(server.url, 20);
    const other = queueSuite(server.url, 20, { suiteLines: ["epochs: 1"] });
    const queue = freshQueueName();
    // The job names the suite by its path relative to the coordinator's folder; this worker's
    // folder holds another version of it.
    const w = startCli(
      ["worker", "--queue", REDIS_URL, "--queue-name", queue, "--db", schema.url, "--once"],
      { cwd: other.dir },
    );
    try {
      const result = await startCli(
        ["run", ".", "--queue", REDIS_URL, "--queue-name", queue, "--db", schema.url, "--quiet"],
        { cwd: suite.dir },
      ).done;
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/differs from the run's/);
      expect(server.total()).toBe(0);
    } finally {
      w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
      other.remove();
    }
  }, 120_000);

  it("a worker told SIGTERM finishes its jobs in flight and exits 0", async () => {
    const server = await countingServer({ delayMs: 400 });
    const suite = queueSuite(server.url, 30);
    const queue = freshQueueName();
    const w = worker(queue, ["--concurrency", "5"]);
    const run = coordinator(suite.dir, queue, suite.path("card.json"));
    try {
      await pollUntil(() => server.total() >= 5, "5 calls in flight", { timeoutMs: 60_000 });
      const inFlightAtSignal = server.total();
      w.child.kill("SIGTERM");
      const wr = await w.done;
      expect(wr.code, wr.stderr).toBe(0);
      expect(wr.stderr).toMatch(/SIGTERM: finishing \d+ job\(s\) in flight/);
      // what it had taken is written: the store holds at least the calls made before the signal
      const runs = await store.listRuns({ suite: "queued" });
      const running = runs.find((r) => r.status === "running");
      expect(running).toBeDefined();
      expect(await store.countOutputs(running!.id)).toBeGreaterThanOrEqual(inFlightAtSignal);
      // a second worker finishes the run
      const w2 = worker(queue, ["--concurrency", "10", "--once"]);
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      expect((await w2.done).code).toBe(0);
      expect(await store.countOutputs(running!.id)).toBe(30);
      expect(server.repeated()).toEqual([]);
    } finally {
      w.child.kill("SIGKILL");
      run.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 120_000);

  it("a coordinator killed mid-run is resumed: workers kept writing, the resumed one enqueues only what is missing", async () => {
    const server = await countingServer({ delayMs: 20 });
    const suite = queueSuite(server.url, 300, { targetLines: ["    rateLimit: { perSecond: 100 }"] });
    const queue = freshQueueName();
    const w = worker(queue, ["--concurrency", "10"]);
    try {
      const first = coordinator(suite.dir, queue, suite.path("first.json"));
      await pollUntil(() => server.total() >= 50, "50 calls at the server", { timeoutMs: 60_000 });
      first.child.kill("SIGKILL");
      expect((await first.done).signal).toBe("SIGKILL");
      const resumed = await coordinator(suite.dir, queue, suite.path("card.json"), ["--resume"]).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      const card = JSON.parse(suite.read("card.json"));
      expect(card.run.status).toBe("completed");
      expect(await store.countOutputs(card.run.id)).toBe(300);
      expect(server.calls.size).toBe(300);
      expect(server.repeated()).toEqual([]);
      expect((await stop(w)).code).toBe(0);
    } finally {
      w.child.kill("SIGKILL");
      await server.close();
      suite.remove();
    }
  }, 120_000);

  it("bad queue addresses are exit 2 naming the address, before anything runs", async () => {
    const server = await countingServer();
    const suite = queueSuite(server.url, 5);
    try {
      const bad = await runCli(["run", suite.dir, "--queue", "http://x", "--db", schema.url]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--queue takes redis:\/\/HOST:PORT/);
      const down = await runCli(["worker", "--queue", "redis://:secret@127.0.0.1:1", "--db", schema.url]);
      expect(down.code).toBe(2);
      expect(down.stderr).toMatch(/cannot reach the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      expect(down.stderr).not.toContain("secret");
      const shard = await runCli([
        "run",
        suite.dir,
        "--queue",
        REDIS_URL,
        "--shard",
        "1/2",
        "--db",
        schema.url,
      ]);
      expect(shard.code).toBe(2);
      expect(server.total()).toBe(0);
      expect(readFileSync(suite.path("assay.yaml"), "utf8")).toContain("queued");
    } finally {
      await server.close();
      suite.remove();
    }
  }, 60_000);
});
