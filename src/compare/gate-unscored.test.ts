import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ids, type SyntheticCase, syntheticRows } from "../../test/support/synthetic-runs.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { StoredScore } from "../store/types.ts";
import type { GateRuleResult } from "./gate.ts";
import { DEFAULT_MAX_UNSCORED_RATE, gateSchema } from "./gate-config.ts";
import { gateRuns } from "./load.ts";

/** `gate.maxUnscoredRate` (issue 8, item 5): a dimension that leaves too many cases unscored fails. */

/** 40 cases; the first `unscored` cases' `judge` score is unscored with `code`. */
function candidate(
  unscored: number,
  code: string,
): { cases: SyntheticCase[]; code: string; unscored: number } {
  const cases = ids("c", 40).map((id, i) => ({ id, scores: { judge: i < unscored ? null : 1, exact: 1 } }));
  return { cases, code, unscored };
}

async function gate(config: Record<string, unknown>, spec: ReturnType<typeof candidate>) {
  const store = openSqliteStore(":memory:");
  try {
    const rows = syntheticRows({ target: "cand", cases: spec.cases });
    for (const s of rows.scores as StoredScore[]) {
      if (s.score === null) {
        s.reason = `${spec.code}: case ${s.caseId}`;
        s.details = { unscored: spec.code };
      }
    }
    await store.createRun(rows.run);
    await store.putCases(
      rows.run.datasetVersion,
      rows.cases.map((c) => ({
        case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
        ordinal: c.ordinal,
      })),
    );
    await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
    const { gate: g } = await gateRuns(store, gateSchema.parse(config), rows.run, undefined, {
      resamples: 0,
    });
    return g;
  } finally {
    await store.close();
  }
}

const unscoredRules = (rules: GateRuleResult[]) => rules.filter((r) => r.rule === "maxUnscoredRate");

describe("gate: maxUnscoredRate", () => {
  it("is on by default at 0.05: 3 of 40 unscored (7.5%) fails, naming the dimension, the rate and the top reason", async () => {
    const g = await gate({}, candidate(3, "judge-refused"));
    expect(g.verdict).toBe("FAIL");
    expect(g.exitCode).toBe(1);
    const [rule, ...more] = unscoredRules(g.rules);
    expect(more).toEqual([]);
    expect(rule.status).toBe("fail");
    expect(rule.subject).toBe("judge");
    expect(rule.message).toBe(
      "judge: 7.5% of cases unscored (3/40) > 5.0%; top reason: judge-refused (3 of 3)",
    );
    expect(rule.values).toMatchObject({
      rate: 3 / 40,
      unscored: 3,
      cases: 40,
      max: 0.05,
      topReason: "judge-refused",
    });
  });

  it("2 of 40 (5%) is at the limit and passes: quietly by default, in one line when the suite sets it", async () => {
    const quiet = await gate({}, candidate(2, "evaluator-error"));
    expect(quiet.verdict).toBe("PASS");
    expect(unscoredRules(quiet.rules)).toEqual([]);
    const g = await gate({ maxUnscoredRate: 0.05 }, candidate(2, "evaluator-error"));
    expect(g.verdict).toBe("PASS");
    const rules = unscoredRules(g.rules);
    expect(rules.map((r) => [r.subject, r.status])).toEqual([["all", "pass"]]);
    expect(rules[0].message).toMatch(
      /every dimension scored at least 95\.0% of the cases it applies to \(2 checked\)/,
    );
  });

  it("the suite's own limit applies; 1 turns the check off", async () => {
    expect((await gate({ maxUnscoredRate: 0.1 }, candidate(3, "judge-refused"))).verdict).toBe("PASS");
    expect((await gate({ maxUnscoredRate: 1 }, candidate(40, "judge-refused"))).verdict).toBe("PASS");
    expect((await gate({ maxUnscoredRate: 0 }, candidate(1, "judge-refused"))).verdict).toBe("FAIL");
  });

  it("cases the dimension does not apply to are not counted", async () => {
    // a judge that only grades cases with a context passage, or a field only some cases expect
    expect((await gate({}, candidate(30, "no-context"))).verdict).toBe("PASS");
    expect((await gate({}, candidate(30, "no-expected"))).verdict).toBe("PASS");
  });

  it("a dimension nothing could score fails", async () => {
    const g = await gate({}, candidate(40, "judge-call-failed"));
    const [rule] = unscoredRules(g.rules);
    expect(rule.message).toBe(
      "judge: 100.0% of cases unscored (40/40) > 5.0%; top reason: judge-call-failed (40 of 40)",
    );
  });

  it("is in the gate schema with a description that gives its default", () => {
    expect(DEFAULT_MAX_UNSCORED_RATE).toBe(0.05);
    expect(gateSchema.parse({ maxUnscoredRate: 0.2 }).maxUnscoredRate).toBe(0.2);
    expect(gateSchema.safeParse({ maxUnscoredRate: 1.5 }).success).toBe(false);
    const schema = z.toJSONSchema(gateSchema, { io: "input" }) as {
      properties: Record<string, { description?: string }>;
    };
    expect(schema.properties.maxUnscoredRate.description).toMatch(/unscored.*default 0\.05/);
  });
});
