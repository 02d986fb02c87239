import type { Redis } from "ioredis";
import { DEFAULT_RATE_LIMIT_PAUSE_MS, MAX_SLOWDOWN } from "../engine/rate-gate.ts";
import { defaultSleep } from "../faults/retry.ts";
import type { RateGate } from "../targets/policy.ts";
import { queueKeys } from "./connect.ts";

/**
 * The rate gate of src/engine/rate-gate.ts with its state in Redis: every worker on every
 * machine reserves start instants from one schedule, so a budget of 20 calls per second holds
 * for all of them together. The arithmetic (reserve / penalize) is the same, done atomically in
 * Lua on Redis's own clock, so workers' clocks need not agree.
 */

// KEYS[1] state hash; ARGV[1] interval ms. Returns {wait ms, penalties so far} as strings (Lua
// numbers become integers on the way out).
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local s = redis.call('HMGET', KEYS[1], 'nextAt', 'slowdown')
local nextAt = tonumber(s[1]) or now
local slowdown = tonumber(s[2]) or 1
local at = math.max(nextAt, now)
local newSlowdown = math.max(1, slowdown * 0.98)
redis.call('HSET', KEYS[1], 'nextAt', tostring(at + tonumber(ARGV[1]) * slowdown), 'slowdown', tostring(newSlowdown))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {tostring(at - now), tostring(redis.call('HGET', KEYS[1], 'penalties') or '0')}
`;

// KEYS[1] state hash; ARGV[1] pause ms; ARGV[2] max slowdown.
const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local s = redis.call('HMGET', KEYS[1], 'nextAt', 'slowdown')
local nextAt = tonumber(s[1]) or now
local slowdown = tonumber(s[2]) or 1
redis.call('HSET', KEYS[1], 'nextAt', tostring(math.max(nextAt, now + tonumber(ARGV[1]))), 'slowdown', tostring(math.min(tonumber(ARGV[2]), slowdown * 2)))
redis.call('HINCRBY', KEYS[1], 'penalties', 1)
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1
`;

export function redisRateGate(redis: Redis, group: string, perSecond: number): RateGate {
  const key = queueKeys.rate(group);
  const intervalMs = 1000 / perSecond;
  return {
    async acquire(signal) {
      for (;;) {
        const [wait, penalties] = (await redis.eval(RESERVE, 1, key, String(intervalMs))) as [string, string];
        const due = performance.now() + Number(wait);
        if (Number(wait) > 0) await defaultSleep(Number(wait), signal);
        if (signal?.aborted) throw signal.reason ?? new Error("aborted");
        // A caller that wakes late (a stalled event loop) would start beside the next reservation's
        // holder: it gives its slot up and queues again, so late callers never burst together.
        if (performance.now() - due > intervalMs) continue;
        // A 429 while this caller waited voids its reservation: it queues again behind the pause.
        if (
          Number(wait) <= 0 ||
          (await redis.hget(key, "penalties")) === (penalties === "0" ? null : penalties)
        ) {
          return;
        }
      }
    },
    rateLimited(retryAfterMs) {
      const pause = retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS;
      redis.eval(PENALIZE, 1, key, String(pause), String(MAX_SLOWDOWN)).catch(() => {
        // the next reservation still paces; a lost penalty only makes the pause shorter
      });
    },
  };
}
