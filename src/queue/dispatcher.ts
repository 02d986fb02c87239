import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { CaseDispatcher, DispatchContext } from "../engine/dispatch.ts";
import { defaultSleep } from "../faults/retry.ts";
import type { Store } from "../store/types.ts";
import { queueKeys } from "./connect.ts";
import { type CaseJob, caseJobId, runJobPrefix } from "./jobs.ts";

export interface QueueDispatcherOptions {
  queue: Queue;
  redis: Redis;
  store: Store;
  targetId: string;
  suite: CaseJob["suiteFile"] & { hash: string };
  /** how often the coordinator counts stored results (default 500 ms) */
  pollMs?: number;
}

/** Jobs retry a worker's own failures (a store that would not take a write) this many times. */
export const JOB_ATTEMPTS = 3;
const ENQUEUE_BATCH = 500;

/**
 * The coordinator's side of `assay run --queue`: enqueues one job per remaining (case, epoch),
 * then follows the run by counting stored results (the store is the truth, whichever worker
 * wrote them) until every job's result is there. Ctrl-C marks the run cancelled in Redis
 * (workers skip its jobs) and removes its jobs still waiting.
 */
export function queueDispatcher(opts: QueueDispatcherOptions): CaseDispatcher {
  return {
    async dispatch(ctx: DispatchContext): Promise<void> {
      const runId = ctx.run.id;
      const { queue, redis, store } = opts;
      await redis.del(queueKeys.cancelled(runId), queueKeys.failures(runId));
      let enqueued = 0;
      let batch: Parameters<Queue["addBulk"]>[0] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const jobs = batch;
        batch = [];
        await queue.addBulk(jobs);
        enqueued += jobs.length;
      };
      for await (const { sc, epoch } of ctx.work) {
        if (ctx.signal.aborted) break;
        const data: CaseJob = {
          runId,
          targetId: opts.targetId,
          suiteFile: { relative: opts.suite.relative, absolute: opts.suite.absolute },
          suiteHash: opts.suite.hash,
          case: sc.case,
          epoch,
          ...(ctx.alreadyStored > 0 ? { checkStored: true } : {}),
        };
        batch.push({
          name: "case",
          data,
          opts: {
            jobId: caseJobId(runId, sc.case.id, epoch),
            attempts: JOB_ATTEMPTS,
            backoff: { type: "exponential", delay: 1000 },
            removeOnComplete: true,
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        });
        if (batch.length >= ENQUEUE_BATCH) await flush();
      }
      if (!ctx.signal.aborted) await flush();

      const target = ctx.alreadyStored + enqueued;
      let lastWorkerCount = 0;
      for (let tick = 0; ; tick++) {
        if (ctx.signal.aborted) {
          await cancelRun(queue, redis, runId);
          return;
        }
        const stored = await store.countOutputs(runId);
        ctx.progress.done = Math.max(0, stored - ctx.alreadyStored);
        if (tick % 4 === 0) {
          lastWorkerCount = await queue.getWorkersCount().catch(() => lastWorkerCount);
          ctx.progress.workers = lastWorkerCount;
        }
        if (stored >= target) return;
        const failures = await redis.hgetall(queueKeys.failures(runId));
        const failed = Number(failures.count ?? 0);
        if (failed > 0) {
          await cancelRun(queue, redis, runId);
          throw new Error(
            `${failed} job(s) failed on the workers after ${JOB_ATTEMPTS} attempts; the last: ${failures.last ?? "unknown"}`,
          );
        }
        await defaultSleep(opts.pollMs ?? 500, ctx.signal);
      }
    },
  };
}

/** Marks the run cancelled (workers skip its jobs) and removes its jobs that no worker took yet. */
export async function cancelRun(queue: Queue, redis: Redis, runId: string): Promise<number> {
  await redis.set(queueKeys.cancelled(runId), "1", "EX", 7 * 24 * 3600);
  const prefix = runJobPrefix(runId);
  let removed = 0;
  let offset = 0;
  for (;;) {
    const page = await queue.getJobs(["waiting", "delayed", "prioritized"], offset, offset + 999);
    if (page.length === 0) break;
    const mine = page.filter((j) => j?.id?.startsWith(prefix));
    await Promise.all(
      mine.map((j) =>
        j.remove().then(
          () => removed++,
          () => undefined,
        ),
      ),
    );
    offset += page.length - mine.length;
    if (page.length < 1000) break;
  }
  return removed;
}
