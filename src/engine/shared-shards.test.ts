import { describe, expect, it } from "vitest";
import type { RunRecord, ShardStatus } from "../store/types.ts";
import { runDifferences, sharedRunVerdict, sharedShardOf } from "./shared-shards.ts";

const shard = (
  index: number,
  status: ShardStatus["status"],
  over: Partial<ShardStatus> = {},
): ShardStatus => ({
  runId: "r",
  index,
  count: 3,
  status,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...(status === "completed" ? { planned: 10 } : {}),
  ...over,
});

describe("the status of a run written by shards", () => {
  it("stays running while a shard has not started or is running, and says which", () => {
    expect(sharedRunVerdict([shard(1, "completed")], 3, 10)).toEqual({
      status: "running",
      waitingFor: [2, 3],
    });
    expect(sharedRunVerdict([shard(1, "completed"), shard(2, "failed"), shard(3, "running")], 3, 10)).toEqual(
      {
        status: "running",
        waitingFor: [3],
      },
    );
  });

  it("is completed only when every shard completed and the store holds what they planned together", () => {
    const all = [shard(1, "completed"), shard(2, "completed", { planned: 12 }), shard(3, "completed")];
    expect(sharedRunVerdict(all, 3, 32)).toEqual({ status: "completed", waitingFor: [] });
    const short = sharedRunVerdict(all, 3, 31);
    expect(short.status).toBe("failed");
    expect(short.statusReason).toBe("every shard completed, but 31 of 32 planned results are stored");
    // a completed shard that never recorded its planned count cannot make the run complete
    const unknown = sharedRunVerdict(
      [...all.slice(0, 2), shard(3, "completed", { planned: undefined })],
      3,
      32,
    );
    expect(unknown.status).toBe("failed");
  });

  it("is failed (or interrupted) once all finished, naming each shard that did not complete", () => {
    const verdict = sharedRunVerdict(
      [
        shard(1, "interrupted", { statusReason: "Ctrl-C" }),
        shard(2, "completed"),
        shard(3, "failed", { statusReason: "a write failed" }),
      ],
      3,
      10,
    );
    expect(verdict.status).toBe("failed");
    expect(verdict.statusReason).toBe(
      "shard 1/3 interrupted (Ctrl-C); shard 3/3 failed (a write failed); continue with --resume --shard I/N",
    );
    const interrupted = sharedRunVerdict(
      [shard(1, "completed"), shard(2, "interrupted"), shard(3, "completed")],
      3,
      20,
    );
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.statusReason).toMatch(/^shard 2\/3 interrupted;/);
  });
});

describe("which runs are shared by shards", () => {
  const pg = { kind: "postgres" } as never;
  const sqlite = { kind: "sqlite" } as never;
  it("a shard with a run id on PostgreSQL; never on SQLite, never without a run id", () => {
    expect(sharedShardOf(pg, { shard: { index: 2, count: 3 }, runId: "x" })).toEqual({ index: 2, count: 3 });
    expect(sharedShardOf(sqlite, { shard: { index: 2, count: 3 }, runId: "x" })).toBeUndefined();
    expect(sharedShardOf(pg, { shard: { index: 2, count: 3 } })).toBeUndefined();
    expect(sharedShardOf(pg, { runId: "x" })).toBeUndefined();
  });
});

describe("a shard joining a stored run", () => {
  const run = (over: Partial<RunRecord> = {}, lineage: Partial<RunRecord["lineage"]> = {}): RunRecord => ({
    id: "r",
    suite: "s",
    target: "t",
    targetKind: "http",
    datasetVersion: "dv1",
    status: "running",
    startedAt: "2026-01-01T00:00:00.000Z",
    epochs: 1,
    caseCount: 30,
    lineage: {
      suiteHash: "a".repeat(64),
      datasetVersion: "dv1",
      datasetFiles: [],
      targetConfigHash: "c".repeat(16),
      evaluators: {},
      toolVersion: "0",
      nodeVersion: "v20",
      shards: 3,
      ...lineage,
    },
    targetConfig: {},
    dimensions: { answer: { evaluator: "equals@1", kind: "equals", weight: 1, threshold: 1 } },
    tags: [],
    ...over,
  });

  it("matches when suite, dataset, target, epochs, evaluators and shard count agree (times and origins may differ)", () => {
    expect(
      runDifferences(run(), run({ startedAt: "2026-02-02T00:00:00.000Z" }, { gitCommit: "abc" })),
    ).toEqual([]);
  });

  it("names every difference with both values", () => {
    const mine = run(
      {
        epochs: 2,
        dimensions: { answer: { evaluator: "equals@1#i", kind: "equals", weight: 1, threshold: 1 } },
      },
      { shards: 4, suiteHash: "b".repeat(64) },
    );
    expect(runDifferences(run(), mine)).toEqual([
      `suite file hash (run ${"a".repeat(12)}, this shard ${"b".repeat(12)})`,
      "epochs (run 1, this shard 2)",
      "evaluator ids (run answer=equals@1, this shard answer=equals@1#i)",
      "shard count (run 3, this shard 4)",
    ]);
    expect(runDifferences(run({}, { shards: undefined }), run())).toEqual([
      "shard count (run none (not a sharded run), this shard 3)",
    ]);
  });
});
