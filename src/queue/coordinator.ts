import { relative } from "node:path";
import type { LoadedSuite } from "../config/load.ts";
import type { CaseDispatcher } from "../engine/dispatch.ts";
import type { Store } from "../store/types.ts";
import { connectRedis, DEFAULT_QUEUE_NAME, loadBullMQ } from "./connect.ts";
import { queueDispatcher } from "./dispatcher.ts";

export interface QueueCoordinator {
  dispatchFor(targetId: string): CaseDispatcher;
  close(): Promise<void>;
}

/** `assay run --queue URL`: the connection and a dispatcher per target, for runSuite. */
export async function openQueueCoordinator(opts: {
  url: string;
  queueName?: string;
  store: Store;
  suite: LoadedSuite;
  cwd?: string;
  pollMs?: number;
}): Promise<QueueCoordinator> {
  const bullmq = await loadBullMQ();
  const redis = await connectRedis(opts.url);
  const queue = new bullmq.Queue(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: redis });
  const suiteFile = {
    relative: relative(opts.cwd ?? process.cwd(), opts.suite.file),
    absolute: opts.suite.file,
  };
  return {
    dispatchFor: (targetId) =>
      queueDispatcher({
        queue,
        redis,
        store: opts.store,
        targetId,
        suite: { ...suiteFile, hash: opts.suite.hash },
        pollMs: opts.pollMs,
      }),
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
