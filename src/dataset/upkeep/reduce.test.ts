import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../../test/support/synthetic-runs.ts";
import { itemMatrix } from "./matrix.ts";
import { largestRemainders, reduceDataset } from "./reduce.ts";

describe("largestRemainders", () => {
  it("allocates exactly the size, proportionally, by largest fractional parts", () => {
    const seats = largestRemainders(
      [
        { stratum: "a", n: 5 },
        { stratum: "b", n: 3 },
        { stratum: "c", n: 2 },
      ],
      5,
    );
    // quotas 2.5, 1.5, 1.0: whole parts 2, 1, 1; the one seat left goes to the larger tie (a)
    expect(Object.fromEntries(seats)).toEqual({ a: 3, b: 1, c: 1 });
    const all = largestRemainders(
      [
        { stratum: "x", n: 4 },
        { stratum: "y", n: 1 },
      ],
      5,
    );
    expect(Object.fromEntries(all)).toEqual({ x: 4, y: 1 });
  });
});

describe("reduceDataset", () => {
  // three runs, eight cases in two strata; cases 0–3 discriminate (the best run passes more),
  // 4–7 every run passes
  const pattern = [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 0, 0, 1, 1, 1, 1],
    [1, 0, 0, 0, 1, 1, 1, 1],
  ];
  const rows = pattern.map((passes, r) =>
    syntheticRows({
      id: `run-${r}`,
      target: `t${r}`,
      cases: passes.map((p, j) => ({
        id: `c-${j}`,
        tags: { half: j % 2 === 0 ? "even" : "odd" },
        scores: { q: p },
      })),
    }),
  );

  it("keeps the most discriminating cases of each stratum, in proportion, in dataset order", () => {
    const { kept, report } = reduceDataset(itemMatrix(rows, "q"), { keep: 0.5 });
    expect(report.strata.keys).toEqual(["half"]);
    expect(report.strata.sizes).toEqual([
      { stratum: "half=even", total: 4, kept: 2 },
      { stratum: "half=odd", total: 4, kept: 2 },
    ]);
    // zero-variance cases (4–7) go last
    expect(kept.map((c) => c.id)).toEqual(["c-0", "c-1", "c-2", "c-3"]);
    expect(report.keptIds).toEqual(kept.map((c) => c.id));
    expect(report.kept).toBe(4);
    expect(report.coverage.maxShift).toBe(0);
  });

  it("reports the leaderboards, Kendall's τ, RMSE and the MDE at both sizes", () => {
    const { report } = reduceDataset(itemMatrix(rows, "q"), { keep: 4 });
    expect(report.leaderboard.map((r) => [r.full, r.reduced])).toEqual([
      [1, 1],
      [6 / 8, 2 / 4],
      [5 / 8, 1 / 4],
    ]);
    expect(report.kendallTau).toBe(1);
    const rmse = Math.sqrt((0 + (0.5 - 0.75) ** 2 + (0.25 - 0.625) ** 2) / 3);
    expect(report.rmse).toBeCloseTo(rmse, 12);
    expect(report.mde.full).not.toBeNull();
    expect(report.mde.reduced as number).toBeGreaterThan(report.mde.full as number);
  });

  it("refuses sizes it cannot keep", () => {
    const m = itemMatrix(rows, "q");
    expect(() => reduceDataset(m, { keep: 0 })).toThrow(/keeps no case/);
    expect(() => reduceDataset(m, { keep: 9 })).toThrow(/only 8 cases/);
  });
});
