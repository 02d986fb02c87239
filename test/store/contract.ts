import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Case } from "../../src/core/case.ts";
import { RunNotFoundError, resolveRun } from "../../src/store/resolve.ts";
import {
  type RunRecord,
  resultKey,
  type Store,
  type StoredCase,
  type StoredOutput,
  type StoredScore,
} from "../../src/store/types.ts";

/**
 * The behaviour every Store backend must have. Each backend's test file calls this once:
 *
 *   describeStoreContract("sqlite", async () => openSqliteStore(file));
 *
 * `open` must connect to the SAME database on every call (the persistence test closes a store and
 * opens it again). The database is never wiped: every test writes under its own random namespace
 * (run ids, suite names, dataset versions), so a shared PostgreSQL test database that holds rows
 * from earlier runs works as well as a fresh SQLite file. Queries that are not scoped (listRuns()
 * with no filter) are checked only for the rows of the test's namespace.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  /** Opens a store, runs `fn` with it and a fresh namespace, and always closes it. */
  async function withStore<T>(fn: (store: Store, ns: string) => Promise<T>): Promise<T> {
    const store = await open();
    try {
      return await fn(store, randomUUID().replaceAll("-", "").slice(0, 12));
    } finally {
      await store.close();
    }
  }

  describe(`${name} store contract`, () => {
    describe("runs", () => {
      it("createRun then getRun returns the same record; unknown ids are undefined", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, {
            id: `${ns}-full`,
            finishedAt: "2025-03-01T10:05:00.000Z",
            tags: ["main", "nightly"],
          });
          const bare = makeRun(ns, { id: `${ns}-bare` });
          await store.createRun(run);
          await store.createRun(bare);
          expect(await store.getRun(run.id)).toEqual(run);
          const got = await store.getRun(bare.id);
          expect(got).toEqual(bare);
          expect(got).not.toHaveProperty("finishedAt");
          expect(await store.getRun(`${ns}-missing`)).toBeUndefined();
        });
      });

      it("createRun with an id already stored fails and keeps the first", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-dup` });
          await store.createRun(run);
          await expect(store.createRun({ ...run, target: "other" })).rejects.toThrow();
          expect((await store.getRun(run.id))?.target).toBe("rules-v1");
        });
      });

      it("updateRun changes only the patched fields; an unknown id fails", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-upd`, status: "running" });
          const other = makeRun(ns, { id: `${ns}-other`, status: "running" });
          await store.createRun(run);
          await store.createRun(other);
          const lineage = { ...run.lineage, gitCommit: "abc123" };
          await store.updateRun(run.id, {
            status: "completed",
            finishedAt: "2025-03-01T11:00:00.000Z",
            caseCount: 42,
            tags: ["baseline"],
            lineage,
            dimensions: {
              grounding: { evaluator: "llm-judge@2", kind: "llm-judge", weight: 0.5, threshold: 0.8 },
            },
          });
          expect(await store.getRun(run.id)).toEqual({
            ...run,
            status: "completed",
            finishedAt: "2025-03-01T11:00:00.000Z",
            caseCount: 42,
            tags: ["baseline"],
            lineage,
            dimensions: {
              grounding: { evaluator: "llm-judge@2", kind: "llm-judge", weight: 0.5, threshold: 0.8 },
            },
          });
          await store.updateRun(run.id, { status: "interrupted" });
          expect((await store.getRun(run.id))?.caseCount).toBe(42);
          expect((await store.getRun(run.id))?.status).toBe("interrupted");
          expect(await store.getRun(other.id)).toEqual(other);
          await expect(store.updateRun(`${ns}-missing`, { status: "failed" })).rejects.toThrow();
          await expect(store.updateRun(`${ns}-missing`, {})).rejects.toThrow();
          // an empty patch changes nothing; an explicit undefined clears an optional field
          await store.updateRun(run.id, {});
          expect((await store.getRun(run.id))?.finishedAt).toBe("2025-03-01T11:00:00.000Z");
          await store.updateRun(run.id, { finishedAt: undefined });
          expect(await store.getRun(run.id)).not.toHaveProperty("finishedAt");
        });
      });

      it("concurrent updates of different fields of one run both apply", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-race`, status: "running" });
          await store.createRun(run);
          await Promise.all([
            store.updateRun(run.id, { status: "completed", finishedAt: at(30) }),
            store.updateRun(run.id, { tags: ["main"] }),
            store.updateRun(run.id, { caseCount: 7 }),
          ]);
          expect(await store.getRun(run.id)).toEqual({
            ...run,
            status: "completed",
            finishedAt: at(30),
            tags: ["main"],
            caseCount: 7,
          });
        });
      });

      it("listRuns is newest first and filters by suite, target, status and tag, with a limit", async () => {
        await withStore(async (store, ns) => {
          const suite = `suite-${ns}`;
          const other = `other-${ns}`;
          const runs = [
            makeRun(ns, {
              id: `${ns}-1`,
              startedAt: at(1),
              target: "a",
              status: "completed",
              tags: ["main"],
            }),
            makeRun(ns, { id: `${ns}-2`, startedAt: at(2), target: "b", status: "failed" }),
            makeRun(ns, {
              id: `${ns}-3`,
              startedAt: at(3),
              target: "a",
              status: "running",
              tags: ["main", "pr-7"],
            }),
            makeRun(ns, {
              id: `${ns}-4`,
              startedAt: at(4),
              target: "b",
              status: "completed",
              tags: ["pr-7"],
            }),
            makeRun(ns, { id: `${ns}-5`, startedAt: at(5), target: "a", status: "completed", suite: other }),
          ];
          // stored out of order: the order comes from startedAt
          for (const i of [2, 0, 4, 1, 3]) await store.createRun(runs[i]);
          const ids = (list: RunRecord[]) => list.map((r) => r.id);

          const all = (await store.listRuns()).filter((r) => r.id.startsWith(`${ns}-`));
          expect(ids(all)).toEqual([`${ns}-5`, `${ns}-4`, `${ns}-3`, `${ns}-2`, `${ns}-1`]);
          expect(all[0]).toEqual(runs[4]);

          expect(ids(await store.listRuns({ suite }))).toEqual([`${ns}-4`, `${ns}-3`, `${ns}-2`, `${ns}-1`]);
          expect(ids(await store.listRuns({ suite: other }))).toEqual([`${ns}-5`]);
          expect(ids(await store.listRuns({ suite, target: "a" }))).toEqual([`${ns}-3`, `${ns}-1`]);
          expect(ids(await store.listRuns({ suite, status: "completed" }))).toEqual([`${ns}-4`, `${ns}-1`]);
          expect(ids(await store.listRuns({ suite, tag: "main" }))).toEqual([`${ns}-3`, `${ns}-1`]);
          expect(ids(await store.listRuns({ suite, tag: "pr-7", target: "b" }))).toEqual([`${ns}-4`]);
          expect(ids(await store.listRuns({ suite, tag: "nope" }))).toEqual([]);
          expect(ids(await store.listRuns({ suite, limit: 2 }))).toEqual([`${ns}-4`, `${ns}-3`]);
          // the limit applies after the tag filter
          expect(ids(await store.listRuns({ suite, tag: "main", limit: 1 }))).toEqual([`${ns}-3`]);
          expect(await store.listRuns({ suite: `none-${ns}` })).toEqual([]);
        });
      });

      it("runs started at the same moment are listed in a stable order", async () => {
        await withStore(async (store, ns) => {
          for (const id of ["b", "c", "a"])
            await store.createRun(makeRun(ns, { id: `${ns}-${id}`, startedAt: at(1) }));
          const first = (await store.listRuns({ suite: `suite-${ns}` })).map((r) => r.id);
          const second = (await store.listRuns({ suite: `suite-${ns}` })).map((r) => r.id);
          expect(first).toHaveLength(3);
          expect(second).toEqual(first);
        });
      });
    });

    describe("cases", () => {
      const cases: Case[] = [
        {
          id: "c-plain",
          input: "Mark the budget review as done",
          expected: { action: "complete" },
          tags: { category: "act" },
        },
        { id: "c-absent", input: "no expected here", tags: {} },
        {
          id: "c-json",
          input: { messages: [{ role: "user", content: "Résumé 📅 «due» 明天" }] },
          expected: [
            1,
            2.5,
            -3e-7,
            1e21,
            "two",
            null,
            true,
            { nested: { deep: [{ k: "v" }] } },
            '\u0000\t\n"\\',
          ],
          tags: { level: "hard", source: "failure" },
          cluster: "conv-1",
        },
        {
          id: "c-null",
          input: { title: "x", n: 3 },
          expected: null,
          tags: { level: "easy" },
          cluster: "conv-1",
        },
        { id: "c-scalar", input: "s", expected: 0, tags: {} },
        { id: "c-string", input: "s", expected: "", tags: {} },
      ];

      it("listCases returns every case in ordinal order with input, expected, tags and cluster intact", async () => {
        await withStore(async (store, ns) => {
          const dv = `dv-${ns}`;
          // put in a different order from the ordinals
          const ordered = cases.map((c, i) => ({ case: c, ordinal: i }));
          await store.putCases(dv, [ordered[3], ordered[0], ordered[5]]);
          await store.putCases(dv, [ordered[2], ordered[4], ordered[1]]);
          const stored = await store.listCases(dv);
          expect(stored).toEqual(cases.map((c, i): StoredCase => ({ ...c, datasetVersion: dv, ordinal: i })));
          expect(stored[1]).not.toHaveProperty("expected");
          expect(stored[0]).not.toHaveProperty("cluster");
          expect(stored[3].expected).toBeNull();
          expect(stored[4].expected).toBe(0);
        });
      });

      it("putCases is idempotent and dataset versions are separate", async () => {
        await withStore(async (store, ns) => {
          const v1 = `dv1-${ns}`;
          const v2 = `dv2-${ns}`;
          const entries = cases.map((c, i) => ({ case: c, ordinal: i }));
          await store.putCases(v1, entries);
          await store.putCases(v1, entries);
          await store.putCases(v1, entries.slice(0, 2));
          await store.putCases(v1, []);
          expect(await store.listCases(v1)).toHaveLength(cases.length);
          // a case already stored under this version is not replaced
          await store.putCases(v1, [{ case: { ...cases[0], input: "changed" }, ordinal: 99 }]);
          const first = (await store.listCases(v1))[0];
          expect(first.input).toBe(cases[0].input);
          expect(first.ordinal).toBe(0);

          await store.putCases(v2, [{ case: cases[1], ordinal: 0 }]);
          expect((await store.listCases(v2)).map((c) => c.id)).toEqual(["c-absent"]);
          expect(await store.listCases(`dv-none-${ns}`)).toEqual([]);
        });
      });

      it("stores thousands of cases in one call", async () => {
        await withStore(async (store, ns) => {
          const dv = `dv-big-${ns}`;
          const many = Array.from({ length: 2500 }, (_, i) => ({
            case: { id: `k${String(i).padStart(5, "0")}`, input: `q${i}`, tags: { n: String(i % 3) } },
            ordinal: 2499 - i,
          }));
          await store.putCases(dv, many);
          const stored = await store.listCases(dv);
          expect(stored).toHaveLength(2500);
          expect(stored[0].id).toBe("k02499");
          expect(stored[2499]).toEqual({
            id: "k00000",
            input: "q0",
            tags: { n: "0" },
            datasetVersion: dv,
            ordinal: 2499,
          });
        });
      });
    });

    describe("results", () => {
      it("writeResults round-trips every field of outputs and scores", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-res`;
          await store.createRun(makeRun(ns, { id: runId }));
          const full: StoredOutput = {
            runId,
            caseId: "c1",
            epoch: 0,
            text: '{"action":"complete","title":"Résumé 📅"}',
            json: { action: "complete", title: "Résumé 📅", list: [1, 2.5, null, { x: [true] }] },
            trace: {
              messages: [
                { role: "system", content: "be terse" },
                {
                  role: "assistant",
                  content: "",
                  toolCalls: [{ id: "t1", name: "lookup", arguments: { q: "budget" } }],
                },
                { role: "tool", content: "found", toolCallId: "t1", name: "lookup" },
              ],
              toolCalls: [{ id: "t1", name: "lookup", arguments: { q: "budget" } }],
              steps: [
                {
                  type: "tool-call",
                  toolCall: { name: "lookup", arguments: { q: "budget" } },
                  startedAt: 1700000000000,
                },
                { type: "tool-result", result: { rows: [1, 2] }, isError: false, durationMs: 12.75 },
              ],
            },
            usage: { inputTokens: 120, outputTokens: 35, cachedTokens: 64 },
            costUsd: 0.000123,
            latencyMs: 812.5,
            ttftMs: 95.25,
            attempts: 3,
            // a double, not a float: 0.1 + 0.2 must come back exactly (migration 6)
            confidence: 0.1 + 0.2,
            createdAt: "2025-03-01T10:00:01.000Z",
          };
          const failed: StoredOutput = {
            runId,
            caseId: "c2",
            epoch: 0,
            text: "",
            latencyMs: 30000,
            attempts: 4,
            error: { class: "rate-limited", message: "429 Too Many Requests: retry after 2s", status: 429 },
            createdAt: "2025-03-01T10:00:02.000Z",
          };
          const timeout: StoredOutput = {
            runId,
            caseId: "c2",
            epoch: 1,
            text: "",
            latencyMs: 0,
            attempts: 1,
            error: { class: "timeout", message: "timed out after 30000 ms" },
            createdAt: "2025-03-01T10:00:03.000Z",
          };
          const minimal: StoredOutput = {
            runId,
            caseId: "c3",
            epoch: 0,
            text: "plain text answer\nwith lines",
            latencyMs: 20,
            attempts: 1,
            createdAt: "2025-03-01T10:00:04.000Z",
          };
          const scores: StoredScore[] = [
            {
              runId,
              caseId: "c1",
              epoch: 0,
              dimension: "action",
              evaluator: "json-field@1",
              score: 1,
              passed: true,
              reason: "action matches",
              details: { expected: "complete", got: "complete", path: ["action"] },
            },
            {
              runId,
              caseId: "c1",
              epoch: 0,
              dimension: "tone",
              evaluator: "llm-judge@2",
              score: 0.25,
              passed: false,
              reason: "curt",
            },
            {
              runId,
              caseId: "c3",
              epoch: 0,
              dimension: "action",
              evaluator: "json-field@1",
              score: null,
              passed: null,
              reason: "output is not JSON",
              details: {},
            },
            {
              runId,
              caseId: "c3",
              epoch: 0,
              dimension: "tone",
              evaluator: "llm-judge@2",
              score: 0,
              passed: false,
              reason: "",
            },
          ];
          await store.writeResults({ outputs: [minimal, timeout, full, failed], scores });

          const outputs = await store.listOutputs(runId);
          expect(outputs).toEqual([full, failed, timeout, minimal]);
          for (const key of ["json", "trace", "usage", "costUsd", "ttftMs", "error"]) {
            expect(outputs[3]).not.toHaveProperty(key);
          }
          expect(outputs[2].error).not.toHaveProperty("status");

          const stored = await store.listScores(runId);
          expect(stored).toEqual(scores);
          expect(stored[1]).not.toHaveProperty("details");
          expect(stored[2].score).toBeNull();
          expect(stored[2].passed).toBeNull();
          expect(stored[3].score).toBe(0);
          expect(stored[3].passed).toBe(false);
        });
      });

      it("keeps JSON outputs that are falsy or not objects", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-falsy`;
          const values: unknown[] = [null, false, 0, "", [], "a string", 12.5];
          const outputs = values.map(
            (json, i): StoredOutput => ({
              runId,
              caseId: `c${i}`,
              epoch: 0,
              text: JSON.stringify(json),
              json,
              latencyMs: 1,
              attempts: 1,
              createdAt: at(i),
            }),
          );
          await store.writeResults({ outputs, scores: [] });
          const back = await store.listOutputs(runId);
          expect(back.map((o) => o.json)).toEqual(values);
          expect(back.every((o) => "json" in o)).toBe(true);
        });
      });

      it("lists outputs and scores of one run only, ordered by case and epoch", async () => {
        await withStore(async (store, ns) => {
          const a = `${ns}-a`;
          const b = `${ns}-b`;
          await store.writeResults({
            outputs: [output(a, "z", 1), output(a, "z", 0), output(a, "m", 2), output(b, "m", 0)],
            scores: [
              score(a, "z", 1, "tone"),
              score(a, "z", 1, "action"),
              score(a, "m", 2, "tone"),
              score(b, "m", 0, "tone"),
            ],
          });
          expect((await store.listOutputs(a)).map((o) => [o.caseId, o.epoch])).toEqual([
            ["m", 2],
            ["z", 0],
            ["z", 1],
          ]);
          expect((await store.listScores(a)).map((s) => [s.caseId, s.epoch, s.dimension])).toEqual([
            ["m", 2, "tone"],
            ["z", 1, "action"],
            ["z", 1, "tone"],
          ]);
          expect(await store.listOutputs(`${ns}-none`)).toEqual([]);
          expect(await store.listScores(`${ns}-none`)).toEqual([]);
        });
      });

      it("storedResultKeys names the (case, epoch) pairs that have an output", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-keys`;
          await store.writeResults({
            outputs: [output(runId, "a", 0), output(runId, "a", 1), output(runId, "b", 0)],
            scores: [],
          });
          await store.writeResults({ outputs: [output(`${ns}-other`, "c", 0)], scores: [] });
          const keys = await store.storedResultKeys(runId);
          expect(keys).toEqual(new Set([resultKey("a", 0), resultKey("a", 1), resultKey("b", 0)]));
          expect(keys.has(resultKey("b", 1))).toBe(false);
          expect((await store.storedResultKeys(`${ns}-none`)).size).toBe(0);
        });
      });

      it("readResultColumns gives a run's results as columns, in ordinal then epoch order", async () => {
        await withStore(async (store, ns) => {
          const version = `${ns}-cv`;
          const runId = `${ns}-cols`;
          const otherId = `${ns}-cols-other`;
          await store.createRun(makeRun(ns, { id: runId, datasetVersion: version }));
          await store.createRun(makeRun(ns, { id: otherId, datasetVersion: version }));
          // stored out of order (ordinals decide); c2 has results only in the other run
          await store.putCases(
            version,
            [3, 0, 2, 1].map((i) => ({
              case: {
                id: `c${i}`,
                input: `in ${i}`,
                tags: { k: `v${i % 2}` },
                ...(i === 1 ? { cluster: "g" } : {}),
              },
              ordinal: i * 10,
            })),
          );
          const errored: StoredOutput = {
            ...output(runId, "c3", 1),
            error: { class: "timeout", message: "slow" },
          };
          await store.writeResults({
            outputs: [
              output(runId, "c3", 0),
              errored,
              { ...output(runId, "c0", 0), costUsd: 0.25 },
              output(runId, "c1", 1),
              output(runId, "c1", 0),
              output(runId, "stray", 0),
            ],
            scores: [
              score(runId, "c3", 0, "b"),
              { ...score(runId, "c3", 0, "a"), score: 0.25, passed: false },
              { ...score(runId, "c0", 0, "a"), score: null, passed: null, reason: "timeout" },
              score(runId, "c1", 1, "a"),
              score(runId, "c1", 0, "a"),
              { ...score(runId, "c1", 0, "b"), scoreSet: 2, score: 0, passed: false },
            ],
          });
          await store.writeResults({
            outputs: [output(otherId, "c2", 0)],
            scores: [score(otherId, "c2", 0, "a")],
          });

          const cols = await store.readResultColumns(runId, version);
          expect(cols.cases.ids).toEqual(["c0", "c1", "c3"]);
          expect([...cols.cases.ordinals]).toEqual([0, 10, 30]);
          expect(cols.cases.tags).toEqual([{ k: "v0" }, { k: "v1" }, { k: "v1" }]);
          expect(cols.cases.clusters).toEqual([undefined, "g", undefined]);
          expect([...cols.outputs.case]).toEqual([0, 1, 1, 2, 2]);
          expect([...cols.outputs.epoch]).toEqual([0, 0, 1, 0, 1]);
          expect([...cols.outputs.errored]).toEqual([0, 0, 0, 0, 1]);
          expect([...cols.outputs.latencyMs]).toEqual([10, 10, 11, 10, 11]);
          expect([...cols.outputs.costUsd]).toEqual([0.25, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
          // the stray output (its case is not in the version) is counted, not listed
          expect([cols.outputCount, cols.errorCount]).toEqual([6, 1]);
          const rows = (c: typeof cols) =>
            Array.from(c.scores.case, (k, i) => [
              k,
              c.scores.epoch[i],
              c.dimensions[c.scores.dimension[i]],
              c.scores.score[i],
              c.scores.passed[i],
            ]);
          // the run's current score set; unscored is NaN with no verdict (2)
          expect(rows(cols)).toEqual([
            [0, 0, "a", Number.NaN, 2],
            [1, 0, "a", 1, 1],
            [1, 1, "a", 1, 1],
            [2, 0, "a", 0.25, 0],
            [2, 0, "b", 1, 1],
          ]);
          expect(rows(await store.readResultColumns(runId, version, 2))).toEqual([[1, 0, "b", 0, 0]]);
          const none = await store.readResultColumns(`${ns}-none`, version);
          expect([none.cases.ids.length, none.outputs.case.length, none.scores.case.length]).toEqual([
            0, 0, 0,
          ]);
          expect([none.outputCount, none.errorCount]).toEqual([0, 0]);

          // the named cases' rows as objects, across more ids than one IN list holds
          const many = [...Array.from({ length: 450 }, (_, i) => `missing-${i}`), "c3", "c1"];
          const got = await store.listResultsOf(runId, many);
          expect(got.outputs.map((o) => [o.caseId, o.epoch])).toEqual([
            ["c1", 0],
            ["c1", 1],
            ["c3", 0],
            ["c3", 1],
          ]);
          expect(got.outputs[3]).toEqual(errored);
          expect(got.scores.map((s) => [s.caseId, s.epoch, s.dimension, s.score])).toEqual([
            ["c1", 0, "a", 1],
            ["c1", 1, "a", 1],
            ["c3", 0, "a", 0.25],
            ["c3", 0, "b", 1],
          ]);
          expect(
            (await store.listResultsOf(runId, ["c1"], 2)).scores.map((s) => [s.dimension, s.scoreSet]),
          ).toEqual([["b", 2]]);
          expect(await store.listResultsOf(runId, [])).toEqual({ outputs: [], scores: [] });
        });
      });

      it("writes batches larger than one INSERT", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-big`;
          const outputs = Array.from({ length: 1500 }, (_, i) =>
            output(runId, `c${String(i).padStart(4, "0")}`, 0),
          );
          const scores = outputs.flatMap((o) => [
            score(runId, o.caseId, 0, "a"),
            score(runId, o.caseId, 0, "b"),
          ]);
          await store.writeResults({ outputs, scores });
          expect((await store.storedResultKeys(runId)).size).toBe(1500);
          expect(await store.listOutputs(runId)).toEqual(outputs);
          expect(await store.listScores(runId)).toHaveLength(3000);
        });
      });

      it("concurrent writes all land", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-conc`;
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              store.writeResults({
                outputs: [output(runId, `c${i}`, 0)],
                scores: [score(runId, `c${i}`, 0, "d")],
              }),
            ),
          );
          expect((await store.storedResultKeys(runId)).size).toBe(20);
          expect(await store.listScores(runId)).toHaveLength(20);
        });
      });

      it("score sets: a rescore's set stands beside the first; the current one is read unless another is asked for", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-sets` });
          await store.createRun(run);
          const first = [score(run.id, "a", 0, "action"), score(run.id, "b", 0, "action")];
          await store.writeResults({
            outputs: [output(run.id, "a", 0), output(run.id, "b", 0)],
            scores: first,
          });
          expect((await store.listScoreSets(run.id)).map((s) => [s.id, s.status])).toEqual([
            [1, "completed"],
          ]);
          const dims = { action: { ...run.dimensions.action, evaluator: "json-field@1#abcd1234" } };
          await store.createScoreSet({
            runId: run.id,
            id: 2,
            status: "running",
            dimensions: dims,
            createdAt: at(5),
          });
          const second: StoredScore[] = [
            {
              ...score(run.id, "a", 0, "action"),
              scoreSet: 2,
              score: 0,
              passed: false,
              evaluator: "json-field@1#abcd1234",
            },
          ];
          await store.writeResults({ outputs: [], scores: second });
          // An unfinished set changes nothing the run reads.
          expect(await store.listScores(run.id)).toEqual(first);
          expect(await store.listScores(run.id, 2)).toEqual(second);
          expect(await store.scoredResultKeys(run.id, 2)).toEqual(new Set([resultKey("a", 0)]));
          expect((await store.getRun(run.id))?.scoreSet).toBe(1);
          await store.completeScoreSet(run.id, 2, at(6));
          const now = await store.getRun(run.id);
          expect(now?.scoreSet).toBe(2);
          expect(now?.dimensions).toEqual(dims);
          expect(now?.lineage.evaluators).toEqual({ action: "json-field@1#abcd1234" });
          expect(await store.listScores(run.id)).toEqual(second);
          expect(await store.listScores(run.id, 1)).toEqual(first);
          const sets = await store.listScoreSets(run.id);
          expect(sets.map((s) => [s.id, s.status, s.finishedAt ?? null])).toEqual([
            [1, "completed", null],
            [2, "completed", at(6)],
          ]);
          const page = await store.pageResults(run.id, run.datasetVersion, { offset: 0, limit: 10 }, 1);
          expect(page.total).toBe(0); // no cases stored for this run's version: the page is empty either way
          expect(await store.countOutputs(run.id)).toBe(2);
          const [o] = await store.listOutputs(run.id);
          expect(await store.hasOutput(run.id, o.caseId, o.epoch)).toBe(true);
          expect(await store.hasOutput(run.id, o.caseId, o.epoch + 99)).toBe(false);
          expect(await store.hasOutput(`${run.id}-other`, o.caseId, o.epoch)).toBe(false);
        });
      });

      it("leases: a claim is a compare-and-swap; a taken-over lease cannot be renewed; release frees it", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-lease` });
          await store.createRun(run);
          expect(await store.getLease(run.id)).toBeUndefined();
          const lease = (token: string) => ({
            token,
            host: "h1",
            pid: 42,
            heartbeatAt: at(0),
            expiresAt: at(1),
          });
          expect(await store.claimLease(run.id, lease("t1"), null)).toBe(true);
          // A second claimer that still believes the lease is free loses.
          expect(await store.claimLease(run.id, lease("t2"), null)).toBe(false);
          expect((await store.getLease(run.id))?.token).toBe("t1");
          expect(await store.renewLease(run.id, "t1", at(2), at(3))).toBe(true);
          expect(await store.getLease(run.id)).toEqual({
            ...lease("t1"),
            heartbeatAt: at(2),
            expiresAt: at(3),
          });
          // Taking over names the holder it replaces.
          expect(await store.claimLease(run.id, lease("t2"), "t1")).toBe(true);
          expect(await store.renewLease(run.id, "t1", at(4), at(5))).toBe(false);
          await store.releaseLease(run.id, "t1"); // not the holder: no effect
          expect((await store.getLease(run.id))?.token).toBe("t2");
          await store.releaseLease(run.id, "t2");
          expect(await store.getLease(run.id)).toBeUndefined();
        });
      });

      it("shard leases: each shard's lease is its own compare-and-swap, apart from the run's", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-shard-lease`, status: "running" });
          await store.createRun(run);
          const one = { index: 1, count: 2 };
          const two = { index: 2, count: 2 };
          const lease = (token: string) => ({
            token,
            host: "h1",
            pid: 42,
            heartbeatAt: at(0),
            expiresAt: at(1),
          });
          expect(await store.getLease(run.id, one)).toBeUndefined();
          expect(await store.listShards(run.id)).toEqual([]);
          // racing first claims of a new shard: exactly one wins, and the shard's row appears once
          const raced = await Promise.all([
            store.claimLease(run.id, lease("a"), null, one),
            store.claimLease(run.id, lease("b"), null, one),
          ]);
          expect(raced.filter(Boolean)).toHaveLength(1);
          const winner = raced[0] ? "a" : "b";
          expect(await store.claimLease(run.id, lease("c"), null, two)).toBe(true);
          expect(await store.claimLease(run.id, lease("r"), null)).toBe(true);
          expect((await store.getLease(run.id, one))?.token).toBe(winner);
          expect((await store.getLease(run.id, two))?.token).toBe("c");
          expect((await store.getLease(run.id))?.token).toBe("r");
          expect(await store.renewLease(run.id, winner, at(2), at(3), one)).toBe(true);
          expect(await store.renewLease(run.id, "c", at(2), at(3), one)).toBe(false);
          expect(await store.getLease(run.id, one)).toEqual({
            ...lease(winner),
            heartbeatAt: at(2),
            expiresAt: at(3),
          });
          // a takeover names the holder it replaces; the old holder can no longer renew or release
          expect(await store.claimLease(run.id, lease("d"), winner, one)).toBe(true);
          expect(await store.renewLease(run.id, winner, at(4), at(5), one)).toBe(false);
          await store.releaseLease(run.id, winner, one);
          expect((await store.getLease(run.id, one))?.token).toBe("d");
          await store.releaseLease(run.id, "d", one);
          expect(await store.getLease(run.id, one)).toBeUndefined();
          expect((await store.getLease(run.id, two))?.token).toBe("c");
          expect((await store.getLease(run.id))?.token).toBe("r");
          const shards = await store.listShards(run.id);
          expect(shards.map((s) => [s.index, s.count, s.status, s.lease?.token])).toEqual([
            [1, 2, "running", undefined],
            [2, 2, "running", "c"],
          ]);
        });
      });

      it("shard statuses: putShardStatus records status, reason and planned count, and keeps the lease", async () => {
        await withStore(async (store, ns) => {
          const run = makeRun(ns, { id: `${ns}-shards`, status: "running" });
          const other = makeRun(ns, { id: `${ns}-shards-other`, status: "running" });
          await store.createRun(run);
          await store.createRun(other);
          const held = { token: "t2", host: "h", pid: 7, heartbeatAt: at(0), expiresAt: at(1) };
          expect(await store.claimLease(run.id, held, null, { index: 2, count: 3 })).toBe(true);
          await store.putShardStatus({
            runId: run.id,
            index: 3,
            count: 3,
            status: "running",
            updatedAt: at(1),
          });
          await store.putShardStatus({
            runId: run.id,
            index: 2,
            count: 3,
            status: "failed",
            statusReason: "a write to the store failed",
            planned: 14,
            updatedAt: at(2),
          });
          await store.putShardStatus({
            runId: other.id,
            index: 1,
            count: 1,
            status: "completed",
            updatedAt: at(2),
          });
          await store.putShardStatus({
            runId: run.id,
            index: 3,
            count: 3,
            status: "completed",
            planned: 12,
            updatedAt: at(3),
          });
          expect(await store.listShards(run.id)).toEqual([
            {
              runId: run.id,
              index: 2,
              count: 3,
              status: "failed",
              statusReason: "a write to the store failed",
              planned: 14,
              updatedAt: at(2),
              lease: held,
            },
            { runId: run.id, index: 3, count: 3, status: "completed", planned: 12, updatedAt: at(3) },
          ]);
          // back to running (a resume): the reason and the planned count are cleared with it
          await store.putShardStatus({
            runId: run.id,
            index: 2,
            count: 3,
            status: "running",
            updatedAt: at(4),
          });
          const [two] = await store.listShards(run.id);
          expect(two).toEqual({
            runId: run.id,
            index: 2,
            count: 3,
            status: "running",
            updatedAt: at(4),
            lease: held,
          });
          expect((await store.listShards(other.id)).map((s) => s.status)).toEqual(["completed"]);
          // deleting the run deletes its shards
          await store.deleteRun(run.id);
          expect(await store.listShards(run.id)).toEqual([]);
          expect(await store.listShards(other.id)).toHaveLength(1);
        });
      });

      it("deleteRun removes the run, its outputs and scores, and nothing else", async () => {
        await withStore(async (store, ns) => {
          const gone = makeRun(ns, { id: `${ns}-gone` });
          const kept = makeRun(ns, { id: `${ns}-kept` });
          await store.createRun(gone);
          await store.createRun(kept);
          await store.putCases(gone.datasetVersion, [
            { case: { id: "a", input: "x", tags: {} }, ordinal: 0 },
          ]);
          await store.writeResults({
            outputs: [output(gone.id, "a", 0), output(kept.id, "a", 0)],
            scores: [score(gone.id, "a", 0, "d"), score(kept.id, "a", 0, "d")],
          });
          await store.deleteRun(gone.id);
          expect(await store.getRun(gone.id)).toBeUndefined();
          expect(await store.listOutputs(gone.id)).toEqual([]);
          expect(await store.listScores(gone.id)).toEqual([]);
          expect(await store.getRun(kept.id)).toEqual(kept);
          expect(await store.listOutputs(kept.id)).toHaveLength(1);
          expect(await store.listScores(kept.id)).toHaveLength(1);
          // cases belong to the dataset version, which other runs share
          expect(await store.listCases(gone.datasetVersion)).toHaveLength(1);
          // deleting again, or an unknown run, is harmless
          await store.deleteRun(gone.id);
        });
      });
      it("pageResults returns one page of cases with results, in ordinal order, with their outputs and scores", async () => {
        await withStore(async (store, ns) => {
          const version = `${ns}-pv`;
          const runId = `${ns}-page`;
          const otherId = `${ns}-page-other`;
          await store.createRun(makeRun(ns, { id: runId, datasetVersion: version }));
          await store.createRun(makeRun(ns, { id: otherId, datasetVersion: version }));
          // stored out of order; ordinals decide
          await store.putCases(
            version,
            [4, 0, 3, 1, 2, 5].map((i) => ({
              case: { id: `p${i}`, input: `in ${i}`, tags: {} },
              ordinal: i,
            })),
          );
          // p2 has no output in this run (only in the other run): it is not part of the run's pages
          const withResults = ["p0", "p1", "p3", "p4", "p5"];
          await store.writeResults({
            outputs: withResults.flatMap((id) => [output(runId, id, 1), output(runId, id, 0)]),
            scores: withResults.flatMap((id) => [score(runId, id, 0, "b"), score(runId, id, 0, "a")]),
          });
          await store.writeResults({
            outputs: [output(otherId, "p2", 0)],
            scores: [score(otherId, "p2", 0, "a")],
          });

          const page = await store.pageResults(runId, version, { offset: 1, limit: 2 });
          expect(page.total).toBe(5);
          expect(page.cases.map((c) => [c.id, c.ordinal, c.input])).toEqual([
            ["p1", 1, "in 1"],
            ["p3", 3, "in 3"],
          ]);
          expect(page.outputs.map((o) => [o.caseId, o.epoch, o.runId])).toEqual([
            ["p1", 0, runId],
            ["p1", 1, runId],
            ["p3", 0, runId],
            ["p3", 1, runId],
          ]);
          expect(page.outputs[0]).toEqual(output(runId, "p1", 0));
          expect(page.scores.map((s) => [s.caseId, s.dimension])).toEqual([
            ["p1", "a"],
            ["p1", "b"],
            ["p3", "a"],
            ["p3", "b"],
          ]);
          const last = await store.pageResults(runId, version, { offset: 4, limit: 10 });
          expect(last.cases.map((c) => c.id)).toEqual(["p5"]);
          const past = await store.pageResults(runId, version, { offset: 10, limit: 10 });
          expect(past).toEqual({ total: 5, cases: [], outputs: [], scores: [] });
          expect((await store.pageResults(`${ns}-none`, version, { offset: 0, limit: 10 })).total).toBe(0);
        });
      });

      it("readCasePage pages every case of a version by ordinal, with one run's outputs and scores", async () => {
        await withStore(async (store, ns) => {
          const version = `${ns}-cp`;
          const runId = `${ns}-cpage`;
          await store.createRun(makeRun(ns, { id: runId, datasetVersion: version }));
          await store.putCases(
            version,
            [4, 0, 3, 1, 2].map((i) => ({
              case: { id: `q${i}`, input: `in ${i}`, tags: {} },
              ordinal: i * 10,
            })),
          );
          await store.writeResults({
            outputs: ["q0", "q1", "q3"].flatMap((id) => [output(runId, id, 1), output(runId, id, 0)]),
            scores: ["q0", "q3"].map((id) => score(runId, id, 0, "a")),
          });
          await store.writeResults({ outputs: [output(`${runId}-x`, "q2", 0)], scores: [] });
          const first = await store.readCasePage(runId, version, { afterOrdinal: -1, limit: 2 });
          expect(first.cases.map((c) => [c.id, c.ordinal])).toEqual([
            ["q0", 0],
            ["q1", 10],
          ]);
          expect(first.outputs.map((o) => [o.caseId, o.epoch])).toEqual([
            ["q0", 0],
            ["q0", 1],
            ["q1", 0],
            ["q1", 1],
          ]);
          expect(first.scores.map((sc) => sc.caseId)).toEqual(["q0"]);
          // a case without results in this run is still paged (the scorecard counts it missing)
          const second = await store.readCasePage(runId, version, { afterOrdinal: 10, limit: 2 });
          expect(second.cases.map((c) => c.id)).toEqual(["q2", "q3"]);
          expect(second.outputs.map((o) => o.caseId)).toEqual(["q3", "q3"]);
          const rest = await store.readCasePage(runId, version, { afterOrdinal: 30, limit: 2 });
          expect(rest.cases.map((c) => c.id)).toEqual(["q4"]);
          expect(await store.readCasePage(runId, version, { afterOrdinal: 40, limit: 2 })).toEqual({
            cases: [],
            outputs: [],
            scores: [],
          });
        });
      });

      it("latencyAt reads order statistics of the successful outputs' latencies", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-lat`;
          const latencies = [50, 10, 40, 20, 30];
          await store.writeResults({
            outputs: [
              ...latencies.map((ms, i) => ({ ...output(runId, `l${i}`, 0), latencyMs: ms })),
              // an error's latency is not a latency of an answer
              {
                ...output(runId, "err", 0),
                latencyMs: 1,
                error: { class: "timeout" as const, message: "no answer" },
              },
            ],
            scores: [],
          });
          expect(await store.latencyAt(runId, [0, 2, 4])).toEqual([10, 30, 50]);
          const past = await store.latencyAt(runId, [5]);
          expect(Number.isNaN(past[0])).toBe(true);
          // bins of width 15 from 10: [10,25) holds 10 and 20, [25,40) 30, [40,55) 40 and 50
          expect([...(await store.latencyBins(runId, 10, 15)).entries()].sort((a, b) => a[0] - b[0])).toEqual(
            [
              [0, 2],
              [1, 1],
              [2, 2],
            ],
          );
        });
      });

      it("keeps a scorecard per run, score set and options; new results for the run forget it", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-card`;
          const other = `${ns}-card-other`;
          expect(await store.getScorecard(runId, 1, "k")).toBeUndefined();
          await store.putScorecard(runId, 1, "k", { mean: 0.5 });
          await store.putScorecard(runId, 1, "k", { mean: 0.75 });
          await store.putScorecard(runId, 2, "k", { mean: 0.25 });
          await store.putScorecard(other, 1, "k", { mean: 1 });
          expect(await store.getScorecard(runId, 1, "k")).toEqual({ mean: 0.75 });
          expect(await store.getScorecard(runId, 1, "other-options")).toBeUndefined();
          await store.writeResults({ outputs: [output(runId, "late", 0)], scores: [] });
          expect(await store.getScorecard(runId, 1, "k")).toBeUndefined();
          expect(await store.getScorecard(runId, 2, "k")).toBeUndefined();
          expect(await store.getScorecard(other, 1, "k")).toEqual({ mean: 1 });
          await store.writeResults({ outputs: [], scores: [score(other, "late", 0, "a")] });
          expect(await store.getScorecard(other, 1, "k")).toBeUndefined();
        });
      });
    });

    describe("transactions", () => {
      it("a batch with a duplicate key stores nothing of that batch", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-tx`;
          const dup = output(runId, "a", 0);
          await expect(
            store.writeResults({
              outputs: [output(runId, "x", 0), dup, { ...dup, text: "again" }],
              scores: [score(runId, "x", 0, "d")],
            }),
          ).rejects.toThrow();
          expect(await store.listOutputs(runId)).toEqual([]);
          expect(await store.listScores(runId)).toEqual([]);
          expect((await store.storedResultKeys(runId)).size).toBe(0);
          // the store is still usable
          await store.writeResults({ outputs: [dup], scores: [] });
          expect(await store.listOutputs(runId)).toEqual([dup]);
        });
      });

      it("a duplicate score rolls back the outputs written before it", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-tx2`;
          await expect(
            store.writeResults({
              outputs: [output(runId, "a", 0), output(runId, "b", 0)],
              scores: [score(runId, "a", 0, "d"), score(runId, "a", 0, "d")],
            }),
          ).rejects.toThrow();
          expect(await store.listOutputs(runId)).toEqual([]);
          expect(await store.listScores(runId)).toEqual([]);
        });
      });

      it("a failing batch larger than one INSERT is rolled back whole", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-tx3`;
          const outputs = Array.from({ length: 1000 }, (_, i) => output(runId, `c${i}`, 0));
          outputs.push(output(runId, "c5", 0)); // collides with a row in the first chunk
          await expect(store.writeResults({ outputs, scores: [] })).rejects.toThrow();
          expect((await store.storedResultKeys(runId)).size).toBe(0);
        });
      });

      it("an output already stored makes the whole new batch fail, and earlier batches stay", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-tx4`;
          await store.writeResults({ outputs: [output(runId, "a", 0)], scores: [score(runId, "a", 0, "d")] });
          await expect(
            store.writeResults({ outputs: [output(runId, "b", 0), output(runId, "a", 0)], scores: [] }),
          ).rejects.toThrow();
          expect(await store.storedResultKeys(runId)).toEqual(new Set([resultKey("a", 0)]));
          expect(await store.listScores(runId)).toHaveLength(1);
        });
      });

      it("a failing score-set write keeps the scores already stored", async () => {
        await withStore(async (store, ns) => {
          const runId = `${ns}-tx5`;
          const old = [score(runId, "a", 0, "d"), score(runId, "b", 0, "d")];
          await store.writeResults({ outputs: [], scores: old });
          const dup = { ...score(runId, "a", 0, "n"), scoreSet: 2 };
          await expect(store.writeResults({ outputs: [], scores: [dup, dup] })).rejects.toThrow();
          expect(await store.listScores(runId)).toEqual(old);
          expect(await store.listScores(runId, 2)).toEqual([]);
        });
      });

      it("a failing putCases stores none of its cases", async () => {
        await withStore(async (store, ns) => {
          const dv = `dv-tx-${ns}`;
          const many = Array.from({ length: 900 }, (_, i) => ({
            case: { id: `k${i}`, input: "x", tags: {} },
            ordinal: i,
          }));
          // an input that cannot be serialised (a BigInt) fails the last chunk, after two were inserted
          const bad = { case: { id: "bad", input: { n: 1n }, tags: {} }, ordinal: 900 };
          await expect(store.putCases(dv, [...many, bad])).rejects.toThrow();
          expect(await store.listCases(dv)).toEqual([]);
        });
      });
    });

    describe("persistence", () => {
      it("everything written is read back after closing and opening again", async () => {
        const ns = randomUUID().replaceAll("-", "").slice(0, 12);
        const run = makeRun(ns, { id: `${ns}-persist`, tags: ["main"], finishedAt: at(9) });
        const c: Case = {
          id: "p1",
          input: { messages: [{ role: "user", content: "héllo" }] },
          expected: [1, { a: "b" }],
          tags: { k: "v" },
        };
        const out: StoredOutput = {
          ...output(run.id, "p1", 0),
          json: { a: 1 },
          usage: { inputTokens: 1, outputTokens: 2 },
          costUsd: 0.5,
          ttftMs: 3,
          error: { class: "server-error", message: "502", status: 502 },
        };
        const sc: StoredScore = {
          ...score(run.id, "p1", 0, "d"),
          score: null,
          passed: null,
          details: { why: "error" },
        };

        const first = await open();
        try {
          await first.createRun(run);
          await first.putCases(run.datasetVersion, [{ case: c, ordinal: 0 }]);
          await first.writeResults({ outputs: [out], scores: [sc] });
          await first.updateRun(run.id, { status: "completed" });
        } finally {
          await first.close();
        }

        const second = await open();
        try {
          expect(await second.getRun(run.id)).toEqual({ ...run, status: "completed" });
          expect(await second.listCases(run.datasetVersion)).toEqual([
            { ...c, datasetVersion: run.datasetVersion, ordinal: 0 },
          ]);
          expect(await second.listOutputs(run.id)).toEqual([out]);
          expect(await second.listScores(run.id)).toEqual([sc]);
          expect(await second.storedResultKeys(run.id)).toEqual(new Set([resultKey("p1", 0)]));
          expect((await second.listRuns({ suite: run.suite, tag: "main" })).map((r) => r.id)).toEqual([
            run.id,
          ]);
        } finally {
          await second.close();
        }
      });
    });

    describe("resolveRun", () => {
      /** Five runs of one suite: ids share prefixes on purpose. */
      async function seed(store: Store, ns: string) {
        const runs = [
          makeRun(ns, { id: `${ns}aa11`, startedAt: at(1), target: "rules-v1", tags: ["main"] }),
          makeRun(ns, { id: `${ns}aa22`, startedAt: at(2), target: "rules-v2" }),
          makeRun(ns, { id: `${ns}bb33`, startedAt: at(3), target: "rules-v1", tags: ["main", "release"] }),
          makeRun(ns, { id: `${ns}cc44`, startedAt: at(4), target: "rules-v2" }),
          makeRun(ns, { id: `${ns}dd55`, startedAt: at(5), target: "svc", suite: `other-${ns}` }),
        ];
        for (const r of runs) await store.createRun(r);
        return runs;
      }

      it("finds a run by full id and by unique prefix", async () => {
        await withStore(async (store, ns) => {
          const runs = await seed(store, ns);
          expect(await resolveRun(store, `${ns}aa22`)).toEqual(runs[1]);
          expect((await resolveRun(store, `${ns}b`)).id).toBe(`${ns}bb33`);
          expect((await resolveRun(store, `${ns}aa1`)).id).toBe(`${ns}aa11`);
          // a full id outside the scope's suite is still found
          expect((await resolveRun(store, `${ns}dd55`, { suite: `suite-${ns}` })).id).toBe(`${ns}dd55`);
        });
      });

      it("an ambiguous prefix is an error listing the matches", async () => {
        await withStore(async (store, ns) => {
          await seed(store, ns);
          const err = await resolveRun(store, `${ns}aa`).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(RunNotFoundError);
          const message = (err as Error).message;
          expect(message).toContain(`"${ns}aa" matches 2 runs`);
          expect(message).toContain(`${ns}aa11`);
          expect(message).toContain(`${ns}aa22`);
        });
      });

      it("`latest` is the newest run of the suite; `latest:TARGET` the newest of that target", async () => {
        await withStore(async (store, ns) => {
          await seed(store, ns);
          const suite = `suite-${ns}`;
          expect((await resolveRun(store, "latest", { suite })).id).toBe(`${ns}cc44`);
          expect((await resolveRun(store, "latest", { suite: `other-${ns}` })).id).toBe(`${ns}dd55`);
          expect((await resolveRun(store, "latest:rules-v1", { suite })).id).toBe(`${ns}bb33`);
          expect((await resolveRun(store, "latest:rules-v2", { suite })).id).toBe(`${ns}cc44`);
          await expect(resolveRun(store, "latest:svc", { suite })).rejects.toThrow(RunNotFoundError);
          await expect(resolveRun(store, "latest", { suite: `empty-${ns}` })).rejects.toThrow(
            /no runs stored/,
          );
        });
      });

      it("a tag resolves to the newest run carrying it", async () => {
        await withStore(async (store, ns) => {
          await seed(store, ns);
          const suite = `suite-${ns}`;
          expect((await resolveRun(store, "main", { suite })).id).toBe(`${ns}bb33`);
          expect((await resolveRun(store, "release", { suite })).id).toBe(`${ns}bb33`);
        });
      });

      it("an unknown reference is a RunNotFoundError saying what may be given", async () => {
        await withStore(async (store, ns) => {
          await seed(store, ns);
          await expect(resolveRun(store, `${ns}zz`)).rejects.toThrow(RunNotFoundError);
          await expect(resolveRun(store, `${ns}zz`)).rejects.toThrow(
            /unique prefix, a tag, latest or latest:TARGET/,
          );
          await expect(resolveRun(store, "nightly", { suite: `suite-${ns}` })).rejects.toThrow(
            `no run "nightly"`,
          );
        });
      });
    });

    describe("probes", () => {
      const probe = (ns: string, id: string, target: string, minutes: number, suite = `suite-${ns}`) => ({
        id: `${ns}-${id}`,
        suite,
        target,
        createdAt: at(minutes),
        report: {
          target,
          steps: [{ concurrency: 1, requests: 3, latencyMs: { p50: 1.5, p95: null, p99: null } }],
          knee: { concurrency: null, reason: "héllo <b>not html</b>" },
          headers: { "retry-after": "1" },
        },
      });

      it("saveProbe then getProbe returns the same record; unknown ids are undefined", async () => {
        await withStore(async (store, ns) => {
          const p = probe(ns, "a", "api", 1);
          await store.saveProbe(p);
          expect(await store.getProbe(p.id)).toEqual(p);
          expect(await store.getProbe(`${ns}-missing`)).toBeUndefined();
          await expect(store.saveProbe({ ...p, target: "other" })).rejects.toThrow();
          expect((await store.getProbe(p.id))?.target).toBe("api");
        });
      });

      it("listProbes is newest first, filtered by suite and target, and limited", async () => {
        await withStore(async (store, ns) => {
          await store.saveProbe(probe(ns, "old", "api", 1));
          await store.saveProbe(probe(ns, "new", "api", 3));
          await store.saveProbe(probe(ns, "mid", "model", 2));
          await store.saveProbe(probe(ns, "elsewhere", "api", 4, `other-${ns}`));
          const ids = (list: Array<{ id: string }>) => list.map((p) => p.id);
          expect(ids(await store.listProbes({ suite: `suite-${ns}` }))).toEqual([
            `${ns}-new`,
            `${ns}-mid`,
            `${ns}-old`,
          ]);
          expect(ids(await store.listProbes({ suite: `suite-${ns}`, target: "api" }))).toEqual([
            `${ns}-new`,
            `${ns}-old`,
          ]);
          expect(ids(await store.listProbes({ suite: `suite-${ns}`, limit: 1 }))).toEqual([`${ns}-new`]);
          const all = (await store.listProbes()).filter((p) => p.id.startsWith(ns));
          expect(ids(all)).toEqual([`${ns}-elsewhere`, `${ns}-new`, `${ns}-mid`, `${ns}-old`]);
          expect(all[1]).toEqual(probe(ns, "new", "api", 3));
        });
      });
    });
  });
}

/** An ISO timestamp `minutes` after a fixed moment, so order is explicit. */
function at(minutes: number): string {
  return new Date(Date.UTC(2025, 2, 1, 10, minutes)).toISOString();
}

function makeRun(ns: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id: `${ns}-run`,
    suite: `suite-${ns}`,
    target: "rules-v1",
    targetKind: "exec",
    datasetVersion: `dv-${ns}`,
    status: "completed",
    startedAt: at(0),
    epochs: 2,
    caseCount: 3,
    lineage: {
      suiteHash: "f".repeat(64),
      suiteFile: "/work/suite/assay.yaml",
      datasetVersion: `dv-${ns}`,
      datasetFiles: ["data/cases.jsonl", "data/more.csv"],
      targetConfigHash: "0123456789abcdef",
      evaluators: { action: "json-field@1", tone: "llm-judge@2" },
      toolVersion: "0.1.0",
      nodeVersion: "v20.19.0",
    },
    scoreSet: 1,
    targetConfig: { exec: ["node", "targets/rules-v1.mjs"], env: { MODE: "strict" }, timeoutMs: 5000 },
    dimensions: {
      action: {
        evaluator: "json-field@1",
        kind: "json-field",
        weight: 0.3,
        threshold: 1,
        with: { field: "action" },
      },
      tone: { evaluator: "llm-judge@2", kind: "llm-judge", weight: 0.7, threshold: 0.5 },
    },
    tags: [],
    ...over,
  };
}

function output(runId: string, caseId: string, epoch: number): StoredOutput {
  return {
    runId,
    caseId,
    epoch,
    text: `out ${caseId}/${epoch}`,
    latencyMs: 10 + epoch,
    attempts: 1,
    createdAt: at(epoch),
  };
}

function score(runId: string, caseId: string, epoch: number, dimension: string): StoredScore {
  return { runId, caseId, epoch, dimension, evaluator: "equals@1", score: 1, passed: true, reason: "equal" };
}
