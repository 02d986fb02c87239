import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.ts";
import { loadSuite } from "../../src/config/load.ts";
import { type DatasetSummary, summarizeDataset } from "../../src/dataset/dataset.ts";
import { buildDimensions } from "../../src/engine/prepare.ts";
import { runTarget } from "../../src/engine/run-target.ts";
import type { ScoringDimension } from "../../src/engine/scoring.ts";
import { loadScorecard, scorecardKey } from "../../src/scorecard/load.ts";
import { streamScorecard } from "../../src/scorecard/stream.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/types.ts";
import type { Target, TargetCallContext } from "../../src/targets/types.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * A fresh run calls its target before the dataset's summary (its version) is known, holds its
 * results until the run's row can be created, and creates nothing when the dataset is refused
 * (issue 14: the first request within a few hundred ms, whatever the dataset's size).
 */
const CASES = 12;

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("a fresh run starts before its dataset's version is known", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let dims: ScoringDimension[];
  let files: string[];
  let calls: string[];
  /** resolves once the target has been called `n` times */
  let callsReach: (n: number) => Promise<void>;

  const target: Target = {
    id: "echo",
    kind: "test",
    describe: () => ({ kind: "echo" }),
    async call(ctx: TargetCallContext) {
      calls.push(ctx.case.id);
      notify();
      // calls past `answerFirst` wait, unanswered, until the run gives up on them
      if (calls.length > answerFirst) await new Promise(() => {});
      return { output: String(ctx.case.input) };
    },
  };
  let notify = () => {};
  let answerFirst = Number.POSITIVE_INFINITY;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore(tmp.path("assay.db"));
    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: `c${String(i).padStart(2, "0")}`,
      input: `item ${i}`,
      expected: i % 3 === 0 ? "wrong" : `item ${i}`,
      tags: { third: String(i % 3) },
    }));
    files = [tmp.write("cases.jsonl", jsonl(cases))];
    tmp.write(
      "assay.yaml",
      [
        "suite: early",
        "dataset: cases.jsonl",
        "targets:",
        "  - { id: echo, module: none.ts }",
        "dimensions:",
        "  same: { evaluator: equals }",
      ].join("\n"),
    );
    dims = await buildDimensions(await loadSuite(tmp.path("assay.yaml")));
    calls = [];
    answerFirst = Number.POSITIVE_INFINITY;
    callsReach = (n) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (calls.length >= n) resolve();
        };
        notify = check;
        check();
      });
  });

  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  function start(dataset: Promise<DatasetSummary>, signal?: AbortSignal) {
    return runTarget({
      store,
      suite: { name: "early", hash: "h", baseDir: tmp.dir },
      target,
      dimensions: dims,
      datasetFiles: files,
      dataset,
      epochs: 1,
      concurrency: 3,
      timeoutMs: 5000,
      retries: 0,
      signal,
    });
  }

  it("calls the target while the version is unknown, then stores everything under it, totals kept", async () => {
    const summary = deferred<DatasetSummary>();
    const running = start(summary.promise);
    await callsReach(CASES);
    // every case called, and nothing recorded yet: the run's row waits for the version
    expect(new Set(calls).size).toBe(CASES);
    expect(await store.listRuns()).toEqual([]);

    const real = await summarizeDataset(files);
    summary.resolve(real);
    const result = await running;
    expect(result.run.status).toBe("completed");
    expect(result.run.datasetVersion).toBe(real.version);
    expect(result.run.caseCount).toBe(CASES);
    expect(result.progress.total).toBe(CASES);
    const [run] = await store.listRuns();
    expect(run.id).toBe(result.run.id);
    expect(run.datasetVersion).toBe(real.version);
    expect(await store.countOutputs(run.id)).toBe(CASES);

    // the cases went in under the version, and the kept card is the one read back from the rows
    const readBack = await streamScorecard(store, run);
    expect(readBack.cases).toBe(CASES);
    expect(readBack.dimensions.same.passed).toBe(8);
    const kept = await store.getScorecard(run.id, 1, scorecardKey({}));
    expect(kept).toBeDefined();
    const card = await loadScorecard(store, run);
    expect(card.dimensions.same).toEqual(readBack.dimensions.same);
    expect(card.slices).toEqual(readBack.slices);
  });

  it("a refused dataset stops the calls and creates nothing: the refusal is what is thrown", async () => {
    answerFirst = 2;
    const summary = deferred<DatasetSummary>();
    const running = start(summary.promise);
    await callsReach(3);
    const refusal = new InputError("duplicate id", { file: files[0], line: 7, field: "id" });
    summary.reject(refusal);
    await expect(running).rejects.toBe(refusal);
    expect(await store.listRuns()).toEqual([]);
    // the loop was stopped: two answered, at most three (the concurrency) held and given up
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(5);
  });

  it("Ctrl-C before the version is known: the run is still recorded, interrupted, with what was answered", async () => {
    answerFirst = 4;
    const summary = deferred<DatasetSummary>();
    const user = new AbortController();
    const running = start(summary.promise, user.signal);
    // four answered, three more held at the target (concurrency 3)
    await callsReach(7);
    user.abort();
    summary.resolve(await summarizeDataset(files));
    const result = await running;
    expect(result.interrupted).toBe(true);
    expect(result.run.status).toBe("interrupted");
    expect(await store.countOutputs(result.run.id)).toBe(4);
    expect(result.progress.done).toBe(4);
    expect(calls.length).toBe(7);
  });
});
