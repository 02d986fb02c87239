import { describe, expect, it } from "vitest";
import {
  discordantPair,
  ids,
  makeRun,
  type SyntheticCase,
  type SyntheticRun,
} from "../../test/support/synthetic-runs.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { GateRuleResult } from "./gate.ts";
import { gateSchema } from "./gate-config.ts";
import { gateRuns } from "./load.ts";

/** The gate policy on runs with known outcomes, through gateRuns (store → comparison → gate). */

async function gate(config: Record<string, unknown>, candidate: SyntheticRun, baseline?: SyntheticRun) {
  const store = openSqliteStore(":memory:");
  try {
    const b = baseline ? await makeRun(store, { target: "base", ...baseline }) : undefined;
    const c = await makeRun(store, { target: "cand", ...candidate });
    return await gateRuns(store, gateSchema.parse(config), c, b, { resamples: 2000 });
  } finally {
    await store.close();
  }
}

const rulesOf = (rules: GateRuleResult[], rule: string) => rules.filter((r) => r.rule === rule);
const statuses = (rules: GateRuleResult[], rule: string) => rulesOf(rules, rule).map((r) => r.status);

const passFail = (
  prefix: string,
  n: number,
  failing: (i: number) => boolean,
  extra: Partial<SyntheticCase> = {},
) => ids(prefix, n).map((id, i) => ({ id, scores: { correct: failing(i) ? 0 : 1 }, ...extra }));

describe("gate: maxRegression", () => {
  it("warns (not fails) on a big drop that is not significant, naming the minimum detectable effect", async () => {
    // 12 cases, 2 more failures: Δ −16.7 pts, McNemar p = 0.5
    const { gate: g, comparison } = await gate(
      { maxRegression: 0.05 },
      { cases: passFail("c", 12, (i) => i < 3) },
      { cases: passFail("c", 12, (i) => i === 0) },
    );
    expect(comparison?.dimensions.correct.delta).toBeCloseTo(-2 / 12, 12);
    expect(comparison?.dimensions.correct.verdict).toBe("underpowered");
    expect(g.verdict).toBe("PASS");
    expect(g.exitCode).toBe(0);
    const warns = rulesOf(g.rules, "maxRegression").filter((r) => r.status === "warn");
    expect(warns.map((r) => r.subject).sort()).toEqual(["aggregate", "correct"]);
    const w = warns.find((r) => r.subject === "correct") as GateRuleResult;
    expect(w.message).toMatch(/not significantly/);
    expect(w.message).toMatch(/with 12 cases this suite detects changes of \d+\.\d pts or more at 80% power/);
    expect(w.values.mde).toEqual(comparison?.dimensions.correct.mde);
    expect(w.values.mde as number).toBeGreaterThan(2 / 12);
    expect(g.warnings).toBe(2);
    expect(statuses(g.rules, "maxRegression")).toContain("pass");
  });

  it("fails a large significant drop", async () => {
    const pair = discordantPair({ n: 200, passToFail: 40, failToPass: 0, bothPass: 120 });
    const { gate: g } = await gate({ maxRegression: 0.05 }, { cases: pair.candidate }, { cases: pair.base });
    expect(g.verdict).toBe("FAIL");
    expect(g.exitCode).toBe(1);
    const fails = rulesOf(g.rules, "maxRegression").filter((r) => r.status === "fail");
    expect(fails.map((r) => r.subject).sort()).toEqual(["aggregate", "correct"]);
    expect(fails[0].message).toMatch(/regressed beyond 5\.0 pts/);
    expect(fails[0].values.pAdjusted as number).toBeLessThan(0.05);
    // no blanket "pass" line when something failed
    expect(statuses(g.rules, "maxRegression")).not.toContain("pass");
  });

  it("passes a significant drop smaller than maxRegression", async () => {
    const pair = discordantPair({ n: 400, passToFail: 20, failToPass: 0, bothPass: 300 });
    const { gate: g, comparison } = await gate(
      { maxRegression: 0.1 },
      { cases: pair.candidate },
      { cases: pair.base },
    );
    expect(comparison?.dimensions.correct.verdict).toBe("regressed");
    expect(comparison?.dimensions.correct.delta).toBeCloseTo(-0.05, 12);
    expect(g.verdict).toBe("PASS");
    expect(g.warnings).toBe(0);
    expect(statuses(g.rules, "maxRegression")).toEqual(["pass"]);
  });

  it("uses the gate's alpha: the same drop fails at alpha 0.05 and passes at a strict alpha", async () => {
    // 20 cases, 7 pass→fail: McNemar p = 2/128 = 0.0156; Holm over correct+aggregate → 0.03125
    const base = { cases: passFail("a", 20, () => false) };
    const cand = { cases: passFail("a", 20, (i) => i < 7) };
    const loose = await gate({ maxRegression: 0.05, alpha: 0.05 }, cand, base);
    expect(loose.comparison?.dimensions.correct.pAdjusted).toBeCloseTo(0.03125, 12);
    expect(loose.gate.verdict).toBe("FAIL");
    const strict = await gate({ maxRegression: 0.05, alpha: 0.01 }, cand, base);
    expect(strict.comparison?.alpha).toBe(0.01);
    expect(strict.gate.verdict).toBe("PASS");
    expect(statuses(strict.gate.rules, "maxRegression")).toContain("warn");
  });

  it("does not warn about slices with fewer than 5 pairs; honours gate.slices", async () => {
    // kind=rare: 4 cases all pass→fail (Δ −100 pts, not significant); kind=medium: 6 cases, 2 pass→fail
    const tagOf = (i: number) => ({ kind: i < 4 ? "rare" : i < 10 ? "medium" : "common" });
    const base = ids("t", 100).map((id, i) => ({ id, tags: tagOf(i), scores: { correct: 1 } }));
    const cand = ids("t", 100).map((id, i) => ({
      id,
      tags: tagOf(i),
      scores: { correct: i < 6 ? 0 : 1 },
    }));
    const { gate: g, comparison } = await gate({ maxRegression: 0.1 }, { cases: cand }, { cases: base });
    expect(comparison?.slices["kind=rare"].correct.delta).toBe(-1);
    expect(comparison?.slices["kind=rare"].correct.verdict).toBe("underpowered");
    const warned = rulesOf(g.rules, "maxRegression")
      .filter((r) => r.status === "warn")
      .map((r) => r.subject)
      .sort();
    expect(warned).toEqual(["kind=medium · aggregate", "kind=medium · correct"]);
    expect(g.verdict).toBe("PASS");

    const only = await gate({ maxRegression: 0.1, slices: ["other"] }, { cases: cand }, { cases: base });
    expect(rulesOf(only.gate.rules, "maxRegression").filter((r) => r.status === "warn")).toEqual([]);
  });

  it("does not fail on a graded drop in a one-case slice", async () => {
    const run = (drop: boolean) => ({
      dimensions: { quality: { threshold: 0.5 } },
      cases: ids("q", 30).map((id, i) => ({
        id,
        tags: (i === 0 ? { rare: "yes" } : {}) as Record<string, string>,
        scores: { quality: drop && i === 0 ? 0.1 : 0.9 },
      })),
    });
    const { gate: g, comparison } = await gate({ maxRegression: 0.05 }, run(true), run(false));
    // a one-pair slice is not tested at all (listed as skipped), so it cannot fail the gate
    expect(comparison?.slices["rare=yes"]).toBeUndefined();
    expect(comparison?.skippedSlices).toEqual([{ slice: "rare=yes", pairs: 1 }]);
    expect(statuses(g.rules, "maxRegression")).toEqual(["pass"]);
    expect(g.verdict).toBe("PASS");
  });

  it("with gate.slices, Holm-adjusts over the checked tests only", async () => {
    // 100 cases, 8 pass→fail: McNemar p = 2/256 = 0.0078. Over everything (correct + aggregate, 2
    // level slices, 20 bucket slices: 46 tests) Holm gives 0.36; over what the gate checks with
    // slices: [level] (6 tests), 0.047 < 0.05.
    const tagOf = (i: number) => ({ level: i % 2 === 0 ? "a" : "b", bucket: `b${i % 20}` });
    const base = ids("h", 100).map((id, i) => ({ id, tags: tagOf(i), scores: { correct: 1 } }));
    const cand = ids("h", 100).map((id, i) => ({ id, tags: tagOf(i), scores: { correct: i < 8 ? 0 : 1 } }));
    const all = await gate({ maxRegression: 0.05 }, { cases: cand }, { cases: base });
    expect(all.comparison?.dimensions.correct.pAdjusted).toBeCloseTo(46 * (2 / 256), 12);
    expect(all.gate.verdict).toBe("PASS");
    expect(rulesOf(all.gate.rules, "maxRegression").find((r) => r.subject === "correct")?.status).toBe(
      "warn",
    );

    const some = await gate({ maxRegression: 0.05, slices: ["level"] }, { cases: cand }, { cases: base });
    const correct = rulesOf(some.gate.rules, "maxRegression").find((r) => r.subject === "correct");
    expect(correct?.status).toBe("fail");
    expect(correct?.values.pAdjusted).toBeCloseTo(6 * (2 / 256), 12);
    expect(some.gate.verdict).toBe("FAIL");
    // the comparison itself is unchanged
    expect(some.comparison?.dimensions.correct.pAdjusted).toBeCloseTo(46 * (2 / 256), 12);
  });

  it("without a baseline, warns instead of failing", async () => {
    const { gate: g, comparison } = await gate(
      { maxRegression: 0.02 },
      { cases: passFail("n", 10, () => true) },
    );
    expect(comparison).toBeUndefined();
    expect(g.baseline).toBeNull();
    expect(g.rules).toEqual([expect.objectContaining({ rule: "maxRegression", status: "warn" })]);
    expect(g.rules[0].message).toMatch(/no baseline/);
    expect(g.verdict).toBe("PASS");
  });
});

describe("gate: floors", () => {
  // 10 cases, 9 pass: mean 0.9, Student-t lower bound ≈ 0.67
  const cases = passFail("f", 10, (i) => i === 0);

  it("checks the mean by default", async () => {
    // a floor exactly at the mean passes
    const ok = await gate({ floors: { correct: 0.85, aggregate: 0.9 } }, { cases });
    expect(statuses(ok.gate.rules, "floors")).toEqual(["pass", "pass"]);
    expect(ok.gate.verdict).toBe("PASS");
    const bad = await gate({ floors: { correct: 0.95 } }, { cases });
    expect(bad.gate.rules[0]).toMatchObject({ rule: "floors", subject: "correct", status: "fail" });
    expect(bad.gate.rules[0].message).toMatch(/mean 0\.900 < floor 0\.95/);
    expect(bad.gate.exitCode).toBe(1);
  });

  it("with floorOn: lower, fails a floor the mean clears but the lower bound does not", async () => {
    const { gate: g } = await gate({ floors: { correct: 0.85 }, floorOn: "lower" }, { cases });
    const r = g.rules[0];
    expect(r.status).toBe("fail");
    expect(r.message).toMatch(/lower 95% bound/);
    expect(r.values.value as number).toBeLessThan(0.85);
    expect(r.values.value as number).toBeGreaterThan(0.5);
    const low = await gate({ floors: { correct: 0.5 }, floorOn: "lower" }, { cases });
    expect(low.gate.rules[0].status).toBe("pass");
  });

  it("fails a floor when nothing was scored", async () => {
    const errored = ids("e", 4).map((id) => ({ id, scores: { correct: 1 }, error: true as const }));
    const { gate: g } = await gate({ floors: { correct: 0.5 } }, { cases: errored });
    expect(g.rules[0]).toMatchObject({ rule: "floors", status: "fail" });
    expect(g.rules[0].message).toMatch(/nothing was scored/);
  });
});

describe("gate: regressionSet", () => {
  const tagged = (i: number) => (i < 5 ? { source: "failure" } : { source: "curated" });
  const run = (failing: (i: number) => boolean, extra: (i: number) => Partial<SyntheticCase> = () => ({})) =>
    ids("r", 12).map((id, i) => ({
      id,
      tags: tagged(i),
      scores: { correct: failing(i) ? 0 : 1 },
      ...extra(i),
    }));

  it("mustPass all: every tagged case must pass; failures elsewhere do not count", async () => {
    const cfg = { regressionSet: { tag: "source=failure", mustPass: "all" } };
    const ok = await gate(cfg, { cases: run((i) => i >= 8) });
    expect(ok.gate.rules).toEqual([expect.objectContaining({ rule: "regressionSet", status: "pass" })]);
    expect(ok.gate.rules[0].message).toMatch(/all 5 cases tagged source=failure pass/);
    const bad = await gate(cfg, { cases: run((i) => i === 3) });
    expect(bad.gate.rules[0].status).toBe("fail");
    expect(bad.gate.rules[0].values.failing).toEqual(["r-003"]);
    expect(bad.gate.verdict).toBe("FAIL");
    // an errored case is not a pass
    const err = await gate(cfg, {
      cases: run(
        () => false,
        (i) => (i === 1 ? { error: true } : {}),
      ),
    });
    expect(err.gate.rules[0].values.failing).toEqual(["r-001"]);
  });

  it("mustPass baseline: at least as many pass as in the baseline; newly failing ids named", async () => {
    const cfg = { regressionSet: { tag: "source=failure", mustPass: "baseline" } };
    const base = { cases: run((i) => i === 3 || i === 4) }; // 3/5 pass
    const same = await gate(cfg, { cases: run((i) => i === 2 || i === 4) }, base);
    expect(same.gate.rules[0].status).toBe("pass");
    expect(same.gate.rules[0].values).toMatchObject({
      candidatePass: 3,
      baselinePass: 3,
      newlyFailing: ["r-002"],
    });
    const worse = await gate(cfg, { cases: run((i) => i >= 2 && i < 5) }, base);
    expect(worse.gate.rules[0].status).toBe("fail");
    expect(worse.gate.rules[0].message).toMatch(/2\/5 cases tagged source=failure pass \(baseline 3\/5\)/);
    const none = await gate(cfg, { cases: run(() => false) });
    expect(none.gate.rules[0]).toMatchObject({ rule: "regressionSet", status: "warn" });
    expect(none.gate.verdict).toBe("PASS");
  });
});

describe("gate: maxErrorRate, minCases", () => {
  const cases = passFail("x", 20, () => false, {}).map((c, i) =>
    i < 2 ? { ...c, error: true as const } : c,
  );

  it("maxErrorRate compares errored results with the limit", async () => {
    const bad = await gate({ maxErrorRate: 0.05 }, { cases });
    expect(bad.gate.rules[0]).toMatchObject({ rule: "maxErrorRate", status: "fail" });
    expect(bad.gate.rules[0].values).toMatchObject({ rate: 0.1, count: 2 });
    const ok = await gate({ maxErrorRate: 0.1 }, { cases });
    expect(ok.gate.rules[0].status).toBe("pass");
  });

  it("minCases", async () => {
    expect((await gate({ minCases: 21 }, { cases })).gate.rules[0].status).toBe("fail");
    expect((await gate({ minCases: 20 }, { cases })).gate.rules[0].status).toBe("pass");
  });
});

describe("gate: latency and cost", () => {
  // latencies 100..119 ms: p95 (type 7) = 118.05; candidate 1.5× the baseline; cost 0.002 → 0.003
  const base = {
    cases: passFail("l", 20, () => false).map((c, i) => ({ ...c, latencyMs: 100 + i, costUsd: 0.002 })),
  };
  const cand = {
    cases: passFail("l", 20, () => false).map((c, i) => ({
      ...c,
      latencyMs: 1.5 * (100 + i),
      costUsd: 0.003,
    })),
  };

  it("p95 budget", async () => {
    const ok = await gate({ latency: { p95Ms: 119 } }, base);
    expect(ok.gate.rules[0]).toMatchObject({ rule: "latency", subject: "p95", status: "pass" });
    expect(ok.gate.rules[0].values.p95).toBeCloseTo(118.05, 9);
    const bad = await gate({ latency: { p95Ms: 118 } }, base);
    expect(bad.gate.rules[0].status).toBe("fail");
  });

  it("p95 maxIncrease against the baseline; a warning without one", async () => {
    const bad = await gate({ latency: { maxIncrease: 0.2 } }, cand, base);
    expect(bad.gate.rules[0]).toMatchObject({ rule: "latency", subject: "p95 increase", status: "fail" });
    expect(bad.gate.rules[0].values.relative).toBeCloseTo(0.5, 9);
    expect(bad.gate.rules[0].message).toMatch(/\+50\.0%/);
    const ok = await gate({ latency: { maxIncrease: 0.6 } }, cand, base);
    expect(ok.gate.rules[0].status).toBe("pass");
    // exactly at the limit passes
    expect((await gate({ latency: { maxIncrease: 0.5 } }, cand, base)).gate.rules[0].status).toBe("pass");
    const none = await gate({ latency: { maxIncrease: 0.2 } }, cand);
    expect(none.gate.rules[0]).toMatchObject({ rule: "latency", status: "warn" });
    expect(none.gate.verdict).toBe("PASS");
  });

  it("cost per case and maxIncrease", async () => {
    const bad = await gate({ cost: { perCase: 0.0025 } }, cand);
    expect(bad.gate.rules[0]).toMatchObject({ rule: "cost", subject: "per case", status: "fail" });
    expect(bad.gate.rules[0].values.perCase).toBeCloseTo(0.003, 12);
    // exactly at the budget passes (20 × 0.003 / 20 is 1 ulp above 0.003 in floating point)
    expect((await gate({ cost: { perCase: 0.003 } }, cand)).gate.rules[0].status).toBe("pass");
    const up = await gate({ cost: { maxIncrease: 0.2 } }, cand, base);
    expect(up.gate.rules[0]).toMatchObject({ rule: "cost", subject: "increase", status: "fail" });
    expect(up.gate.rules[0].values.relative).toBeCloseTo(0.5, 9);
    expect((await gate({ cost: { maxIncrease: 0.6 } }, cand, base)).gate.rules[0].status).toBe("pass");
    expect((await gate({ cost: { maxIncrease: 0.5 } }, cand, base)).gate.rules[0].status).toBe("pass");
    const none = await gate({ cost: { maxIncrease: 0.2 } }, cand);
    expect(none.gate.rules[0]).toMatchObject({ rule: "cost", status: "warn" });
    // from a free baseline, any cost is beyond every maxIncrease; no cost on either side passes
    const free = { cases: base.cases.map((c) => ({ ...c, costUsd: 0 })) };
    const fromZero = await gate({ cost: { maxIncrease: 10 } }, cand, free);
    expect(fromZero.gate.rules[0]).toMatchObject({ rule: "cost", subject: "increase", status: "fail" });
    expect(fromZero.gate.rules[0].message).toMatch(/\$0 → \$0\.003000/);
    expect((await gate({ cost: { maxIncrease: 0 } }, free, free)).gate.rules[0].status).toBe("pass");
    const unpriced = { cases: base.cases.map(({ costUsd: _, ...c }) => c) };
    expect((await gate({ cost: { maxIncrease: 0.2 } }, unpriced, unpriced)).gate.rules[0].status).toBe(
      "pass",
    );
  });

  it("every rule at once: the verdict fails on any failure and counts warnings", async () => {
    const { gate: g } = await gate(
      {
        minCases: 10,
        floors: { correct: 0.9 },
        maxRegression: 0.05,
        maxErrorRate: 0,
        regressionSet: { tag: "x=y", mustPass: "baseline" },
        latency: { p95Ms: 1000, maxIncrease: 0.2 },
        cost: { perCase: 1, maxIncrease: 0.2 },
      },
      cand,
    );
    expect(g.rules.map((r) => `${r.rule}:${r.status}`)).toEqual([
      "minCases:pass",
      "floors:pass",
      "maxRegression:warn",
      "regressionSet:warn",
      "maxErrorRate:pass",
      "latency:pass",
      "latency:warn",
      "cost:pass",
      "cost:warn",
    ]);
    expect(g).toMatchObject({ verdict: "PASS", exitCode: 0, warnings: 4 });
  });
});
