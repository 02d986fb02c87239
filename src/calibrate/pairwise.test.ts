import { describe, expect, it } from "vitest";
import { type PairwiseItem, pairwiseReport } from "./pairwise.ts";
import { renderCalibration } from "./render.ts";

const item = (
  id: string,
  human: "a" | "b",
  original: "a" | "b" | null,
  swapped: "a" | "b" | null,
  tags = {},
): PairwiseItem => ({
  item: id,
  labeller: "gold",
  human,
  original,
  swapped,
  tags,
});

describe("pairwiseReport", () => {
  const items = [
    item("1", "a", "a", "a", { k: "x" }), // correct both, consistent
    item("2", "b", "b", "b", { k: "x" }), // correct both
    item("3", "a", "a", "b", { k: "y" }), // inconsistent: favoured the first shown (a, then b)
    item("4", "b", "a", "b", { k: "y" }), // inconsistent, favoured first; correct only swapped
    item("5", "b", "b", "a"), // inconsistent, favoured second
    item("6", "a", "b", "b"), // consistent, wrong
    item("7", "a", "a", null), // judged in one order only
  ];
  const r = pairwiseReport(items, { resamples: 100, seed: 1 });

  it("counts agreement per order, in both, and position consistency", () => {
    const p = r.pairwise;
    expect(p.original).toMatchObject({ agree: 5, n: 7 }); // 1,2,3,5,7
    expect(p.swapped).toMatchObject({ agree: 3, n: 6 }); // 1,2,4
    expect(p.both).toMatchObject({ agree: 2, n: 6 });
    expect(p.positionConsistency).toMatchObject({ agree: 3, n: 6 }); // 1,2,6
    expect(p.positionBias).toEqual({ inconsistent: 3, favouredFirst: 2, favouredSecond: 1, other: 0 });
    expect(p.average).toBeCloseTo((5 / 7 + 3 / 6) / 2, 12);
    expect(p.consensus).toMatchObject({ agree: 2, n: 6 });
  });

  it("keeps the common report fields (pooled over both orders)", () => {
    expect(r.n).toBe(7);
    expect(r.agreement).toBeCloseTo(8 / 13, 12);
    expect(r.confusion.labels).toEqual(["a", "b", "tie"]);
    expect(r.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(13);
    expect(r.weightedKappa).toEqual({ linear: null, quadratic: null });
    expect(r.bias).toBeNull();
    expect(r.spearman).toBeNull();
    expect(typeof r.cohenKappa).toBe("number");
    expect(r.slices["k=y"]).toMatchObject({ n: 2, positionConsistency: 0 });
  });
});

describe("pairwiseReport: refusals (null verdicts)", () => {
  // 4 items; item 3 refused with b shown first, item 4 refused in both orders
  const items = [
    item("1", "a", "a", "a"),
    item("2", "b", "b", "a"),
    item("3", "a", "a", null),
    item("4", "b", null, null),
  ];

  it("unscored (default): refusals are counted, left out of each order's n, and the orders' n differ", () => {
    const r = pairwiseReport(items, { resamples: 0 });
    expect(r.nullVerdict).toBe("unscored");
    expect(r.pairwise.refusals).toEqual({ original: 1, swapped: 2 });
    expect(r.n).toBe(3); // item 4 has no counted verdict
    expect(r.pairwise.original).toMatchObject({ agree: 3, n: 3 });
    expect(r.pairwise.swapped).toMatchObject({ agree: 1, n: 2 });
    expect(r.pairwise.both).toMatchObject({ agree: 1, n: 2 });
    expect(r.methods.nullVerdict).toMatch(/unscored/);
    const text = renderCalibration(r);
    expect(text).toMatch(/3 labelled items judged \(3 with a shown first, 2 with b shown first\)/);
    expect(text).toMatch(
      /refusals \(no usable verdict\): 3 \(1 with a shown first, 2 with b shown first\), counted as unscored/,
    );
  });

  it("wrong (LLMBar): every item counts in both orders; a refusal is a miss; two refusals are consistent", () => {
    const r = pairwiseReport(items, { resamples: 0, nullVerdict: "wrong" });
    expect(r.n).toBe(4);
    expect(r.pairwise.original).toMatchObject({ agree: 3, n: 4 });
    expect(r.pairwise.swapped).toMatchObject({ agree: 1, n: 4 });
    expect(r.pairwise.both).toMatchObject({ agree: 1, n: 4 });
    // consistent: item 1 (a, a) and item 4 (refused twice), as LLMBar's `equal`
    expect(r.pairwise.positionConsistency).toMatchObject({ agree: 2, n: 4 });
    expect(r.pairwise.positionBias).toMatchObject({ inconsistent: 2, favouredSecond: 1, other: 1 });
    expect(r.agreement).toBeCloseTo(4 / 8, 12);
    // kappa and the confusion matrix hold only real verdicts (5 of the 8)
    expect(r.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(5);
    expect(r.methods.nullVerdict).toMatch(/wrong.*LLMBar/);
    expect(renderCalibration(r)).toMatch(/counted as wrong/);
  });

  it("tie: a refusal is the verdict tie", () => {
    const r = pairwiseReport(items, { resamples: 0, nullVerdict: "tie" });
    expect(r.n).toBe(4);
    expect(r.pairwise.swapped).toMatchObject({ agree: 1, n: 4 });
    expect(r.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(8);
    expect(r.confusion.matrix[1][2]).toBe(2); // human b, judge tie: item 4 in both orders
  });

  it("an order that was never asked is not a refusal", () => {
    const r = pairwiseReport([{ item: "x", labeller: "g", human: "a", original: "a" }], {
      resamples: 0,
      nullVerdict: "wrong",
    });
    expect(r.pairwise.refusals).toEqual({ original: 0, swapped: 0 });
    expect(r.pairwise.swapped.n).toBe(0);
    expect(r.pairwise.original).toMatchObject({ agree: 1, n: 1 });
  });
});
