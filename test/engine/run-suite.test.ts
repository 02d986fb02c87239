import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { buildDimensions } from "../../src/engine/prepare.ts";
import { rescoreRun } from "../../src/engine/rescore.ts";
import { runSuite } from "../../src/engine/run-suite.ts";
import { loadScorecard, scorecardKey } from "../../src/scorecard/load.ts";
import { streamScorecard } from "../../src/scorecard/stream.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/types.ts";
import { expectClose } from "../support/close.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * End to end through the library: suite file → dataset → module target → evaluators → SQLite →
 * scorecard, with answers known in advance so every number can be checked.
 */
describe("runSuite", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;

  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore(tmp.path("assay.db"));
    // 20 cases: even numbers answered right, odd ones wrong; tags split into two slices.
    const cases = Array.from({ length: 20 }, (_, i) => ({
      id: `c${String(i).padStart(2, "0")}`,
      input: `item ${i}`,
      expected: { action: "create", title: `item ${i}` },
      tags: { parity: i % 2 === 0 ? "even" : "odd", half: i < 10 ? "first" : "second" },
    }));
    tmp.write("cases.jsonl", jsonl(cases));
    tmp.write(
      "target.ts",
      `export default async function (input: string, ctx: { case: { id: string }; epoch: number }) {
        const n = Number(input.split(" ")[1]);
        if ((ctx as { case: { expected?: unknown } }).case.expected !== undefined) throw new Error("expected leaked");
        return n % 2 === 0 ? { action: "create", title: input } : { action: "delete", title: input + " extra" };
      }\n`,
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: unit",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t1",
        "    module: target.ts",
        "concurrency: 4",
        "dimensions:",
        "  action: { evaluator: json-field, with: { field: action }, weight: 2, threshold: 1 }",
        "  title: { evaluator: token-f1, with: { field: title }, weight: 1, threshold: 0.9 }",
      ].join("\n"),
    );
  });

  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it("a completed run keeps the scorecard of its running totals, equal to the one read back from its rows", async () => {
    // epochs that disagree (flaky), a case that always fails (an error), two slices
    tmp.write(
      "target.ts",
      `export default async function (input: string, ctx: { epoch: number }) {
        const n = Number(input.split(" ")[1]);
        if (n === 7) throw new Error("boom");
        const right = (n + ctx.epoch) % 3 !== 0;
        return right ? { action: "create", title: input } : { action: "delete", title: input + " extra" };
      }\n`,
    );
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const options = { minEffect: 0.1, volume: { perMonth: 1000 } };
    const result = await runSuite(suite, { store, epochs: 3, scorecardOptions: options });
    const run = result.runs[0].run;
    expect(run.status).toBe("completed");
    const kept = await store.getScorecard(run.id, 1, scorecardKey(options));
    expect(kept).toBeDefined();
    const card = await loadScorecard(store, run, options);
    expect(card.errors.count).toBe(3);
    expect(card.flaky.length).toBeGreaterThan(0);
    // the same card as a pass over the stored rows (nothing kept there)
    expectClose(card, await streamScorecard(store, run, { options, calibrations: [] }));
  });

  it("stores every result and builds a scorecard whose numbers follow from the answers", async () => {
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const result = await runSuite(suite, { store });
    expect(result.runs).toHaveLength(1);
    const run = result.runs[0].run;
    expect(run.status).toBe("completed");
    expect((await store.listOutputs(run.id)).length).toBe(20);
    expect((await store.listScores(run.id)).length).toBe(40);

    const card = await loadScorecard(store, run);
    expect(card.cases).toBe(20);
    expect(card.errors.count).toBe(0);
    expect(card.dimensions.action.mean).toBeCloseTo(0.5, 12);
    expect(card.dimensions.action.passRate).toBeCloseTo(0.5, 12);
    expect(card.dimensions.action.n).toBe(20);
    const [lo, hi] = card.dimensions.action.passCi as [number, number];
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(card.slices["parity=even"].action.mean).toBe(1);
    expect(card.slices["parity=odd"].action.mean).toBe(0);
    expect(card.slices["parity=odd"].action.passRate).toBe(0);
    // odd titles have one extra token: precision 2/3, recall 1, F1 = 0.8
    expect(card.slices["parity=odd"].title.mean).toBeCloseTo(0.8, 9);
    // aggregate = (2·action + 1·title) / 3 per case
    expect(card.slices["parity=even"].aggregate.mean).toBeCloseTo(1, 9);
    expect(card.slices["parity=odd"].aggregate.mean).toBeCloseTo((2 * 0 + 0.8) / 3, 9);
    expect(card.aggregate.mean).toBeCloseTo((1 + 0.8 / 3) / 2, 9);
    expect(card.patterns[0]).toMatchObject({
      dimension: "action",
      expected: "create",
      actual: "delete",
      count: 10,
    });
    expect(card.worst[0].failing.map((f) => f.dimension)).toContain("action");
    expect(card.run.lineage.evaluators.action).toMatch(/^json-field@/);
    expect(card.run.lineage.datasetVersion).toBe(run.datasetVersion);
  });

  it("repeats each case per epoch and averages epochs before the interval", async () => {
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const result = await runSuite(suite, { store, epochs: 3 });
    const run = result.runs[0].run;
    expect((await store.listOutputs(run.id)).length).toBe(60);
    const card = await loadScorecard(store, run);
    expect(card.results).toBe(60);
    expect(card.dimensions.action.n).toBe(20);
  });

  it("rescores stored outputs without calling the target, under the new evaluator version", async () => {
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const { runs } = await runSuite(suite, { store });
    const run = runs[0].run;
    // Swap the target for one that throws: rescore must not call it.
    tmp.write("target.ts", "export default async function () { throw new Error('called'); }\n");
    tmp.write(
      "assay.yaml",
      [
        "suite: unit",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t1",
        "    module: target.ts",
        "dimensions:",
        "  action: { evaluator: json-field, with: { field: action }, weight: 2, threshold: 1 }",
        "  title: { evaluator: levenshtein, with: { field: title }, weight: 1, threshold: 0.9 }",
      ].join("\n"),
    );
    const edited = await loadSuite(tmp.path("assay.yaml"));
    const { run: updated, scoreSet } = await rescoreRun(store, run, await buildDimensions(edited));
    expect(updated.lineage.evaluators.title).toMatch(/^levenshtein@/);
    expect(scoreSet.id).toBe(2);
    expect(updated.scoreSet).toBe(2);
    // The first scoring stays readable as set 1.
    expect((await store.listScores(run.id, 1)).some((s) => s.evaluator.startsWith("json-field@"))).toBe(true);
    const scores = await store.listScores(run.id);
    expect(
      scores.filter((s) => s.dimension === "title").every((s) => s.evaluator.startsWith("levenshtein@")),
    ).toBe(true);
    expect(scores.length).toBe(40);
    const outputs = await store.listOutputs(run.id);
    expect(outputs.every((o) => o.error === undefined)).toBe(true);
  });

  it("stores target errors as classified errors, never as scores", async () => {
    tmp.write(
      "target.ts",
      "export default async function (input: string) { if (input.endsWith('3')) throw new Error('boom'); return { action: 'create', title: input }; }\n",
    );
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const { runs } = await runSuite(suite, { store });
    const run = runs[0].run;
    const outputs = await store.listOutputs(run.id);
    const failed = outputs.filter((o) => o.error);
    expect(failed.map((o) => o.caseId).sort()).toEqual(["c03", "c13"]);
    expect(failed.every((o) => o.error?.class === "target-crash")).toBe(true);
    const scores = await store.listScores(run.id);
    expect(scores.some((s) => s.caseId === "c03")).toBe(false);
    const card = await loadScorecard(store, run);
    expect(card.errors.count).toBe(2);
    expect(card.errors.byClass["target-crash"]).toBe(2);
    expect(card.dimensions.action.n).toBe(18);
  });
});
