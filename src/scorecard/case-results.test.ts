import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../test/support/synthetic-runs.ts";
import { buildScorecard } from "./build.ts";
import { caseResults, flakyCases, reduceEpochs } from "./case-results.ts";

describe("reduceEpochs", () => {
  const scores = [1, 0, 1];
  const verdicts = [true, false, true];
  it("mean averages and passes on the mean", () => {
    expect(reduceEpochs(scores, verdicts, 0.7, "mean")).toEqual({ score: 2 / 3, passed: false });
    expect(reduceEpochs(scores, verdicts, 0.6, "mean")).toEqual({ score: 2 / 3, passed: true });
  });
  it("majority passes when more than half the epochs pass", () => {
    expect(reduceEpochs(scores, verdicts, 1, "majority")).toEqual({ score: 2 / 3, passed: true });
    expect(reduceEpochs([1, 0], [true, false], 1, "majority")).toEqual({ score: 0.5, passed: false });
  });
  it("max is pass@k and all is pass^k", () => {
    expect(reduceEpochs(scores, verdicts, 1, "max")).toEqual({ score: 1, passed: true });
    expect(reduceEpochs(scores, verdicts, 1, "all")).toEqual({ score: 0, passed: false });
  });
  it("no scored epoch is unscored, not 0", () => {
    expect(reduceEpochs([], [], 1, "mean")).toEqual({ score: null, passed: null });
  });
});

describe("epochs on the scorecard", () => {
  // Three epochs per case: c0 always passes, c1 flips between epochs, c2 always fails.
  const epochScores: Record<string, number[]> = { c0: [1, 1, 1], c1: [1, 0, 1], c2: [0, 0, 0] };
  function rowsWith(reduce: "mean" | "majority" | "max" | "all") {
    const base = syntheticRows({
      target: "t",
      datasetVersion: "v",
      cases: Object.keys(epochScores).map((id) => ({ id, scores: { ok: epochScores[id][0] } })),
    });
    const run = { ...base.run, epochs: 3 };
    run.dimensions = { ok: { ...run.dimensions.ok, threshold: 1, reduce } };
    const outputs = base.outputs.flatMap((o) => [1, 2, 3].map((epoch) => ({ ...o, runId: run.id, epoch })));
    const scores = base.scores.flatMap((s) =>
      [1, 2, 3].map((epoch) => {
        const v = epochScores[s.caseId][epoch - 1];
        return { ...s, runId: run.id, dimension: "ok", epoch, score: v, passed: v === 1 };
      }),
    );
    return { run, cases: base.cases, outputs, scores };
  }

  it("pass rates follow the reducer, counting cases not repeats", () => {
    const pass = (reduce: "mean" | "majority" | "max" | "all") =>
      buildScorecard(rowsWith(reduce)).dimensions.ok;
    expect(pass("mean")).toMatchObject({ n: 3, passed: 1 });
    expect(pass("majority")).toMatchObject({ n: 3, passed: 2 });
    expect(pass("max")).toMatchObject({ n: 3, passed: 2 });
    expect(pass("all")).toMatchObject({ n: 3, passed: 1 });
  });

  it("lists the case whose verdict differs between epochs as flaky", () => {
    const input = rowsWith("mean");
    const card = buildScorecard(input);
    expect(card.flaky).toEqual([{ caseId: "c1", dimension: "ok", verdicts: [true, false, true] }]);
    expect(card.results).toBe(9);
    expect(
      flakyCases(caseResults(input.run, input.cases, input.outputs, input.scores)).map((f) => f.caseId),
    ).toEqual(["c1"]);
  });
});
