import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/**
 * Tests that need Redis: the server at ASSAY_TEST_REDIS_URL (default the local one; `.ci/run`
 * makes sure it answers). Each test names its own queue, so files never see each other's jobs.
 */
export const REDIS_URL = process.env.ASSAY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function freshQueueName(): string {
  return `assay-test-${randomUUID().slice(0, 8)}`;
}

/** A connection for a test's own checks; fails with how to point the tests at a Redis. */
export async function testRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(err as Error).message}). Start it (as .ci/run does) ` +
        "or point ASSAY_TEST_REDIS_URL at one.",
    );
  }
  return redis;
}
