import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLabels } from "../../src/labels/import.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { RunRecord, Store } from "../../src/store/types.ts";
import { ids, syntheticRows } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { judgeDimension } from "./support.ts";

/**
 * Labels without an `epoch` column: the run's only epoch when it has one (real runs number
 * epochs from 1), an error naming file, line and field when it has several.
 */
describe("importLabels: the epoch column", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let single: RunRecord;
  let multi: RunRecord;

  /** A run whose outputs and scores are stored at the given epochs (as the engine numbers them). */
  async function runWithEpochs(id: string, epochs: number[]): Promise<RunRecord> {
    const rows = syntheticRows({
      id,
      datasetVersion: `dv-${id}`,
      dimensions: { quality: judgeDimension("llm-judge@1#q") },
      cases: ids("c", 3).map((cid) => ({ id: cid, scores: { quality: 1 } })),
    });
    rows.run.epochs = epochs.length;
    const outputs = epochs.flatMap((epoch) => rows.outputs.map((o) => ({ ...o, epoch })));
    const scores = epochs.flatMap((epoch) => rows.scores.map((s) => ({ ...s, epoch })));
    await store.createRun(rows.run);
    await store.putCases(
      rows.run.datasetVersion,
      rows.cases.map((c) => ({
        case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
        ordinal: c.ordinal,
      })),
    );
    await store.writeResults({ outputs, scores });
    return rows.run;
  }

  beforeAll(async () => {
    tmp = tempDir("assay-labels-epoch-");
    store = openSqliteStore(tmp.path("assay.db"));
    single = await runWithEpochs("one-epoch", [1]);
    multi = await runWithEpochs("three-epochs", [1, 2, 3]);
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  it("CSV without an epoch column labels the only epoch of a single-epoch run", async () => {
    const file = tmp.write("single.csv", "id,labeller,value\nc-000,ann,pass\nc-001,ann,fail\n");
    const r = await importLabels(store, { run: single, file, dimension: "quality" });
    expect(r.added.map((l) => l.epoch)).toEqual([1, 1]);
    const stored = await store.listLabels({ runId: single.id });
    expect(stored.map((l) => [l.caseId, l.epoch])).toEqual([
      ["c-000", 1],
      ["c-001", 1],
    ]);
  });

  it("JSONL without an epoch does the same", async () => {
    const file = tmp.write("single.jsonl", jsonl([{ id: "c-002", labeller: "bob", value: 1 }]));
    const r = await importLabels(store, { run: single, file, dimension: "quality" });
    expect(r.added[0].epoch).toBe(1);
  });

  it("a run with several epochs needs the epoch: the error names file, line and field", async () => {
    const file = tmp.write("multi.csv", "id,labeller,value,epoch\nc-000,ann,pass,2\nc-001,ann,fail,\n");
    await expect(importLabels(store, { run: multi, file, dimension: "quality" })).rejects.toThrow(
      /multi\.csv:3 epoch: required: run three-epochs has 3 epochs \(1, 2, 3\)/,
    );
    const jsonlFile = tmp.write("multi.jsonl", jsonl([{ id: "c-000", labeller: "ann", value: 1 }]));
    await expect(importLabels(store, { run: multi, file: jsonlFile, dimension: "quality" })).rejects.toThrow(
      /multi\.jsonl:1 epoch: required/,
    );
    // nothing from a failed file is stored
    expect(await store.listLabels({ runId: multi.id })).toHaveLength(0);
    const ok = tmp.write("multi-ok.jsonl", jsonl([{ id: "c-000", labeller: "ann", value: 1, epoch: 3 }]));
    expect((await importLabels(store, { run: multi, file: ok, dimension: "quality" })).added[0].epoch).toBe(
      3,
    );
  });
});
