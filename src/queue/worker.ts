import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type LoadedSuite, loadSuite } from "../config/load.ts";
import { type CaseWorkContext, runCase } from "../engine/case-work.ts";
import { checkCredentials } from "../engine/credentials.ts";
import { buildDimensions, buildTargets } from "../engine/prepare.ts";
import { callSettings } from "../engine/run-suite.ts";
import { errorMessage } from "../faults/abort.ts";
import { scrubMessage } from "../faults/secrets.ts";
import type { LlmRuntime } from "../llm/client.ts";
import type { Store } from "../store/types.ts";
import type { RateGate } from "../targets/policy.ts";
import type { Target } from "../targets/types.ts";
import { AckingWriter } from "./acking-writer.ts";
import { type BullMQ, queueKeys } from "./connect.ts";
import { JOB_ATTEMPTS } from "./dispatcher.ts";
import type { CaseJob } from "./jobs.ts";
import { redisRateGate } from "./redis-gate.ts";

export interface WorkerOptions {
  bullmq: BullMQ;
  redis: Redis;
  queueName: string;
  store: Store;
  /** jobs in flight at once (default 10) */
  concurrency: number;
  /** a job whose worker stops renewing its lock for this long goes to another worker (default 30 s) */
  stallMs?: number;
  llm?: LlmRuntime;
  /** where suite paths in jobs are resolved (default the working directory) */
  cwd?: string;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** stop taking jobs, finish those in flight, write their results */
  close(): Promise<void>;
  /**
   * resolves once the queue holds nothing waiting or delayed and no job is active elsewhere,
   * after this worker took a job (or waited a stall interval for one)
   */
  idle(pollMs?: number): Promise<void>;
  readonly stats: { done: number; failed: number; skipped: number; inFlight: number };
}

/** What a worker keeps per run: the suite's live target and evaluators, built once. */
interface RunContext {
  work: CaseWorkContext;
  target: Target;
}

/** A job that can never succeed (another suite, a missing run): fail it now, not three times. */
function permanent(bullmq: BullMQ, message: string): Error {
  return new bullmq.UnrecoverableError(message);
}

/**
 * `assay worker`: takes (case, epoch) jobs from the queue, calls the target, scores the output
 * and writes the result, exactly as the local engine does (runCase). Calls are paced by the
 * target's shared budget in Redis. The suite comes from the worker's own checkout, checked
 * against the hash the run recorded, so every worker scores with the run's evaluators.
 */
export function startWorker(opts: WorkerOptions): RunningWorker {
  const { bullmq, redis, store } = opts;
  const cwd = opts.cwd ?? process.cwd();
  const log = opts.log ?? (() => {});
  const writer = new AckingWriter(store);
  const contexts = new Map<string, Promise<RunContext>>();
  const cancelled = new Map<string, { at: number; value: boolean }>();
  const stats = { done: 0, failed: 0, skipped: 0, inFlight: 0 };

  async function isCancelled(runId: string): Promise<boolean> {
    const hit = cancelled.get(runId);
    if (hit && (hit.value || Date.now() - hit.at < 250)) return hit.value;
    const value = (await redis.exists(queueKeys.cancelled(runId))) === 1;
    cancelled.set(runId, { at: Date.now(), value });
    return value;
  }

  async function buildContext(job: CaseJob): Promise<RunContext> {
    const run = await store.getRun(job.runId);
    if (!run)
      throw permanent(bullmq, `run ${job.runId} is not in this worker's store (is --db the coordinator's?)`);
    const relative = resolve(cwd, job.suiteFile.relative);
    const file = existsSync(relative) ? relative : job.suiteFile.absolute;
    let suite: LoadedSuite;
    try {
      suite = await loadSuite(file, cwd);
    } catch (err) {
      throw permanent(bullmq, `cannot load the run's suite ${job.suiteFile.relative}: ${errorMessage(err)}`);
    }
    if (suite.hash !== job.suiteHash) {
      throw permanent(
        bullmq,
        `this worker's ${job.suiteFile.relative} differs from the run's (hash ${suite.hash.slice(0, 12)} ≠ ${job.suiteHash.slice(0, 12)}): check out the coordinator's revision`,
      );
    }
    checkCredentials(suite, { targets: [job.targetId], env: opts.llm?.env, cacheMode: opts.llm?.cacheMode });
    const dimensions = await buildDimensions(suite, opts.llm);
    for (const d of dimensions) {
      const recorded = run.dimensions[d.name]?.evaluator;
      if (recorded !== d.evaluator.id) {
        throw permanent(
          bullmq,
          `dimension ${d.name}: this worker has ${d.evaluator.id}, the run ${recorded ?? "none"}`,
        );
      }
    }
    const [target] = await buildTargets(suite, [job.targetId], store, opts.llm);
    const spec = suite.config.targets.find((t) => t.id === job.targetId);
    let gate: RateGate | undefined;
    if (spec?.rateLimit)
      gate = redisRateGate(redis, spec.rateLimit.group ?? spec.id, spec.rateLimit.perSecond);
    else if (spec?.limits?.rpm) gate = redisRateGate(redis, spec.id, spec.limits.rpm / 60);
    return {
      target,
      work: {
        runId: run.id,
        target,
        dimensions,
        scoreSet: run.scoreSet ?? 1,
        policy: { ...callSettings(suite, job.targetId), gate },
      },
    };
  }

  function contextFor(job: CaseJob): Promise<RunContext> {
    let ctx = contexts.get(job.runId);
    if (!ctx) {
      ctx = buildContext(job);
      // a failed build is not cached: the next job tries again (and fails alike if permanent)
      ctx.catch(() => contexts.delete(job.runId));
      contexts.set(job.runId, ctx);
    }
    return ctx;
  }

  async function recordFailure(job: Job<CaseJob>, err: unknown): Promise<void> {
    const final =
      err instanceof bullmq.UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? JOB_ATTEMPTS);
    if (!final) return;
    const key = queueKeys.failures(job.data.runId);
    await redis
      .multi()
      .hincrby(key, "count", 1)
      .hset(key, "last", scrubMessage(errorMessage(err)))
      .expire(key, 7 * 24 * 3600)
      .exec()
      .catch(() => undefined);
  }

  const processor = async (job: Job<CaseJob>): Promise<string> => {
    if (await isCancelled(job.data.runId)) {
      stats.skipped++;
      return "cancelled";
    }
    stats.inFlight++;
    try {
      const ctx = await contextFor(job.data);
      if (job.data.checkStored && (await store.hasOutput(job.data.runId, job.data.case.id, job.data.epoch))) {
        stats.skipped++;
        return "already stored";
      }
      // No signal: a worker told to stop (SIGTERM) finishes the jobs it holds.
      const result = await runCase(ctx.work, job.data.case, job.data.epoch, undefined);
      if (!result) throw new Error("the call was cancelled");
      await writer.write(result);
      stats.done++;
      return result.output.error ? `error: ${result.output.error.class}` : "ok";
    } catch (err) {
      stats.failed++;
      await recordFailure(job, err);
      throw err;
    } finally {
      stats.inFlight--;
    }
  };

  const stallMs = opts.stallMs ?? 30_000;
  const connection = redis.duplicate();
  const worker: Worker<CaseJob> = new bullmq.Worker<CaseJob>(opts.queueName, processor, {
    connection,
    concurrency: opts.concurrency,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: 2,
    name: `${hostname()}:${process.pid}`,
  });
  worker.on("error", (err) => log(`queue error: ${errorMessage(err)}`));
  worker.on("failed", (job, err) => {
    if (job)
      log(
        `job ${job.id} (case ${job.data.case.id}, epoch ${job.data.epoch}) failed: ${scrubMessage(errorMessage(err))}`,
      );
  });

  let closing: Promise<void> | undefined;
  return {
    stats,
    close() {
      closing ??= (async () => {
        await worker.close();
        connection.disconnect();
        await writer.close();
        for (const ctx of contexts.values()) {
          const c = await ctx.catch(() => undefined);
          await c?.target.close?.();
        }
      })();
      return closing;
    },
    async idle(pollMs = 500) {
      const queue = new bullmq.Queue(opts.queueName, { connection: redis });
      const started = Date.now();
      try {
        for (;;) {
          // A worker started before the coordinator enqueued must not leave at once: it waits for
          // a first job, or for a stall interval without any.
          const sawWork = stats.done + stats.failed + stats.skipped > 0;
          if (!sawWork && Date.now() - started < stallMs) {
            await new Promise((r) => setTimeout(r, pollMs));
            continue;
          }
          const counts = await queue.getJobCounts("waiting", "delayed", "prioritized", "active");
          const othersActive = (counts.active ?? 0) - stats.inFlight;
          if (
            (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) === 0 &&
            othersActive <= 0
          ) {
            return;
          }
          await new Promise((r) => setTimeout(r, pollMs));
        }
      } finally {
        await queue.close();
      }
    },
  };
}
