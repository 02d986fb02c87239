import { describe, expect, it } from "vitest";
import { createRng, krippendorffAlpha } from "../stats/index.ts";
import { itemBootstrap, pairAlphaFast } from "./agreement.ts";

describe("pairAlphaFast (the bootstrap's alpha)", () => {
  it("equals stats.krippendorffAlpha for two complete raters at every level", () => {
    const rng = createRng(42);
    const values = [1, 2, 3, 4, 5];
    for (let trial = 0; trial < 40; trial++) {
      const n = 5 + rng.nextIndex(60);
      const judge = Array.from({ length: n }, () => values[rng.nextIndex(5)]);
      const human = judge.map((v) => (rng.nextFloat() < 0.6 ? v : values[rng.nextIndex(5)]));
      for (const level of ["nominal", "ordinal", "interval", "ratio"] as const) {
        const expected = krippendorffAlpha([judge, human], level, { values }).alpha;
        const actual = pairAlphaFast(judge, human, level, values);
        if (Number.isFinite(expected)) expect(actual).toBeCloseTo(expected, 12);
        else expect(actual).toBeNull();
      }
    }
  });

  it("works on string categories", () => {
    const judge = ["a", "b", "tie", "a", "b", "a"];
    const human = ["a", "b", "a", "a", "a", "b"];
    const values = ["a", "b", "tie"];
    expect(pairAlphaFast(judge, human, "nominal", values)).toBeCloseTo(
      krippendorffAlpha([judge, human], "nominal", { values }).alpha,
      12,
    );
  });
});

describe("itemBootstrap", () => {
  it("keeps an item's rows together and is reproducible", () => {
    const groups = [[1, 1], [2], [3], [4, 4, 4]];
    const stat = { mean: (rows: number[]) => rows.reduce((a, b) => a + b, 0) / rows.length };
    const a = itemBootstrap(groups, stat, { resamples: 300, seed: 3 });
    const b = itemBootstrap(groups, stat, { resamples: 300, seed: 3 });
    expect(a).toEqual(b);
    expect(a.mean?.lower).toBeGreaterThanOrEqual(1);
    expect(a.mean?.upper).toBeLessThanOrEqual(4);
    expect(itemBootstrap([[1]], stat, { resamples: 10, seed: 1 }).mean).toBeNull();
  });
});
