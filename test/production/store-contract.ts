import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import type {
  MonitorAlert,
  MonitorVisit,
  ProductionRecord,
  RecordReview,
  RecordScore,
} from "../../src/store/production.ts";
import type { Store } from "../../src/store/types.ts";
import { REPO_ROOT } from "../support/cli.ts";

/**
 * The production store (Store.production, migration 8) as every backend must have it. Each backend's
 * test file calls this once with where its store is (an SQLite file, a PostgreSQL URL); every call
 * of `open` connects to the same database. Tests share it, so each works under a namespace of its
 * own (record ids, monitor names) and, where a query is not scoped by monitor, in a time range of
 * its own.
 */
export function describeProductionStoreContract(name: string, location: () => string): void {
  async function withStore<T>(fn: (store: Store, ns: string) => Promise<T>): Promise<T> {
    const store = await openStore(location());
    try {
      return await fn(store, randomUUID().replaceAll("-", "").slice(0, 12));
    } finally {
      await store.close();
    }
  }

  describe(`${name} production store contract`, () => {
    it("putRecords stores new ids only: a rerun and repeats within a batch are counted as duplicates", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const before = await p.countRecords();
        const full = record(`${ns}-full`, "2030-01-01T00:00:00.000Z", {
          trace: {
            messages: [{ role: "user", content: "hi" }],
            steps: [
              {
                type: "tool-call",
                toolCall: { id: "c1", name: "lookup", arguments: { q: 1 } },
                startedAt: 5,
              },
            ],
          },
          model: "gpt-4o-mini",
          usage: { inputTokens: 12, outputTokens: 3 },
          latencyMs: 412.5,
          costUsd: 0.00021,
          monitor: "prod",
          source: "otlp",
        });
        const bare = record(`${ns}-bare`, "2030-01-01T00:01:00.000Z", {
          input: { messages: [] },
          output: null,
        });
        const third = record(`${ns}-third`, "2030-01-01T00:02:00.000Z");
        const t1 = "2030-01-02T00:00:00.000Z";
        expect(await p.putRecords([full, bare, third], t1)).toEqual({ inserted: 3, duplicates: 0 });
        expect(await p.getRecord(full.id)).toEqual({ ...full, ingestedAt: t1 });
        const gotBare = await p.getRecord(bare.id);
        expect(gotBare).toEqual({ ...bare, ingestedAt: t1 });
        for (const key of ["trace", "model", "usage", "latencyMs", "costUsd", "monitor"]) {
          expect(gotBare).not.toHaveProperty(key);
        }

        // the same ids again (changed), a new one twice in the same batch
        const fresh = record(`${ns}-fresh`, "2030-01-01T00:03:00.000Z");
        const t2 = "2030-01-03T00:00:00.000Z";
        const second = await p.putRecords([{ ...full, output: "changed" }, third, fresh, fresh], t2);
        expect(second).toEqual({ inserted: 1, duplicates: 3 });
        // the first stored version stands
        expect(await p.getRecord(full.id)).toEqual({ ...full, ingestedAt: t1 });
        expect(await p.countRecords()).toBe(before + 4);
        expect(await p.putRecords([], t2)).toEqual({ inserted: 0, duplicates: 0 });
        expect(await p.getRecord(`${ns}-missing`)).toBeUndefined();

        const some = await p.getRecords([third.id, `${ns}-missing`, full.id]);
        expect(some.map((r) => r.id).sort()).toEqual([full.id, third.id].sort());
      });
    });

    it("putRecords is one transaction: a batch that fails part-way stores none of it", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const before = await p.countRecords();
        // more rows than one INSERT takes, the bad one in a later chunk
        const batch = Array.from({ length: 450 }, (_, i) =>
          record(`${ns}-${i}`, `2030-02-01T00:00:${String(i % 60).padStart(2, "0")}.000Z`),
        );
        batch[420] = { ...batch[420], time: null as never };
        await expect(p.putRecords(batch, "2030-02-02T00:00:00.000Z")).rejects.toThrow();
        expect(await p.countRecords()).toBe(before);
        expect(await p.getRecords(batch.map((r) => r.id))).toEqual([]);
      });
    });

    it("listRecords: newest first, a monitor's records and the unassigned ones, time bounds, limit and offset", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        // this test's time range: 2031, which no other test uses
        const recs = [
          record(`${ns}-a`, "2031-03-01T00:00:00.000Z"),
          record(`${ns}-b`, "2031-03-02T00:00:00.000Z", { monitor: `${ns}-m` }),
          record(`${ns}-c`, "2031-03-03T00:00:00.000Z", { monitor: `${ns}-other` }),
          record(`${ns}-d`, "2031-03-04T00:00:00.000Z"),
        ];
        await p.putRecords(recs, "2031-04-01T00:00:00.000Z");
        const range = { from: "2031-01-01T00:00:00.000Z", to: "2032-01-01T00:00:00.000Z" };
        const ids = async (f: Parameters<typeof p.listRecords>[0]) =>
          (await p.listRecords(f)).map((r) => r.id);
        expect(await ids(range)).toEqual([`${ns}-d`, `${ns}-c`, `${ns}-b`, `${ns}-a`]);
        expect(await ids({ ...range, monitor: `${ns}-m` })).toEqual([`${ns}-d`, `${ns}-b`, `${ns}-a`]);
        // from is inclusive, to exclusive
        expect(await ids({ from: "2031-03-02T00:00:00.000Z", to: "2031-03-04T00:00:00.000Z" })).toEqual([
          `${ns}-c`,
          `${ns}-b`,
        ]);
        expect(await ids({ ...range, limit: 2, offset: 1 })).toEqual([`${ns}-c`, `${ns}-b`]);
      });
    });

    it("unvisitedRecords and recordVisits: oldest first, each record visited once per monitor, its first scores stand", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const m = `${ns}-m`;
        const other = `${ns}-other`;
        // older than any other test's records, so the oldest-first limit sees these first
        const r1 = record(`${ns}-1`, "1971-01-01T00:00:01.000Z");
        const r2 = record(`${ns}-2`, "1971-01-01T00:00:02.000Z", { monitor: m });
        const r3 = record(`${ns}-3`, "1971-01-01T00:00:03.000Z", { monitor: other });
        const r4 = record(`${ns}-4`, "1971-01-01T00:00:04.000Z");
        await p.putRecords([r4, r3, r2, r1], "1971-02-01T00:00:00.000Z");
        const mine = async (monitor: string) =>
          (await p.unvisitedRecords(monitor, 100_000)).map((r) => r.id).filter((id) => id.startsWith(ns));

        expect((await p.unvisitedRecords(m, 2)).map((r) => r.id)).toEqual([r1.id, r2.id]);
        expect(await mine(m)).toEqual([r1.id, r2.id, r4.id]);
        expect(await mine(other)).toEqual([r1.id, r3.id, r4.id]);
        // the records come back whole
        expect((await p.unvisitedRecords(m, 1))[0]).toEqual({
          ...r1,
          ingestedAt: "1971-02-01T00:00:00.000Z",
        });

        const first = [score(m, r1, "format", 1, true), score(m, r1, "tone", 0.25, false)];
        const at = "1971-03-01T00:00:00.000Z";
        const added = await p.recordVisits(
          m,
          [
            { recordId: r1.id, recordTime: r1.time, status: "scored", scores: first },
            { recordId: r2.id, recordTime: r2.time, status: "filtered", scores: [] },
          ],
          at,
        );
        expect(added).toBe(2);
        expect(await mine(m)).toEqual([r4.id]);
        // another monitor's visits are its own
        expect(await mine(other)).toEqual([r1.id, r3.id, r4.id]);

        // a rerun that visits r1 again (with other scores) and r4 for the first time
        const again = await p.recordVisits(
          m,
          [
            {
              recordId: r1.id,
              recordTime: r1.time,
              status: "scored",
              scores: [score(m, r1, "format", 0, false), score(m, r1, "tone", 0, false)],
            },
            { recordId: r4.id, recordTime: r4.time, status: "unsampled", scores: [] },
          ],
          "1971-03-02T00:00:00.000Z",
        );
        expect(again).toBe(1);
        expect(await mine(m)).toEqual([]);
        expect(await p.listRecordScores(m)).toEqual(first);
        expect(await p.listRecordScores(m, { recordId: r1.id })).toEqual(first);
        expect(await p.listRecordScores(m, { from: r2.time })).toEqual([]);
        expect(await p.countVisits(m)).toEqual({ scored: 1, filtered: 1, unsampled: 1 });
        expect(await p.recordVisits(m, [], at)).toBe(0);

        // two visits of one record at the same moment through one store: one is kept
        const r5 = record(`${ns}-5`, "1971-01-01T00:00:05.000Z");
        await p.putRecords([r5], at);
        const visit = (value: number): MonitorVisit => ({
          recordId: r5.id,
          recordTime: r5.time,
          status: "scored",
          scores: [score(m, r5, "format", value, value === 1)],
        });
        const both = await Promise.all([
          p.recordVisits(m, [visit(1)], at),
          p.recordVisits(m, [visit(0)], at),
        ]);
        expect(both[0] + both[1]).toBe(1);
        expect(await p.listRecordScores(m, { recordId: r5.id })).toHaveLength(1);
      });
    });

    it("two processes visiting the same records at once: every record visited once, with one visitor's scores", async () => {
      const ns = randomUUID().replaceAll("-", "").slice(0, 12);
      const m = `${ns}-race`;
      const recs = Array.from({ length: 40 }, (_, i) =>
        record(`${ns}-${String(i).padStart(2, "0")}`, `2032-01-01T00:00:${String(i).padStart(2, "0")}.000Z`),
      );
      await withStore(async (store) => {
        await store.production.putRecords(recs, "2032-01-02T00:00:00.000Z");
      });
      // each worker visits every record, one transaction per record, scoring it with its own number
      const visits = (worker: number): MonitorVisit[] =>
        recs.map((r) => ({
          recordId: r.id,
          recordTime: r.time,
          status: "scored",
          scores: [score(m, r, "format", worker, true), score(m, r, "tone", worker, true)],
        }));
      const added = await raceVisits(location(), m, [visits(0), visits(1)]);
      expect(added[0] + added[1]).toBe(recs.length);

      await withStore(async (store) => {
        const p = store.production;
        expect(await p.countVisits(m)).toEqual({ scored: recs.length, filtered: 0, unsampled: 0 });
        const scores = await p.listRecordScores(m);
        expect(scores).toHaveLength(recs.length * 2);
        // a record's scores all come from the worker whose visit was kept
        const byRecord = new Map<string, Set<number | null>>();
        for (const s of scores)
          byRecord.set(s.recordId, (byRecord.get(s.recordId) ?? new Set()).add(s.score));
        expect([...byRecord.values()].every((set) => set.size === 1)).toBe(true);
        expect(byRecord.size).toBe(recs.length);
      });
    });

    it("listScoredRecords: the monitor's scored records, oldest first, each with its metadata and scores", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const m = `${ns}-m`;
        const r1 = record(`${ns}-1`, "2033-01-01T00:00:01.000Z", { metadata: { app: "triage", tier: 1 } });
        const r2 = record(`${ns}-2`, "2033-01-01T00:00:02.000Z", { metadata: { app: "triage", beta: true } });
        const r3 = record(`${ns}-3`, "2033-01-01T00:00:03.000Z", { metadata: { app: "other" } });
        await p.putRecords([r1, r2, r3], "2033-01-02T00:00:00.000Z");
        const s3 = [
          score(m, r3, "tone", null, null, { details: { unscored: "judge-error" } }),
          score(m, r3, "format", 1, true, { details: { parsed: true } }),
        ];
        const s1 = [score(m, r1, "tone", 0.5, false), score(m, r1, "format", 0, false)];
        const at = "2033-01-03T00:00:00.000Z";
        // visited newest first, and with their dimensions out of order
        await p.recordVisits(
          m,
          [
            { recordId: r3.id, recordTime: r3.time, status: "scored", scores: s3 },
            { recordId: r2.id, recordTime: r2.time, status: "filtered", scores: [] },
            { recordId: r1.id, recordTime: r1.time, status: "scored", scores: s1 },
          ],
          at,
        );
        // another monitor's scores of the same record are not this monitor's
        await p.recordVisits(
          `${ns}-other`,
          [
            {
              recordId: r1.id,
              recordTime: r1.time,
              status: "scored",
              scores: [score(`${ns}-other`, r1, "x", 1, true)],
            },
          ],
          at,
        );
        const byDimension = (a: RecordScore, b: RecordScore) => (a.dimension < b.dimension ? -1 : 1);
        expect(await p.listScoredRecords(m)).toEqual([
          { recordId: r1.id, recordTime: r1.time, metadata: r1.metadata, scores: [...s1].sort(byDimension) },
          { recordId: r3.id, recordTime: r3.time, metadata: r3.metadata, scores: [...s3].sort(byDimension) },
        ]);
        expect(await p.listScoredRecords(`${ns}-nobody`)).toEqual([]);
      });
    });

    it("alerts: putAlert inserts or updates by id; listAlerts newest first, open ones only on request", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const m = `${ns}-m`;
        const a1: MonitorAlert = {
          id: `${ns}-a1`,
          monitor: m,
          dimension: "format",
          kind: "cusum",
          window: "2034-01-01T00:00:00.000Z",
          statistic: 5.25,
          openedAt: "2034-01-01T01:00:00.000Z",
          lastSeenAt: "2034-01-01T01:00:00.000Z",
        };
        const a2: MonitorAlert = {
          id: `${ns}-a2`,
          monitor: m,
          dimension: "input.length",
          kind: "ks",
          window: "#40",
          statistic: 0.31,
          p: 0.0004,
          openedAt: "2034-01-01T02:00:00.000Z",
          lastSeenAt: "2034-01-01T02:00:00.000Z",
          notifiedAt: "2034-01-01T02:00:01.000Z",
          notifyError: "webhook answered 503",
        };
        await p.putAlert(a1);
        await p.putAlert(a2);
        await p.putAlert({ ...a1, id: `${ns}-elsewhere`, monitor: `${ns}-other` });
        expect(await p.listAlerts(m)).toEqual([a2, a1]);
        const got = (await p.listAlerts(m))[1];
        for (const key of ["p", "closedAt", "notifiedAt", "notifyError"]) expect(got).not.toHaveProperty(key);

        // the same episode seen again, then closed
        const closed = {
          ...a1,
          statistic: 7.5,
          lastSeenAt: "2034-01-01T03:00:00.000Z",
          closedAt: "2034-01-01T04:00:00.000Z",
          notifiedAt: "2034-01-01T01:00:02.000Z",
        };
        await p.putAlert(closed);
        expect(await p.listAlerts(m)).toEqual([a2, closed]);
        expect(await p.listAlerts(m, { open: true })).toEqual([a2]);
        expect(await p.listAlerts(`${ns}-nobody`)).toEqual([]);
      });
    });

    it("reviews: added once per record and monitor, updated field by field, listed by monitor and status", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const m = `${ns}-m`;
        const low: RecordReview = {
          recordId: `${ns}-1`,
          monitor: m,
          reason: "threshold",
          detail: "format < 1",
          status: "pending",
          createdAt: "2035-01-01T00:00:00.000Z",
        };
        const flagged: RecordReview = {
          recordId: `${ns}-2`,
          monitor: m,
          reason: "person",
          detail: "rude answer",
          status: "pending",
          by: "ann",
          createdAt: "2035-01-02T00:00:00.000Z",
        };
        expect(await p.addReview(low)).toBe(true);
        expect(await p.addReview(flagged)).toBe(true);
        // a second review of the same record for the same monitor is refused; the first stands
        expect(await p.addReview({ ...low, reason: "alert", detail: "cusum" })).toBe(false);
        // the same record may be queued for another monitor
        expect(await p.addReview({ ...low, monitor: `${ns}-other` })).toBe(true);

        expect(await p.listReviews({ monitor: m })).toEqual([flagged, low]);

        const decided = { status: "confirmed" as const, by: "bob", decidedAt: "2035-01-03T00:00:00.000Z" };
        expect(await p.updateReview(low.recordId, m, decided)).toBe(true);
        expect(await p.updateReview(`${ns}-missing`, m, decided)).toBe(false);
        expect(await p.updateReview(low.recordId, m, {})).toBe(false);
        expect(await p.listReviews({ monitor: m, status: "pending" })).toEqual([flagged]);
        expect(await p.listReviews({ monitor: m, status: "confirmed" })).toEqual([{ ...low, ...decided }]);
        expect(await p.listReviews({ monitor: `${ns}-other` })).toEqual([{ ...low, monitor: `${ns}-other` }]);

        await p.updateReview(low.recordId, m, {
          status: "promoted",
          promotedTo: "data/regressions.jsonl#prod-1",
        });
        expect(await p.listReviews({ monitor: m, status: "promoted" })).toEqual([
          { ...low, ...decided, status: "promoted", promotedTo: "data/regressions.jsonl#prod-1" },
        ]);
      });
    });

    it("monitor reports: one per monitor, the latest pass replaces the one before", async () => {
      await withStore(async (store, ns) => {
        const p = store.production;
        const m = `${ns}-m`;
        expect(await p.getMonitorReport(m)).toBeUndefined();
        await p.putMonitorReport(
          m,
          { monitor: m, windows: [{ start: "#0", n: 20 }], alerts: [] },
          "2036-01-01T00:00:00.000Z",
        );
        const latest = {
          monitor: m,
          windows: [
            { start: "#0", n: 20 },
            { start: "#20", n: 7 },
          ],
          alerts: [{ kind: "cusum" }],
        };
        await p.putMonitorReport(m, latest, "2036-01-01T01:00:00.000Z");
        await p.putMonitorReport(`${ns}-n`, { monitor: `${ns}-n` }, "2036-01-01T00:30:00.000Z");
        expect(await p.getMonitorReport(m)).toEqual({
          report: latest,
          updatedAt: "2036-01-01T01:00:00.000Z",
        });
        const mine = (await p.listMonitors()).filter((x) => x.monitor.startsWith(ns));
        expect(mine).toEqual([
          { monitor: m, updatedAt: "2036-01-01T01:00:00.000Z" },
          { monitor: `${ns}-n`, updatedAt: "2036-01-01T00:30:00.000Z" },
        ]);
      });
    });
  });
}

function record(id: string, time: string, extra: Partial<ProductionRecord> = {}): ProductionRecord {
  return {
    id,
    time,
    input: `input of ${id}`,
    output: { answer: `output of ${id}` },
    metadata: { app: "triage", tier: 2, beta: false },
    source: "jsonl",
    ...extra,
  };
}

function score(
  monitor: string,
  r: ProductionRecord,
  dimension: string,
  value: number | null,
  passed: boolean | null,
  extra: Partial<RecordScore> = {},
): RecordScore {
  return {
    monitor,
    recordId: r.id,
    recordTime: r.time,
    dimension,
    evaluator: `${dimension}@1`,
    score: value,
    passed,
    reason: value === null ? "unscored" : `scored ${value}`,
    ...extra,
  };
}

/**
 * Runs each list of visits in a worker thread of its own, each with its own connection to the
 * store, started together (a barrier in shared memory): what two `assay monitor` processes do. The
 * workers load the built store (dist/, which the test run builds first). Resolves with each
 * worker's count of visits added.
 */
async function raceVisits(location: string, monitor: string, lists: MonitorVisit[][]): Promise<number[]> {
  const barrier = new SharedArrayBuffer(4);
  const openModule = pathToFileURL(join(REPO_ROOT, "dist/store/open.js")).href;
  const code = `
    const { workerData, parentPort } = require("node:worker_threads");
    (async () => {
      const { openStore } = await import(workerData.openModule);
      const store = await openStore(workerData.location);
      const arrived = new Int32Array(workerData.barrier);
      Atomics.add(arrived, 0, 1);
      Atomics.notify(arrived, 0);
      for (let n = Atomics.load(arrived, 0); n < workerData.parties; n = Atomics.load(arrived, 0)) {
        Atomics.wait(arrived, 0, n);
      }
      let added = 0;
      for (const visit of workerData.visits) {
        added += await store.production.recordVisits(workerData.monitor, [visit], workerData.at);
      }
      await store.close();
      parentPort.postMessage({ added });
    })().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
  `;
  return Promise.all(
    lists.map(
      (visits) =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(code, {
            eval: true,
            workerData: {
              openModule,
              location,
              barrier,
              parties: lists.length,
              monitor,
              visits,
              at: "2032-01-03T00:00:00.000Z",
            },
          });
          worker.once("message", (msg: { added?: number; error?: string }) => {
            if (msg.error !== undefined) reject(new Error(msg.error));
            else resolve(msg.added ?? 0);
          });
          worker.once("error", reject);
          worker.once("exit", (code) => {
            if (code !== 0) reject(new Error(`worker exited with ${code}`));
          });
        }),
    ),
  );
}
