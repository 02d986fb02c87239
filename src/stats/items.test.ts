import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { itemAnalysis } from "./items.ts";

interface Vector {
  name: string;
  inputs: { responses_models_by_items: number[][] };
  expected: {
    difficulty_p: number[];
    point_biserial_item_rest: number[];
    kr20: number;
    cronbach_alpha: number;
  };
  tolerance: { abs: number };
}

const vectors = JSON.parse(
  readFileSync(new URL("../../test/fixtures/reference/stats-vectors.json", import.meta.url), "utf8"),
) as { cases: Vector[] };
const vector = vectors.cases.find((c) => c.name === "item_analysis_discrimination") as Vector;
const matrix = vector.inputs.responses_models_by_items;
const TOL = 1e-12;

describe("itemAnalysis", () => {
  it("reproduces the item_analysis_discrimination vector (numpy/scipy, cross-checked with R psych)", () => {
    expect(vector.tolerance.abs).toBe(TOL);
    const r = itemAnalysis(matrix);
    expect(r.n_models).toBe(8);
    expect(r.n_items).toBe(6);
    r.difficulty_p.forEach((p, j) => {
      expect(Math.abs(p - vector.expected.difficulty_p[j])).toBeLessThanOrEqual(TOL);
    });
    r.point_biserial_item_rest.forEach((pb, j) => {
      expect(pb).not.toBeNull();
      expect(Math.abs((pb as number) - vector.expected.point_biserial_item_rest[j])).toBeLessThanOrEqual(TOL);
    });
    expect(Math.abs(r.kr20 - vector.expected.kr20)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(r.cronbach_alpha - vector.expected.cronbach_alpha)).toBeLessThanOrEqual(TOL);
  });

  it("gives α-if-deleted as α of the other items (numpy, ddof = 1, computed outside this code)", () => {
    // numpy: k/(k-1)·(1 − Σ var(item, ddof=1) / var(total, ddof=1)) on the matrix without column j
    const expected = [
      0.64453125, 0.7342657342657343, 0.46195652173913054, 0.64453125, 0.6643356643356644, 0.64453125,
    ];
    const r = itemAnalysis(matrix);
    r.alpha_if_deleted.forEach((a, j) => {
      expect(Math.abs((a as number) - expected[j])).toBeLessThanOrEqual(TOL);
    });
    // item 1 is the weakest (lowest item–rest correlation): dropping it raises α
    expect(r.alpha_if_deleted[1] as number).toBeGreaterThan(r.cronbach_alpha);
  });

  it("lists the items nobody and everybody passes, with null correlations for them", () => {
    const m = [
      [1, 0, 1, 0],
      [1, 0, 0, 1],
      [1, 0, 1, 1],
    ];
    const r = itemAnalysis(m);
    expect(r.ceiling_items).toEqual([0]);
    expect(r.floor_items).toEqual([1]);
    expect(r.zero_variance_items).toEqual([0, 1]);
    expect(r.point_biserial_item_rest[0]).toBeNull();
    expect(r.point_biserial_item_rest[1]).toBeNull();
    expect(r.difficulty_p).toEqual([1, 0, 2 / 3, 2 / 3]);
  });

  it("leaves α-if-deleted undefined when fewer than two items would remain", () => {
    const r = itemAnalysis([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(r.alpha_if_deleted).toEqual([null, null]);
  });
});
