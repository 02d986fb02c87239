import type { Redis } from "ioredis";
import { nativeImport } from "../util/native-import.ts";

/**
 * Redis and BullMQ are optional dependencies: loaded here, and only when a command is given
 * `--queue`, so the rest of assay neither needs them installed nor pays for loading them.
 */
export type BullMQ = typeof import("bullmq");

/** The queue cannot be used as given (bad URL, Redis unreachable, packages missing): exit 2. */
export class QueueSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueueSetupError";
  }
}

export async function loadBullMQ(): Promise<BullMQ> {
  try {
    return await nativeImport<BullMQ>("bullmq");
  } catch (err) {
    throw new QueueSetupError(
      `--queue needs the optional packages bullmq and ioredis: npm install bullmq@6 ioredis@6 (${(err as Error).message})`,
    );
  }
}

/** A queue URL with its password masked, for messages. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<an unparseable URL>";
  }
}

/** Checks `--queue`: redis:// or rediss:// with a host. */
export function parseQueueUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueSetupError(`--queue takes redis://HOST:PORT (got ${maskRedisUrl(url)})`);
  }
  if ((u.protocol !== "redis:" && u.protocol !== "rediss:") || u.hostname === "") {
    throw new QueueSetupError(`--queue takes redis://HOST:PORT (got ${maskRedisUrl(url)})`);
  }
  return u;
}

/**
 * Opens a Redis connection and waits until it answers, so a wrong address is one clear error
 * (exit 2) rather than a worker retrying forever in silence. BullMQ needs
 * `maxRetriesPerRequest: null` on connections its workers block on.
 */
export async function connectRedis(url: string): Promise<Redis> {
  parseQueueUrl(url);
  let IORedis: typeof import("ioredis").Redis;
  try {
    IORedis = (await nativeImport<typeof import("ioredis")>("ioredis")).Redis;
  } catch (err) {
    throw new QueueSetupError(
      `--queue needs the optional packages bullmq and ioredis: npm install bullmq@6 ioredis@6 (${(err as Error).message})`,
    );
  }
  const redis = new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 5000 });
  redis.on("error", () => {
    // reported by connect() below and by the commands that fail; ioredis reconnects on its own
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new QueueSetupError(`cannot reach the queue at ${maskRedisUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/** Where queue state lives in Redis besides BullMQ's own keys. */
export const queueKeys = {
  /** set when the coordinator cancels a run (Ctrl-C): workers skip its remaining jobs */
  cancelled: (runId: string) => `assay:cancelled:${runId}`,
  /** jobs that failed for good, and the last reason */
  failures: (runId: string) => `assay:failures:${runId}`,
  /** a shared rate budget (src/queue/redis-gate.ts) */
  rate: (group: string) => `assay:rate:${group}`,
};

export const DEFAULT_QUEUE_NAME = "assay";
