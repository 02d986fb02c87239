import { hostname } from "node:os";
import { createLlmRuntime } from "../../llm/client.ts";
import { connectRedis, DEFAULT_QUEUE_NAME, loadBullMQ, maskRedisUrl } from "../../queue/connect.ts";
import { startWorker } from "../../queue/worker.ts";
import { EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

export interface WorkerCommandOptions extends GlobalOptions, CacheFlags {
  queue: string;
  queueName?: string;
  concurrency?: number;
  once?: boolean;
  stallMs?: number;
  quiet?: boolean;
}

/**
 * `assay worker --queue redis://… --db …`: takes jobs until told to stop. SIGTERM or Ctrl-C:
 * stop taking jobs, finish those in flight, write their results, exit 0; a second signal quits
 * at once (exit 3; the jobs held go to other workers after the stall interval). `--once`: exit
 * when the queue has nothing left to do.
 */
export async function workerCommand(opts: WorkerCommandOptions): Promise<number> {
  const bullmq = await loadBullMQ();
  const redis = await connectRedis(opts.queue);
  const store = await openCliStore(opts, undefined, { mustExist: true });
  const llm = createLlmRuntime({
    cacheMode: cacheModeOf(opts),
    cacheFile: cacheFileFor(opts),
    env: process.env,
  });
  const say = (line: string) => {
    if (!opts.quiet) process.stderr.write(`worker ${hostname()}:${process.pid}: ${line}\n`);
  };
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const worker = startWorker({
    bullmq,
    redis,
    queueName,
    store,
    concurrency: opts.concurrency ?? 10,
    stallMs: opts.stallMs,
    llm,
    log: say,
  });
  say(
    `taking jobs from ${maskRedisUrl(opts.queue)} (queue ${queueName}), ${opts.concurrency ?? 10} at a time`,
  );
  const ticker = setInterval(() => {
    const s = worker.stats;
    say(`${s.done} done, ${s.inFlight} in flight, ${s.failed} failed`);
  }, 5000);
  ticker.unref();

  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(
          `${signal} again: quitting now; held jobs go to other workers after the stall interval\n`,
        );
        process.exit(EXIT.incomplete);
      }
      say(`${signal}: finishing ${worker.stats.inFlight} job(s) in flight, then exiting`);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  try {
    await (opts.once ? Promise.race([stopped, worker.idle()]) : stopped);
    await worker.close();
    const s = worker.stats;
    say(
      `stopped: ${s.done} done, ${s.failed} failed, ${s.skipped} skipped (cancelled runs, results already stored)`,
    );
    return EXIT.ok;
  } finally {
    clearInterval(ticker);
    llm.close();
    redis.disconnect();
    await store.close();
  }
}
