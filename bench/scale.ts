/**
 * The scale benchmark (issue 10): 100,000 cases against the local stub target (20 ms, 50 calls
 * in flight per worker) through PostgreSQL and a Redis queue, with 1, 2 and 4 workers on this
 * machine. Prints wall time, the ratio to the floor N·L/(C·W), throughput, each worker's peak
 * RSS, Redis's peak memory and the PostgreSQL backends' RSS. Needs PostgreSQL and Redis
 * (ASSAY_TEST_PG_URL, ASSAY_TEST_REDIS_URL, defaults the local ones); says so and skips otherwise.
 * BENCH_SCALE_N and BENCH_SCALE_WORKERS change the size and the worker counts.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";

const N = Number(process.env.BENCH_SCALE_N ?? 100_000);
const WORKERS = (process.env.BENCH_SCALE_WORKERS ?? "1,2,4").split(",").map(Number);
const LATENCY_MS = 20;
const CONCURRENCY = 50;
const PG_URL = process.env.ASSAY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.ASSAY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = join(here, "..", "bin", "assay.js");

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    return `PostgreSQL at ${PG_URL}: ${(err as Error).message}`;
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    redis.disconnect();
  } catch (err) {
    redis.disconnect();
    return `Redis at ${REDIS_URL}: ${(err as Error).message}`;
  }
  return undefined;
}

/** Peak resident memory of a live process (VmHWM), MB. */
function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of every PostgreSQL process now, MB. */
function postgresRssMb(): number {
  let kb = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      if (!/^Name:\s+postgres/m.test(status)) continue;
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

const why = await reachable();
if (why) {
  process.stdout.write(`scale   skipped: ${why}\n`);
  process.exit(0);
}

const server = spawn(process.execPath, [join(here, "target-server.mjs"), String(LATENCY_MS)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<string>((resolve) =>
  createInterface({ input: server.stdout! }).once("line", resolve),
);
const dir = mkdtempSync(join(tmpdir(), "assay-scale-"));
let cases = "";
for (let i = 0; i < N; i++) {
  cases += `${JSON.stringify({ id: `c${i}`, input: { text: `case ${i}` }, expected: { action: "create" } })}\n`;
}
writeFileSync(join(dir, "cases.jsonl"), cases);
writeFileSync(
  join(dir, "assay.yaml"),
  [
    "suite: scale",
    "dataset: cases.jsonl",
    "targets:",
    "  - id: stub",
    `    http: { url: "http://127.0.0.1:${port}/", body: { text: "{{ case.input.text }}" }, output: "$.result" }`,
    "dimensions:",
    "  action: { evaluator: json-field, with: { field: action } }",
  ].join("\n"),
);

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
try {
  process.stdout.write(
    `scale   n=${N} cases, stub ${LATENCY_MS} ms, ${CONCURRENCY} in flight per worker, PostgreSQL store, Redis queue\n`,
  );
  for (const w of WORKERS) {
    const schema = `assay_scale_${randomUUID().replaceAll("-", "").slice(0, 10)}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = new URL(PG_URL);
    db.searchParams.set("options", `-c search_path=${schema}`);
    const queue = `assay-scale-${randomUUID().slice(0, 8)}`;
    const common = ["--queue", REDIS_URL, "--queue-name", queue, "--db", db.toString()];
    // the store's tables exist before the workers open it
    spawnSync(process.execPath, [bin, "db", "migrate", "--db", db.toString()], { stdio: "ignore" });
    const workers = Array.from({ length: w }, () =>
      spawn(process.execPath, [bin, "worker", ...common, "--concurrency", String(CONCURRENCY), "--quiet"], {
        stdio: ["ignore", "ignore", "inherit"],
      }),
    );
    const redis = new Redis(REDIS_URL);
    await redis.config("RESETSTAT");
    const started = performance.now();
    const coordinator = spawn(process.execPath, [bin, "run", dir, ...common, "--quiet"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const code = await exited(coordinator);
    const wallMs = performance.now() - started;
    const rss = workers.map((p) => peakRssMb(p.pid));
    const pgRss = postgresRssMb();
    const redisPeak = /used_memory_peak:(\d+)/.exec(await redis.info("memory"))?.[1];
    redis.disconnect();
    for (const p of workers) p.kill("SIGTERM");
    await Promise.all(workers.map(exited));
    const floorMs = (N * LATENCY_MS) / (CONCURRENCY * w);
    process.stdout.write(
      `scale   workers=${w}  wall ${(wallMs / 1000).toFixed(1)} s  floor ${(floorMs / 1000).toFixed(1)} s  ` +
        `ratio ${(wallMs / floorMs).toFixed(2)}  ${Math.round((N / wallMs) * 1000)} cases/s  ` +
        `worker peak RSS ${rss.map((r) => r.toFixed(0)).join("/")} MB  Redis peak ${(Number(redisPeak) / 1048576).toFixed(0)} MB  ` +
        `PostgreSQL RSS ${pgRss.toFixed(0)} MB${code === 0 ? "" : `  (coordinator exit ${code})`}\n`,
    );
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  }
} finally {
  await admin.end();
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
