import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLabels } from "../../src/labels/import.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { RunRecord, Store } from "../../src/store/types.ts";
import { ids } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { judgeDimension, makeJudgeRun } from "./support.ts";

/** Label import validation, in-process (the CLI tests cover exit codes). */
describe("importLabels validation", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let run: RunRecord;

  beforeAll(async () => {
    tmp = tempDir("assay-labels-import-");
    store = openSqliteStore(tmp.path("assay.db"));
    run = await makeJudgeRun(store, {
      id: "imp-run",
      datasetVersion: "dv-imp",
      dimensions: { quality: judgeDimension("llm-judge@1#q"), tone: judgeDimension("llm-judge@1#t") },
      cases: ids("c", 4).map((id) => ({ id, scores: { quality: 1, tone: 1 } })),
    });
    await makeJudgeRun(store, {
      id: "imp-other",
      datasetVersion: "dv-imp",
      dimensions: { quality: judgeDimension("llm-judge@1#q") },
      cases: ids("c", 4).map((id) => ({ id, scores: { quality: 0 } })),
    });
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  const cases: Array<[string, string, RegExp]> = [
    ["column.csv", "id,labeler,value\nc-000,ann,1\n", /column\.csv:2 labeler: unknown column/],
    [
      "nolabeller.jsonl",
      jsonl([{ id: "c-000", value: 1, dimension: "quality" }]),
      /nolabeller\.jsonl:1 labeller: required/,
    ],
    [
      "nodim.jsonl",
      jsonl([{ id: "c-000", value: 1, labeller: "ann" }]),
      /nodim\.jsonl:1 dimension: required/,
    ],
    [
      "epoch.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: 1, epoch: 3, dimension: "quality" }]),
      /epoch\.jsonl:1 epoch: run imp-run has no output of case "c-000" at epoch 3/,
    ],
    [
      "dim.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: 1, dimension: "tonee" }]),
      /dim\.jsonl:1 dimension: run imp-run has no dimension "tonee"/,
    ],
    [
      "run.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: 1, dimension: "quality", run: "elsewhere" }]),
      /run\.jsonl:1 run: label is for run "elsewhere"/,
    ],
    [
      "malformed.jsonl",
      '{"id": "c-000", "labeller": "ann", "value": 1, "dimension": "quality"}\n{"id": \n',
      /malformed\.jsonl:2 malformed JSON/,
    ],
    [
      "kind.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: 1, dimension: "quality", kind: "stars" }]),
      /kind\.jsonl:1 kind: "stars" is not a label kind/,
    ],
    [
      "pairwise.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: "a", kind: "pairwise", dimension: "quality" }]),
      /pairwise\.jsonl:1 other_run: required for pairwise labels/,
    ],
    [
      "pref.jsonl",
      jsonl([
        {
          id: "c-000",
          labeller: "ann",
          value: "left",
          kind: "pairwise",
          dimension: "quality",
          other_run: "imp-other",
        },
      ]),
      /pref\.jsonl:1 value: "left" is not a preference/,
    ],
    [
      "date.jsonl",
      jsonl([{ id: "c-000", labeller: "ann", value: 1, dimension: "quality", created_at: "yesterday" }]),
      /date\.jsonl:1 created_at: "yesterday" is not a date/,
    ],
    ["empty.csv", "id,labeller,value\n", /empty\.csv no labels in the file/],
  ];
  for (const [name, content, message] of cases) {
    it(`rejects ${name}`, async () => {
      const file = tmp.write(name, content);
      await expect(importLabels(store, { run, file })).rejects.toThrow(message);
      expect(await store.listLabels({ runId: run.id, history: true })).toEqual([]);
    });
  }

  it("imports pairwise preferences against another run", async () => {
    const file = tmp.write("pw.csv", "id,labeller,value\nc-000,ann,A\nc-001,ann,tie\n");
    const r = await importLabels(store, {
      run,
      file,
      dimension: "quality",
      kind: "pairwise",
      otherRunId: "imp-other",
    });
    expect(r.added.map((l) => [l.value, l.otherRunId, l.kind])).toEqual([
      ["a", "imp-other", "pairwise"],
      ["tie", "imp-other", "pairwise"],
    ]);
  });
});
