import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { acquireLease, LeaseHeldError, leaseIsStale } from "./lease.ts";

function run(id: string): RunRecord {
  return {
    id,
    suite: "s",
    target: "t",
    targetKind: "exec",
    datasetVersion: "dv",
    status: "running",
    startedAt: new Date().toISOString(),
    epochs: 1,
    caseCount: 1,
    lineage: {
      suiteHash: "x",
      datasetVersion: "dv",
      datasetFiles: [],
      targetConfigHash: "h",
      evaluators: {},
      toolVersion: "0",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions: {},
    tags: [],
  };
}

describe("run leases", () => {
  let store: Store;
  beforeEach(async () => {
    store = openSqliteStore(":memory:");
    await store.createRun(run("r1"));
  });
  afterEach(async () => {
    await store.close();
  });

  it("a live lease refuses a second driver, naming the holder; release frees it", async () => {
    const first = await acquireLease(store, "r1");
    const err = await acquireLease(store, "r1", { isAlive: () => true }).catch((e: unknown) => e);
    // The holder is this very process: never stale for itself.
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    await first.release();
    const second = await acquireLease(store, "r1");
    expect((await store.getLease("r1"))?.token).toBe(second.token);
    await second.release();
    expect(await store.getLease("r1")).toBeUndefined();
  });

  it("takes over at once from a dead process on this host, and from an expired heartbeat elsewhere", async () => {
    const far = new Date(Date.now() + 3_600_000).toISOString();
    await store.claimLease(
      "r1",
      { token: "dead", host: hostname(), pid: 999_999_999, heartbeatAt: far, expiresAt: far },
      null,
    );
    const mine = await acquireLease(store, "r1", { isAlive: () => false });
    expect((await store.getLease("r1"))?.token).toBe(mine.token);
    await mine.release();

    const past = new Date(Date.now() - 1000).toISOString();
    await store.claimLease(
      "r1",
      { token: "elsewhere", host: "another-host", pid: 1, heartbeatAt: past, expiresAt: past },
      null,
    );
    const again = await acquireLease(store, "r1");
    expect((await store.getLease("r1"))?.token).toBe(again.token);
    await again.release();
  });

  it("a live lease on another host is not stale while its heartbeat lasts", () => {
    const now = Date.parse("2026-01-01T00:00:00.000Z");
    const holder = {
      token: "t",
      host: "another-host",
      pid: 1,
      heartbeatAt: "2026-01-01T00:00:00.000Z",
      expiresAt: "2026-01-01T00:01:00.000Z",
    };
    expect(leaseIsStale(holder, now, () => false)).toBe(false);
    expect(leaseIsStale(holder, now + 60_000, () => true)).toBe(true);
  });

  it("of two processes racing for a free lease, exactly one wins", async () => {
    const results = await Promise.allSettled([acquireLease(store, "r1"), acquireLease(store, "r1")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseHeldError);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it("a holder whose lease was taken over is told at its next heartbeat", async () => {
    let lost!: () => void;
    const told = new Promise<void>((r) => {
      lost = r;
    });
    const held = await acquireLease(store, "r1", { ttlMs: 60, onLost: () => lost() });
    const holder = await store.getLease("r1");
    // Another process decided the lease was stale and swapped it.
    const now = new Date().toISOString();
    expect(
      await store.claimLease(
        "r1",
        { token: "thief", host: "h2", pid: 2, heartbeatAt: now, expiresAt: now },
        holder?.token ?? null,
      ),
    ).toBe(true);
    await told;
    await held.release();
    // Releasing a lost lease leaves the new holder's alone.
    expect((await store.getLease("r1"))?.token).toBe("thief");
  });
  it("shard leases: one driver per shard, shards of one run side by side, the run's own lease apart", async () => {
    const one = { index: 1, count: 3 };
    const two = { index: 2, count: 3 };
    const first = await acquireLease(store, "r1", { shard: one });
    const second = await acquireLease(store, "r1", { shard: two });
    const whole = await acquireLease(store, "r1");
    const err = await acquireLease(store, "r1", { shard: one, isAlive: () => true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect((err as Error).message).toMatch(
      new RegExp(`^shard 1/3 of run r1 is being driven by pid ${process.pid} on `),
    );
    expect((await store.getLease("r1", one))?.token).toBe(first.token);
    expect((await store.getLease("r1", two))?.token).toBe(second.token);
    expect((await store.getLease("r1"))?.token).toBe(whole.token);
    await first.release();
    expect(await store.getLease("r1", one)).toBeUndefined();
    expect((await store.getLease("r1", two))?.token).toBe(second.token);
    // a dead driver on this host frees its shard at once
    const far = new Date(Date.now() + 3_600_000).toISOString();
    await second.release();
    await store.claimLease(
      "r1",
      { token: "dead", host: hostname(), pid: 999_999_999, heartbeatAt: far, expiresAt: far },
      null,
      two,
    );
    const again = await acquireLease(store, "r1", { shard: two, isAlive: () => false });
    expect((await store.getLease("r1", two))?.token).toBe(again.token);
    await again.release();
    await whole.release();
  });
});
