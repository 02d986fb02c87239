import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../../test/support/synthetic-runs.ts";
import type { RunRows } from "../../compare/compare.ts";
import { itemMatrix } from "./matrix.ts";

/** Rows of a run whose case `id` was scored once more per extra score (epochs 1, 2, …). */
function withEpochs(rows: RunRows, extra: Record<string, Array<Record<string, number>>>): RunRows {
  const run = { ...rows.run, epochs: 1 + Math.max(0, ...Object.values(extra).map((e) => e.length)) };
  const outputs = [...rows.outputs];
  const scores = [...rows.scores];
  for (const [caseId, epochs] of Object.entries(extra)) {
    epochs.forEach((byDim, i) => {
      const epoch = i + 1;
      const out = rows.outputs.find((o) => o.caseId === caseId);
      if (out) outputs.push({ ...out, epoch });
      for (const [dimension, score] of Object.entries(byDim)) {
        const threshold = run.dimensions[dimension].threshold;
        scores.push({
          runId: run.id,
          caseId,
          epoch,
          dimension,
          evaluator: run.dimensions[dimension].evaluator,
          score,
          passed: score >= threshold,
          reason: "",
        });
      }
    });
  }
  return { ...rows, run, outputs, scores };
}

describe("itemMatrix", () => {
  it("takes each case's verdict as the scorecard does: epochs reduced, then the threshold", () => {
    // dimension `q`: threshold 0.5; epochs of c-1 in run A: 1, 0, 0 → mean 1/3 → fail; with
    // reduce: max it would pass
    const spec = (id: string, reduce?: "max") =>
      syntheticRows({
        id,
        dimensions: { q: { threshold: 0.5, ...(reduce ? { reduce } : {}) } },
        cases: [
          { id: "c-1", scores: { q: 1 } },
          { id: "c-2", scores: { q: 0 } },
        ],
      });
    const a = withEpochs(spec("A"), { "c-1": [{ q: 0 }, { q: 0 }] });
    const b = withEpochs(spec("B", "max"), { "c-1": [{ q: 0 }, { q: 0 }] });
    const m = itemMatrix([a, b], "q");
    expect(m.items.map((c) => c.id)).toEqual(["c-1", "c-2"]);
    expect(m.passed).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(m.scores[0][0]).toBeCloseTo(1 / 3, 12);
    expect(m.scores[1][0]).toBe(1);
  });

  it("passes a case on every dimension by default, and scores it by the weighted aggregate", () => {
    const rows = syntheticRows({
      dimensions: { a: { weight: 3 }, b: { weight: 1 } },
      cases: [
        { id: "both", scores: { a: 1, b: 1 } },
        { id: "one", scores: { a: 1, b: 0 } },
      ],
    });
    const m = itemMatrix([rows, rows]);
    expect(m.dimension).toBeNull();
    expect(m.passed[0]).toEqual([1, 0]);
    expect(m.scores[0]).toEqual([1, 0.75]);
  });

  it("leaves out what the statistics cannot use, saying why", () => {
    const a = syntheticRows({
      id: "A",
      cases: [
        { id: "ok", scores: { q: 1 } },
        { id: "err", scores: { q: 1 } },
        { id: "uns", scores: { q: 1 } },
        { id: "edit", input: "old wording", scores: { q: 1 } },
        { id: "gone", scores: { q: 1 } },
      ],
    });
    const b = syntheticRows({
      id: "B",
      datasetVersion: "dv-2",
      cases: [
        { id: "ok", scores: { q: 0 } },
        { id: "err", error: "timeout", scores: {} },
        { id: "uns", scores: { q: null } },
        { id: "edit", input: "new wording", scores: { q: 1 } },
      ],
    });
    const m = itemMatrix([a, b], "q");
    expect(m.items.map((c) => c.id)).toEqual(["ok"]);
    const reasons = Object.fromEntries(m.excluded.map((e) => [e.id, e.reason]));
    expect(reasons.err).toMatch(/errored in run B/);
    expect(reasons.uns).toMatch(/unscored in run B/);
    expect(reasons.edit).toMatch(/changed between the dataset versions/);
    expect(reasons.gone).toMatch(/not in the dataset of run B/);
  });

  it("refuses a dimension a run does not have", () => {
    const rows = syntheticRows({ id: "A", cases: [{ id: "c", scores: { q: 1 } }] });
    expect(() => itemMatrix([rows], "tone")).toThrow(/run A has no dimension "tone" \(it has q\)/);
  });
});
