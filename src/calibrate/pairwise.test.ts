import { describe, expect, it } from "vitest";
import { type PairwiseItem, pairwiseReport } from "./pairwise.ts";

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
