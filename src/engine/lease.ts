import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RunLease, ShardRef, Store } from "../store/types.ts";

/**
 * One process drives a run at a time. The driver holds the run's lease and renews it by heartbeat;
 * another process may take it over only when the holder is gone: its heartbeat expired, or it ran
 * on this host and its pid is no longer alive. Taking over is a compare-and-swap on the holder's
 * token, so of two processes racing for one lease exactly one wins.
 *
 * A lease is the whole run's, or one shard's when several processes write a run together
 * (`--shard I/N --run-id ID` on a shared store): each shard has a driver, the run has many.
 */

export const DEFAULT_LEASE_TTL_MS = 60_000;

/** A second process tried to drive a run whose lease is live. The CLI exits 2 with the message. */
export class LeaseHeldError extends Error {
  constructor(
    readonly runId: string,
    readonly holder: RunLease,
    readonly shard?: ShardRef,
  ) {
    const what = shard ? `shard ${shard.index}/${shard.count} of run ${runId}` : `run ${runId}`;
    super(
      `${what} is being driven by pid ${holder.pid} on ${holder.host} (last heartbeat ${holder.heartbeatAt}); ` +
        "wait for it to finish, or stop that process and try again",
    );
    this.name = "LeaseHeldError";
  }
}

export interface LeaseOptions {
  /** how long a lease lives without a heartbeat (default 60 s); heartbeats come every third of it */
  ttlMs?: number;
  /** told when the lease was lost (taken over after an expiry): the holder must stop writing */
  onLost?: () => void;
  now?: () => number;
  /** whether a pid on this host is alive (injectable for tests) */
  isAlive?: (pid: number) => boolean;
  /** the lease of this shard of the run rather than the whole run's */
  shard?: ShardRef;
}

export interface HeldLease {
  readonly token: string;
  /** stops the heartbeat and frees the lease (a no-op when it was lost) */
  release(): Promise<void>;
}

export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `holder` no longer drives the run, seen from this process at `nowMs`. */
export function leaseIsStale(
  holder: RunLease,
  nowMs: number,
  isAlive: (pid: number) => boolean = processIsAlive,
): boolean {
  if (Date.parse(holder.expiresAt) <= nowMs) return true;
  if (holder.host === hostname() && holder.pid === process.pid) return false;
  return holder.host === hostname() && !isAlive(holder.pid);
}

/** Takes the run's (or shard's) lease (free, stale, or already ours) and keeps it alive until released. */
export async function acquireLease(store: Store, runId: string, opts: LeaseOptions = {}): Promise<HeldLease> {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const shard = opts.shard;
  const now = opts.now ?? Date.now;
  const token = randomBytes(12).toString("hex");
  const fresh = (): RunLease => {
    const t = now();
    return {
      token,
      host: hostname(),
      pid: process.pid,
      heartbeatAt: new Date(t).toISOString(),
      expiresAt: new Date(t + ttlMs).toISOString(),
    };
  };
  const holder = await store.getLease(runId, shard);
  if (holder && !leaseIsStale(holder, now(), opts.isAlive)) throw new LeaseHeldError(runId, holder, shard);
  if (!(await store.claimLease(runId, fresh(), holder?.token ?? null, shard))) {
    // Someone else claimed it between our read and our swap.
    const winner = await store.getLease(runId, shard);
    throw new LeaseHeldError(runId, winner ?? fresh(), shard);
  }

  let lost = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(
    () => {
      renewing = renewing.then(async () => {
        if (lost) return;
        const l = fresh();
        try {
          if (!(await store.renewLease(runId, token, l.heartbeatAt, l.expiresAt, shard))) {
            lost = true;
            opts.onLost?.();
          }
        } catch {
          // A busy store delays one heartbeat; the lease lasts three of them.
        }
      });
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref();
  return {
    token,
    async release() {
      clearInterval(heartbeat);
      await renewing;
      if (!lost) await store.releaseLease(runId, token, shard);
    },
  };
}
