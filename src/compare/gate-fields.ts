import type { FieldTable } from "../core/field-docs.ts";
import type { GateResult, GateRuleResult } from "./types.ts";

/**
 * The `assay gate --json` field table, apart from types.ts: the web app reads types.ts, and
 * gate.ts (Node code) must stay out of its type graph.
 */

const GATE_RULE_FIELDS: FieldTable<GateRuleResult> = {
  rule: {
    type: "string",
    doc: "`floors`, `maxRegression`, `regressionSet`, `maxErrorRate`, `maxUnscoredRate`, `latency`, `cost`, `minCases`, `calibration`",
  },
  subject: { type: "string", doc: "what was checked: `aggregate`, a dimension, `slice · dimension`, …" },
  status: { type: "string", doc: "`pass`, `fail` or `warn`" },
  message: { type: "string", doc: "the finding in words, as the console prints it" },
  values: { type: "object", doc: "the figures behind it (limit, value, interval, …), by rule" },
};

/** `assay gate --json`: the GateResult, plus the comparison it rests on. */
export const GATE_FIELDS: FieldTable<GateResult & { comparison: unknown }> = {
  verdict: { type: "string", doc: "`PASS` or `FAIL`" },
  exitCode: { type: "0 | 1", doc: "the exit code: 0 pass (warnings allowed), 1 fail" },
  warnings: { type: "number", doc: "rules that warned" },
  failed: { type: "number", doc: "rules that failed" },
  checks: {
    type: "number",
    doc: "checks made: each rule row, and each dimension or slice the regression rule tested",
  },
  regressed: {
    type: "object",
    doc: "what the regression rule failed on: `{dimensions: [...], slices: [...]}` (`key=value`)",
  },
  summary: { type: "string", doc: "one line: `gate FAIL: 2 of 41 rules — 5 slices regressed`" },
  candidate: { type: "string", doc: "the candidate run's id" },
  baseline: { type: "string | null", doc: "the baseline run's id, or null without one" },
  rules: { type: "object[]", doc: "every rule checked, with its result", items: GATE_RULE_FIELDS },
  comparison: { type: "object | null", doc: "the comparison with the baseline (see Comparison), or null" },
};
