import type { FieldTable } from "../core/field-docs.ts";

/** The comparison of two runs (DESIGN.md §4.3). Field names are a contract. */

export type Verdict = "improved" | "regressed" | "no-change" | "underpowered";

export interface PairedDimension {
  /** the two runs scored this dimension with different evaluators (`--allow-evaluator-change`) */
  evaluatorChanged?: boolean;
  /** mean score of the base run over the paired cases */
  base: number | null;
  candidate: number | null;
  /** candidate − base, in score points (0..1) */
  delta: number | null;
  /** 95% interval of the delta (paired bootstrap, seeded) */
  ci: [number, number] | null;
  /** the test behind `p`: mcnemar-exact (pass/fail scores) or paired-bootstrap */
  test: string;
  p: number | null;
  /** Holm-adjusted across every dimension and slice of this comparison */
  pAdjusted: number | null;
  verdict: Verdict;
  /** paired cases with a score in both runs */
  n: number;
  /** pass rates and the exact McNemar test on pass/fail */
  passRate: {
    base: number | null;
    candidate: number | null;
    delta: number | null;
    p: number | null;
    discordant: [number, number];
  };
  /** rank-based check of the score differences */
  rankCheck?: { test: string; p: number | null };
  /** smallest |delta| this many pairs detect at 80% power and the comparison's alpha */
  mde: number | null;
}

export interface Flip {
  caseId: string;
  dimension: string;
  direction: "pass→fail" | "fail→pass";
  base: { score: number | null; reason: string; output: string };
  candidate: { score: number | null; reason: string; output: string };
  /** word-level diff of the outputs: [op, text] with op -1 removed, 0 same, 1 added */
  diff: Array<[-1 | 0 | 1, string]>;
  tags: Record<string, string>;
}

export interface LatencyCost {
  base: number | null;
  candidate: number | null;
  delta: number | null;
  /** (candidate − base) / base */
  relative: number | null;
}

export interface Comparison {
  base: string;
  candidate: string;
  /** dimensions compared across different evaluator ids (only with `--allow-evaluator-change`) */
  evaluatorChanges?: Record<string, { base: string; candidate: string }>;
  suite: string;
  targets: { base: string; candidate: string };
  datasetVersions: { base: string; candidate: string };
  alpha: number;
  /** matched (case, epoch) pairs */
  pairs: number;
  /** matched cases (epochs reduced) */
  cases: number;
  dimensions: Record<string, PairedDimension>;
  slices: Record<string, Record<string, PairedDimension>>;
  /** slices with fewer than 2 paired cases: no test can say anything of them, so none is made */
  skippedSlices: Array<{ slice: string; pairs: number }>;
  flips: Flip[];
  /** case ids present in only one run */
  unmatched: { base: string[]; candidate: string[] };
  /** with --intersect: ids whose content differs between the two dataset versions, left out */
  changed: string[];
  latencyMs: { p50: LatencyCost; p95: LatencyCost; p99: LatencyCost };
  costPerCase: LatencyCost;
  errorRate: { base: number; candidate: number };
  /** "this suite detects drops of 9 points or more at 80% power" */
  power: { aggregateMde: number | null; statement: string };
  methods: Record<string, string>;
}

// --- Field tables: the meaning of each field of `assay compare|gate --json` (docs/reference/json.md) ---

/** The gate's verdict on a candidate (and the comparison with its baseline): `assay gate --json`. */
export type RuleStatus = "pass" | "fail" | "warn";

export interface GateRuleResult {
  /** floors, maxRegression, regressionSet, maxErrorRate, maxUnscoredRate, latency, cost, minCases */
  rule: string;
  /** what was checked: `aggregate`, a dimension, `slice · dimension`, … */
  subject: string;
  status: RuleStatus;
  message: string;
  values: Record<string, unknown>;
}

export interface GateResult {
  verdict: "PASS" | "FAIL";
  /** 0 pass (warnings allowed), 1 fail */
  exitCode: 0 | 1;
  warnings: number;
  /** rules that failed */
  failed: number;
  /** checks made: each rule row, and each dimension or slice the regression rule tested */
  checks: number;
  /** what the regression rule failed on: dimensions overall, and `key=value` slices */
  regressed: { dimensions: string[]; slices: string[] };
  /** one line: `gate FAIL: 2 of 41 rules — 5 slices regressed` */
  summary: string;
  candidate: string;
  baseline: string | null;
  rules: GateRuleResult[];
}

const CI = "[lo, hi] | null";

export const PAIRED_DIMENSION_FIELDS: FieldTable<PairedDimension> = {
  evaluatorChanged: {
    type: "boolean",
    doc: "the two runs scored this dimension with different evaluators (only with --allow-evaluator-change)",
  },
  base: { type: "number | null", doc: "the base run's mean score over the paired cases" },
  candidate: { type: "number | null", doc: "the candidate's mean score over the same cases" },
  delta: { type: "number | null", doc: "candidate − base, in score points (0..1; ×100 for points)" },
  ci: { type: CI, doc: "95% interval of the delta (paired bootstrap, seeded)" },
  test: {
    type: "string",
    doc: "the test behind `p`: `mcnemar-exact` (pass/fail scores) or `paired-bootstrap`",
  },
  p: { type: "number | null", doc: "the test's two-sided p-value" },
  pAdjusted: {
    type: "number | null",
    doc: "p after Holm correction across every dimension and slice compared",
  },
  verdict: {
    type: "string",
    doc: "`improved`, `regressed`, `no-change` or `underpowered` (a drop too large to ignore that the test cannot confirm with this many cases)",
  },
  n: { type: "number", doc: "paired cases with a score in both runs" },
  passRate: {
    type: "object",
    doc: "pass rates and the exact McNemar test on pass/fail",
    fields: {
      base: { type: "number | null", doc: "the base run's pass rate" },
      candidate: { type: "number | null", doc: "the candidate's pass rate" },
      delta: { type: "number | null", doc: "candidate − base" },
      p: { type: "number | null", doc: "exact McNemar p-value" },
      discordant: { type: "[number, number]", doc: "cases that went pass→fail and fail→pass" },
    } satisfies FieldTable<PairedDimension["passRate"]>,
  },
  rankCheck: {
    type: "object",
    doc: "rank-based check of the score differences: `{test, p}` (Wilcoxon signed-rank)",
  },
  mde: {
    type: "number | null",
    doc: "smallest |delta| this many pairs detect at 80% power and the comparison's alpha",
  },
};

const LATENCY_COST_FIELDS: FieldTable<LatencyCost> = {
  base: { type: "number | null", doc: "the base run's value" },
  candidate: { type: "number | null", doc: "the candidate's value" },
  delta: { type: "number | null", doc: "candidate − base" },
  relative: { type: "number | null", doc: "(candidate − base) / base" },
};

const SIDE = (what: string) => ({ type: "object", doc: `${what}: \`{base, candidate}\`` });

export const COMPARISON_FIELDS: FieldTable<Comparison> = {
  base: { type: "string", doc: "the base run's id" },
  candidate: { type: "string", doc: "the candidate run's id" },
  evaluatorChanges: {
    type: "{dimension: {base, candidate}}",
    doc: "dimensions compared across different evaluator ids (only with --allow-evaluator-change)",
  },
  suite: { type: "string", doc: "the suite's name" },
  targets: SIDE("the two runs' target ids"),
  datasetVersions: SIDE("the two runs' dataset versions"),
  alpha: { type: "number", doc: "the significance level" },
  pairs: { type: "number", doc: "matched (case, epoch) pairs" },
  cases: { type: "number", doc: "matched cases (epochs reduced)" },
  dimensions: {
    type: "object",
    doc: "per dimension (and `aggregate`), over the paired cases",
    entries: { key: "{name}", type: "object", doc: "one dimension", fields: PAIRED_DIMENSION_FIELDS },
  },
  slices: {
    type: "object",
    doc: "per tag value (`category=billing`)",
    entries: {
      key: "{key=value}",
      type: "object",
      doc: "one slice",
      entries: {
        key: "{name}",
        type: "object",
        doc: "the fields of `dimensions.{name}`, over the slice's pairs",
      },
    },
  },
  skippedSlices: {
    type: "object[]",
    doc: "slices with fewer than 2 paired cases, not tested (nor counted in the Holm correction): `{slice, pairs}`",
  },
  flips: {
    type: "object[]",
    doc: "cases whose verdict on a dimension changed",
    items: {
      caseId: { type: "string", doc: "the case" },
      dimension: { type: "string", doc: "the dimension" },
      direction: { type: "string", doc: "`pass→fail` or `fail→pass`" },
      base: { type: "object", doc: "the base run's `{score, reason, output}`" },
      candidate: { type: "object", doc: "the candidate's `{score, reason, output}`" },
      diff: { type: "[op, text][]", doc: "word-level diff of the outputs; op −1 removed, 0 same, 1 added" },
      tags: { type: "{key: value}", doc: "the case's tags" },
    } satisfies FieldTable<Flip>,
  },
  unmatched: {
    type: "object",
    doc: "case ids present in only one run: `{base: [...], candidate: [...]}`",
  },
  changed: {
    type: "string[]",
    doc: "with --intersect: ids whose content differs between the dataset versions, left out",
  },
  latencyMs: {
    type: "object",
    doc: "latency percentiles of the two runs, in ms",
    fields: {
      p50: { type: "object", doc: "median", fields: LATENCY_COST_FIELDS },
      p95: { type: "object", doc: "95th percentile, as p50" },
      p99: { type: "object", doc: "99th percentile, as p50" },
    } satisfies FieldTable<Comparison["latencyMs"]>,
  },
  costPerCase: { type: "object", doc: "cost per case in USD, as latencyMs.p50", fields: LATENCY_COST_FIELDS },
  errorRate: SIDE("the two runs' error rates"),
  power: {
    type: "object",
    doc: "what the suite can detect",
    fields: {
      aggregateMde: { type: "number | null", doc: "the aggregate's minimum detectable effect at 80% power" },
      statement: { type: "string", doc: '"this suite detects drops of 9 points or more at 80% power"' },
    } satisfies FieldTable<Comparison["power"]>,
  },
  methods: { type: "{name: text}", doc: "the statistical method behind each figure, in words" },
};
