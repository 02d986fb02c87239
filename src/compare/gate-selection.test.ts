import { describe, expect, it } from "vitest";
import { ids, makeRun, type SyntheticCase } from "../../test/support/synthetic-runs.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { GateResult, GateRuleResult } from "./gate.ts";
import { gateSchema } from "./gate-config.ts";
import { gateRuns } from "./load.ts";

/**
 * What the gate checks and against which limit: gate.dimensions, gate.slices, weight-0
 * dimensions, a per-dimension maxRegression and per-slice floors, on runs with known outcomes.
 *
 * 200 cases: kind=x (the first 100) and kind=y; level=hard on even cases. Dimension `a` (weight 1)
 * drops 40 cases of kind=x (−20 pts overall, −40 in kind=x, −20 in level=hard); `b` (weight 1)
 * does not move; `lat` (weight 0) drops 60 cases of kind=x. Every drop named is significant.
 */
const N = 200;
const tagsOf = (i: number): Record<string, string> => ({
  kind: i < 100 ? "x" : "y",
  ...(i % 2 === 0 ? { level: "hard" } : {}),
});
const runCases = (candidate: boolean): SyntheticCase[] =>
  ids("s", N).map((id, i) => ({
    id,
    tags: tagsOf(i),
    scores: { a: candidate && i < 40 ? 0 : 1, b: 1, lat: candidate && i < 60 ? 0 : 1 },
  }));

async function gate(config: Record<string, unknown>): Promise<GateResult> {
  const store = openSqliteStore(":memory:");
  try {
    const dimensions = { lat: { weight: 0 } };
    const base = await makeRun(store, { target: "base", dimensions, cases: runCases(false) });
    const cand = await makeRun(store, { target: "cand", dimensions, cases: runCases(true) });
    return (await gateRuns(store, gateSchema.parse(config), cand, base, { resamples: 500 })).gate;
  } finally {
    await store.close();
  }
}

const regression = (g: GateResult) => g.rules.filter((r) => r.rule === "maxRegression");
const failing = (g: GateResult) =>
  regression(g)
    .filter((r) => r.status === "fail")
    .map((r) => r.subject)
    .sort();
const subjectsOf = (rules: GateRuleResult[]) => rules.map((r) => r.subject);

describe("gate.dimensions: what the regression rule gates", () => {
  it("by default gates every weighted dimension and aggregate; a weight-0 one is reported once, not gated", async () => {
    const g = await gate({ maxRegression: 0.05 });
    expect(failing(g)).toEqual([
      "a",
      "aggregate",
      "kind=x · a",
      "kind=x · aggregate",
      "level=hard · a",
      "level=hard · aggregate",
    ]);
    // lat regressed by 30 pts and more, yet fails nothing: one warning names it and how to gate it
    expect(regression(g).filter((r) => r.values.dimension === "lat" && r.status === "fail")).toEqual([]);
    const reported = regression(g).filter((r) => r.subject === "lat (not gated)");
    expect(reported).toHaveLength(1);
    expect(reported[0].status).toBe("warn");
    expect(reported[0].message).toMatch(/weight 0, so reported, not gated: list it in gate\.dimensions/);
    expect(reported[0].message).toMatch(/worst kind=x · lat: Δ -60\.0 pts/);
    expect(reported[0].values).toMatchObject({ gated: false, regressed: 3 });
  });

  it("a listed weight-0 dimension is gated; the others are left out", async () => {
    const g = await gate({ maxRegression: 0.05, dimensions: ["lat"] });
    expect(failing(g)).toEqual(["kind=x · lat", "lat", "level=hard · lat"]);
    expect(regression(g).some((r) => r.values.dimension === "a")).toBe(false);
    expect(subjectsOf(regression(g))).not.toContain("lat (not gated)");
  });

  it("include and exclude", async () => {
    const onlyA = await gate({ maxRegression: 0.05, dimensions: { include: ["a"] } });
    expect(failing(onlyA)).toEqual(["a", "kind=x · a", "level=hard · a"]);
    const noAggregate = await gate({ maxRegression: 0.05, dimensions: { exclude: ["aggregate"] } });
    expect(failing(noAggregate)).toEqual(["a", "kind=x · a", "level=hard · a"]);
    // an excluded weight-0 dimension is not even reported
    const quiet = await gate({ maxRegression: 0.05, dimensions: { exclude: ["lat", "a"] } });
    expect(failing(quiet)).toEqual(["aggregate", "kind=x · aggregate", "level=hard · aggregate"]);
    expect(subjectsOf(regression(quiet))).not.toContain("lat (not gated)");
  });
});

describe("gate.slices: tag keys or key=value, include or exclude", () => {
  it("a list of tag keys includes only their slices", async () => {
    const g = await gate({ maxRegression: 0.05, dimensions: ["a"], slices: ["kind"] });
    expect(failing(g)).toEqual(["a", "kind=x · a"]);
  });

  it("exclude takes a slice or a whole tag key", async () => {
    const slice = await gate({ maxRegression: 0.05, dimensions: ["a"], slices: { exclude: ["kind=x"] } });
    expect(failing(slice)).toEqual(["a", "level=hard · a"]);
    const key = await gate({ maxRegression: 0.05, dimensions: ["a"], slices: { exclude: ["level"] } });
    expect(failing(key)).toEqual(["a", "kind=x · a"]);
  });

  it("include of one slice leaves the others unchecked", async () => {
    const g = await gate({ maxRegression: 0.05, dimensions: ["a"], slices: { include: ["kind=y"] } });
    expect(failing(g)).toEqual(["a"]);
    expect(subjectsOf(regression(g)).some((s) => s.startsWith("kind=x") || s.startsWith("level"))).toBe(
      false,
    );
  });
});

describe("maxRegression per dimension", () => {
  it("{default, name: limit}: each dimension against its own limit", async () => {
    // a drops 20 pts overall and 40 in kind=x: within 0.5; aggregate drops 10 and 20: beyond 0.05
    const g = await gate({ maxRegression: { default: 0.05, a: 0.5 } });
    expect(failing(g)).toEqual(["aggregate", "kind=x · aggregate", "level=hard · aggregate"]);
    const agg = regression(g).find((r) => r.subject === "aggregate") as GateRuleResult;
    expect(agg.values.maxRegression).toBe(0.05);
  });

  it("without default, only the dimensions named are checked", async () => {
    const g = await gate({ maxRegression: { a: 0.3 } });
    // only kind=x · a (−40 pts) is beyond 0.3
    expect(failing(g)).toEqual(["kind=x · a"]);
    expect(regression(g).every((r) => r.values.dimension === undefined || r.values.dimension === "a")).toBe(
      true,
    );
    // a, and a in each of the three slices
    expect(g.checks).toBe(4);
  });
});

describe("floors per slice", () => {
  it('"key=value": {dimension: floor} checks that slice; a slice no case carries fails', async () => {
    const g = await gate({
      floors: {
        aggregate: 0.5,
        "kind=x": { a: 0.9 },
        "kind=y": { a: 0.9, aggregate: 0.95 },
        "kind=z": { a: 0.5 },
      },
    });
    const floors = Object.fromEntries(g.rules.filter((r) => r.rule === "floors").map((r) => [r.subject, r]));
    expect(Object.keys(floors).sort()).toEqual([
      "aggregate",
      "kind=x · a",
      "kind=y · a",
      "kind=y · aggregate",
      "kind=z · a",
    ]);
    expect(floors["kind=x · a"]).toMatchObject({ status: "fail", values: { value: 0.6, slice: "kind=x" } });
    expect(floors["kind=x · a"].message).toBe("kind=x · a: mean 0.600 < floor 0.9");
    expect(floors["kind=y · a"].status).toBe("pass");
    expect(floors["kind=y · aggregate"].status).toBe("pass");
    expect(floors["kind=z · a"].status).toBe("fail");
    expect(floors["kind=z · a"].message).toMatch(/no case is tagged kind=z/);
    expect(g.verdict).toBe("FAIL");
  });
});

describe("the summary line", () => {
  it("counts failing rules of all checks and names what regressed", async () => {
    const g = await gate({ maxRegression: 0.05, minCases: 10 });
    // minCases, then a/b/aggregate overall and in kind=x, kind=y, level=hard (12), and lat reported
    expect(g.checks).toBe(14);
    expect(g.failed).toBe(6);
    expect(g.regressed).toEqual({ dimensions: ["a", "aggregate"], slices: ["kind=x", "level=hard"] });
    expect(g.summary).toBe(
      "gate FAIL: 6 of 14 rules — 2 dimensions regressed, 2 slices regressed, 1 warning",
    );
  });

  it("names the failed rules when nothing regressed, and reads PASS when nothing failed", async () => {
    const floors = await gate({ floors: { b: 0.99, "kind=x": { a: 0.9 } }, minCases: 10 });
    expect(floors.summary).toBe("gate FAIL: 1 of 3 rules — floors failed");
    const pass = await gate({ minCases: 10, maxRegression: { b: 0.05 } });
    expect(pass.summary).toBe("gate PASS: 5 rules");
  });
});
