import type { DimensionCalibration } from "../calibrate/stored.ts";
import { fmtP } from "../report/format.ts";
import type { Scorecard } from "../scorecard/types.ts";
import { topReasons, unscoredRate } from "../scorecard/unscored.ts";
import { DEFAULT_MAX_UNSCORED_RATE, type GateConfig, type GateSelection } from "./gate-config.ts";
import { adjustAndJudge } from "./paired.ts";
import type { Comparison, GateResult, GateRuleResult, PairedDimension, RuleStatus } from "./types.ts";

// The result types live in types.ts (no Node code), which the web app shares.
export type { GateResult, GateRuleResult, RuleStatus } from "./types.ts";

/**
 * What the gate reads of a case (the regression-set rule): a CaseResult has it, and gateRuns
 * builds it from result columns for the regression set's cases only.
 */
export interface CaseVerdicts {
  c: { id: string; tags: Record<string, string> };
  /** every epoch errored */
  errored: boolean;
  dims: ReadonlyMap<string, { passed: boolean | null }>;
}

export interface GateInput {
  config: GateConfig;
  candidate: Scorecard;
  /** the candidate's cases (only those of `regressionSet`'s tag are read) */
  candidateCases: CaseVerdicts[];
  baseline?: Scorecard;
  baselineCases?: CaseVerdicts[];
  comparison?: Comparison;
  /** the candidate's dimensions with their current calibrations (for `gate.calibration`) */
  calibration?: DimensionCalibration[];
}

const MIN_WARN_CASES = 5;
const pts = (v: number) => `${(v * 100).toFixed(1)} pts`;
/** p-values: fixed to 4 places, scientific below 1e-4 so a tiny p never prints as 0. */
const pval = fmtP;
const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? "—" : v.toFixed(d));
/**
 * Limit checks forgive floating-point noise: a mean or a cost per case is a sum divided by a
 * count, so a value exactly at its limit can come out 1 ulp beyond it (20 × $0.003 / 20 > $0.003).
 */
const TOLERANCE = 1e-9;
const atMost = (value: number, limit: number) => value <= limit + TOLERANCE * Math.max(1, Math.abs(limit));
const atLeast = (value: number, floor: number) => value >= floor - TOLERANCE * Math.max(1, Math.abs(floor));

/** Applies the gate policy. Pure: the same scorecards and comparison always give the same verdict. */
export function evaluateGate(input: GateInput): GateResult {
  const regression = regressionRules(input);
  const rules: GateRuleResult[] = [
    ...minCasesRule(input),
    ...floorRules(input),
    ...regression.rows,
    ...regressionSetRule(input),
    ...errorRateRule(input),
    ...unscoredRateRules(input),
    ...latencyRules(input),
    ...costRules(input),
    ...calibrationRules(input),
  ];
  const failed = rules.filter((r) => r.status === "fail").length;
  const warnings = rules.filter((r) => r.status === "warn").length;
  const checks = rules.length - regression.rows.length + regression.checks;
  const regressed = regressedSubjects(rules);
  return {
    verdict: failed > 0 ? "FAIL" : "PASS",
    exitCode: failed > 0 ? 1 : 0,
    warnings,
    failed,
    checks,
    regressed,
    summary: summaryLine(rules, { failed, warnings, checks, regressed }),
    candidate: input.candidate.run.id,
    baseline: input.baseline?.run.id ?? null,
    rules,
  };
}

/** Dimensions and slices named by failing regression rules, each once, in rule order. */
function regressedSubjects(rules: GateRuleResult[]): GateResult["regressed"] {
  const dimensions = new Set<string>();
  const slices = new Set<string>();
  for (const r of rules) {
    if (r.rule !== "maxRegression" || r.status !== "fail") continue;
    const slice = r.values.slice;
    if (typeof slice === "string") slices.add(slice);
    else if (typeof r.values.dimension === "string") dimensions.add(r.values.dimension);
  }
  return { dimensions: [...dimensions], slices: [...slices] };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `gate FAIL: 2 of 41 rules — 5 slices regressed` / `gate PASS: 41 rules — 3 warnings`: what a
 * reader needs before any detail. A failure names what regressed, else the rules that failed.
 */
function summaryLine(
  rules: GateRuleResult[],
  s: { failed: number; warnings: number; checks: number; regressed: GateResult["regressed"] },
): string {
  const notes: string[] = [];
  if (s.failed > 0) {
    const { dimensions, slices } = s.regressed;
    if (dimensions.length > 0) notes.push(`${plural(dimensions.length, "dimension")} regressed`);
    if (slices.length > 0) notes.push(`${plural(slices.length, "slice")} regressed`);
    const others = [
      ...new Set(rules.filter((r) => r.status === "fail" && r.rule !== "maxRegression").map((r) => r.rule)),
    ];
    if (others.length > 0) notes.push(`${others.join(", ")} failed`);
  }
  if (s.warnings > 0) notes.push(plural(s.warnings, "warning"));
  const head = s.failed > 0 ? `gate FAIL: ${s.failed} of ${s.checks} rules` : `gate PASS: ${s.checks} rules`;
  return notes.length > 0 ? `${head} — ${notes.join(", ")}` : head;
}

function minCasesRule({ config, candidate }: GateInput): GateRuleResult[] {
  if (config.minCases === undefined) return [];
  const ok = candidate.cases >= config.minCases;
  return [
    {
      rule: "minCases",
      subject: "cases",
      status: ok ? "pass" : "fail",
      message: `${candidate.cases} cases ${ok ? "≥" : "<"} minimum ${config.minCases}`,
      values: { cases: candidate.cases, min: config.minCases },
    },
  ];
}

/**
 * `floors`: `aggregate` or a dimension → its floor, or a slice (`category=billing`) → floors for
 * that slice's cases. A floor with nothing scored to check fails: a missing slice is a typo or a
 * dataset that lost the cases it was meant to protect.
 */
function floorRules({ config, candidate }: GateInput): GateRuleResult[] {
  const out: GateRuleResult[] = [];
  const what = config.floorOn === "lower" ? "lower 95% bound" : "mean";
  const check = (
    subject: string,
    floor: number,
    stats: { mean: number | null; ci: [number, number] | null } | undefined,
    slice: string | null,
  ) => {
    const value = config.floorOn === "lower" ? (stats?.ci?.[0] ?? null) : (stats?.mean ?? null);
    if (value === null) {
      const why = slice && !candidate.slices[slice] ? `no case is tagged ${slice}` : "nothing was scored";
      out.push({
        rule: "floors",
        subject,
        status: "fail",
        message: `${subject}: no ${what} to check against the floor ${floor} (${why})`,
        values: { floor, value: null, on: config.floorOn, slice },
      });
      return;
    }
    const ok = atLeast(value, floor);
    out.push({
      rule: "floors",
      subject,
      status: ok ? "pass" : "fail",
      message: `${subject}: ${what} ${num(value)} ${ok ? "≥" : "<"} floor ${floor}`,
      values: { floor, value, on: config.floorOn, ci: stats?.ci ?? null, slice },
    });
  };
  for (const [name, floor] of Object.entries(config.floors ?? {})) {
    if (typeof floor === "number") {
      check(name, floor, name === "aggregate" ? candidate.aggregate : candidate.dimensions[name], null);
      continue;
    }
    for (const [dim, f] of Object.entries(floor))
      check(`${name} · ${dim}`, f, candidate.slices[name]?.[dim], name);
  }
  return out;
}

/** The tolerated drop for one dimension (or `aggregate`); undefined: not checked. */
export function regressionLimit(config: GateConfig, dimension: string): number | undefined {
  const m = config.maxRegression;
  if (m === undefined || typeof m === "number") return m;
  return m[dimension] ?? m.default;
}

interface Selector {
  include: Set<string> | null;
  exclude: Set<string>;
}

function selectorOf(sel: GateSelection | undefined): Selector {
  if (!sel) return { include: null, exclude: new Set() };
  if (Array.isArray(sel)) return { include: new Set(sel), exclude: new Set() };
  return { include: sel.include ? new Set(sel.include) : null, exclude: new Set(sel.exclude ?? []) };
}

/**
 * `gate.dimensions`: gated, or left out (listed in exclude, or not in include), or `weight-0`: a
 * dimension that does not count toward the aggregate is reported, not gated, unless listed.
 */
function dimensionChoice(
  sel: Selector,
  weights: Record<string, number>,
): (name: string) => "gated" | "excluded" | "weight-0" {
  return (name) => {
    if (sel.exclude.has(name)) return "excluded";
    if (sel.include) return sel.include.has(name) ? "gated" : weights[name] === 0 ? "weight-0" : "excluded";
    return name !== "aggregate" && weights[name] === 0 ? "weight-0" : "gated";
  };
}

/** `gate.slices`: entries are tag keys (`category`: every category=… slice) or slices (`category=x`). */
function sliceChoice(sel: Selector): (slice: string) => boolean {
  return (slice) => {
    const key = slice.slice(0, Math.max(0, slice.indexOf("=")));
    const named = (set: Set<string>) => set.has(slice) || set.has(key);
    if (named(sel.exclude)) return false;
    return sel.include ? named(sel.include) : true;
  };
}

interface RegressionSubject {
  subject: string;
  dimension: string;
  slice: string | null;
  d: PairedDimension;
  max: number;
}

/**
 * `maxRegression` over the dimensions and slices the gate checks (`gate.dimensions`,
 * `gate.slices`), each against its own limit: a significant drop beyond it fails, a drop beyond it
 * that is not significant warns (with the suite's minimum detectable effect). Weight-0 dimensions
 * not listed are reported in one warning each when they regressed, not gated.
 */
function regressionRules({ config, comparison, candidate }: GateInput): {
  rows: GateRuleResult[];
  checks: number;
} {
  if (config.maxRegression === undefined) return { rows: [], checks: 0 };
  if (!comparison) return { rows: [noBaseline("maxRegression")], checks: 1 };
  const weights = Object.fromEntries(Object.entries(candidate.dimensions).map(([n, d]) => [n, d.weight]));
  const choose = dimensionChoice(selectorOf(config.dimensions), weights);
  const sliceGated = sliceChoice(selectorOf(config.slices));
  const gated: RegressionSubject[] = [];
  const reported = new Map<string, RegressionSubject[]>();
  const consider = (subject: string, dimension: string, slice: string | null, d: PairedDimension) => {
    const max = regressionLimit(config, dimension);
    if (max === undefined) return;
    const choice = choose(dimension);
    if (choice === "gated") gated.push({ subject, dimension, slice, d, max });
    else if (choice === "weight-0")
      reported.set(dimension, [...(reported.get(dimension) ?? []), { subject, dimension, slice, d, max }]);
  };
  for (const [name, d] of Object.entries(comparison.dimensions)) consider(name, name, null, d);
  for (const [slice, entry] of Object.entries(comparison.slices)) {
    if (!sliceGated(slice)) continue;
    for (const [name, d] of Object.entries(entry)) consider(`${slice} · ${name}`, name, slice, d);
  }
  // Holm across the tests the gate checks (DESIGN.md §5): the comparison adjusted over every
  // dimension and slice, which over-corrects when the gate checks only some of them.
  const judged = holmOver(gated, comparison.alpha);
  const rows: GateRuleResult[] = [];
  for (const s of judged) {
    const row = regressionRow(s);
    if (row) rows.push(row);
  }
  for (const [dimension, subjects] of reported) {
    const row = notGatedRow(dimension, subjects);
    if (row) rows.push(row);
  }
  if (!rows.some((r) => r.status === "fail")) {
    rows.unshift({
      rule: "maxRegression",
      subject: "all",
      status: "pass",
      message: `no dimension or slice regressed significantly beyond ${limitsText(config)} (${judged.length} checks, Holm-adjusted, alpha ${comparison.alpha})`,
      values: { checked: judged.length, maxRegression: config.maxRegression },
    });
  }
  return { rows, checks: judged.length + reported.size };
}

/** `2.0 pts`, or `2.0 pts; latency 10.0 pts` for a per-dimension map. */
function limitsText(config: GateConfig): string {
  const m = config.maxRegression;
  if (typeof m === "number") return pts(m);
  const entries = Object.entries(m ?? {}).filter(([k]) => k !== "default");
  const named = entries.map(([k, v]) => `${k} ${pts(v)}`).join(", ");
  if (m?.default === undefined) return `the limits (${named})`;
  return entries.length > 0 ? `${pts(m.default)} (${named})` : pts(m.default);
}

function regressionRow({ subject, dimension, slice, d, max }: RegressionSubject): GateRuleResult | null {
  if (d.delta === null || d.delta >= -max) return null;
  // Fewer than MIN_WARN_CASES pairs say nothing either way: only a significant drop is reported.
  if (d.verdict !== "regressed" && d.n < MIN_WARN_CASES) return null;
  const interval = d.ci ? ` [${pts(d.ci[0])}, ${pts(d.ci[1])}]` : "";
  const stats = `Δ ${pts(d.delta)}${interval}, ${d.test} p=${pval(d.p)}, Holm p=${pval(d.pAdjusted)}, n=${d.n}`;
  const values = {
    dimension,
    slice,
    delta: d.delta,
    ci: d.ci,
    test: d.test,
    p: d.p,
    pAdjusted: d.pAdjusted,
    n: d.n,
    mde: d.mde,
    maxRegression: max,
  };
  if (d.verdict === "regressed") {
    return {
      rule: "maxRegression",
      subject,
      status: "fail",
      message: `${subject}: regressed beyond ${pts(max)} — ${stats}`,
      values,
    };
  }
  const mde =
    d.mde === null
      ? ""
      : `; with ${d.n} cases this suite detects changes of ${pts(d.mde)} or more at 80% power`;
  return {
    rule: "maxRegression",
    subject,
    status: "warn",
    message: `${subject}: dropped more than ${pts(max)} but not significantly — ${stats}${mde}`,
    values,
  };
}

/**
 * A weight-0 dimension the gate does not check: one warning when it regressed significantly
 * beyond its limit anywhere (by the comparison's own verdicts), naming the worst place.
 */
function notGatedRow(dimension: string, subjects: RegressionSubject[]): GateRuleResult | null {
  const hits = subjects.filter(
    (s) => s.d.verdict === "regressed" && s.d.delta !== null && s.d.delta < -s.max,
  );
  if (hits.length === 0) return null;
  const worst = hits.reduce((a, b) => ((b.d.delta as number) < (a.d.delta as number) ? b : a));
  return {
    rule: "maxRegression",
    subject: `${dimension} (not gated)`,
    status: "warn",
    message:
      `${dimension}: regressed beyond ${pts(worst.max)} in ${hits.length} of ${subjects.length} checks ` +
      `(worst ${worst.subject}: Δ ${pts(worst.d.delta as number)}, Holm p=${pval(worst.d.pAdjusted)}); ` +
      "weight 0, so reported, not gated: list it in gate.dimensions to gate it",
    values: {
      dimension,
      gated: false,
      weight: 0,
      regressed: hits.length,
      checked: subjects.length,
      worst: { subject: worst.subject, delta: worst.d.delta, pAdjusted: worst.d.pAdjusted },
    },
  };
}

/** Copies of the tests with Holm-adjusted p and verdicts over just this family. */
function holmOver(subjects: RegressionSubject[], alpha: number): RegressionSubject[] {
  const family = subjects.map((s) => ({ ...s, d: { ...s.d } }));
  // verdicts only tell regressed from the rest here; each subject's limit is applied by regressionRow
  adjustAndJudge(
    family.map((s) => s.d),
    { alpha, maxRegression: 0, resamples: 0, seed: 0 },
  );
  return family;
}

/** A case passes when it did not error and every scored dimension passed. */
function casePasses(r: CaseVerdicts): boolean {
  if (r.errored) return false;
  const verdicts = [...r.dims.values()].filter((d) => d.passed !== null);
  return verdicts.length > 0 && verdicts.every((d) => d.passed);
}

function regressionSetRule({ config, candidateCases, baselineCases }: GateInput): GateRuleResult[] {
  const set = config.regressionSet;
  if (!set) return [];
  const eq = set.tag.indexOf("=");
  const key = set.tag.slice(0, eq);
  const value = set.tag.slice(eq + 1);
  const members = candidateCases.filter((r) => r.c.tags[key] === value);
  const failing = members.filter((r) => !casePasses(r)).map((r) => r.c.id);
  const subject = set.tag;
  if (set.mustPass === "all") {
    const ok = failing.length === 0;
    return [
      {
        rule: "regressionSet",
        subject,
        status: ok ? "pass" : "fail",
        message: ok
          ? `all ${members.length} cases tagged ${subject} pass`
          : `${failing.length} of ${members.length} cases tagged ${subject} fail: ${failing.slice(0, 10).join(", ")}${failing.length > 10 ? ", …" : ""}`,
        values: { cases: members.length, failing },
      },
    ];
  }
  if (!baselineCases) return [noBaseline("regressionSet")];
  const baseById = new Map(baselineCases.map((r) => [r.c.id, r]));
  const shared = members.filter((r) => baseById.has(r.c.id));
  const basePass = shared.filter((r) => casePasses(baseById.get(r.c.id) as CaseVerdicts)).length;
  const candPass = shared.filter(casePasses).length;
  const newlyFailing = shared
    .filter((r) => !casePasses(r) && casePasses(baseById.get(r.c.id) as CaseVerdicts))
    .map((r) => r.c.id);
  const ok = candPass >= basePass;
  return [
    {
      rule: "regressionSet",
      subject,
      status: ok ? "pass" : "fail",
      message:
        `${candPass}/${shared.length} cases tagged ${subject} pass (baseline ${basePass}/${shared.length})` +
        (newlyFailing.length > 0 ? `; newly failing: ${newlyFailing.slice(0, 10).join(", ")}` : ""),
      values: { cases: shared.length, candidatePass: candPass, baselinePass: basePass, newlyFailing },
    },
  ];
}

function errorRateRule({ config, candidate }: GateInput): GateRuleResult[] {
  if (config.maxErrorRate === undefined) return [];
  const rate = candidate.errors.rate;
  const ok = atMost(rate, config.maxErrorRate);
  return [
    {
      rule: "maxErrorRate",
      subject: "errors",
      status: ok ? "pass" : "fail",
      message: `error rate ${(rate * 100).toFixed(2)}% (${candidate.errors.count}/${candidate.results}) ${ok ? "≤" : ">"} ${(config.maxErrorRate * 100).toFixed(2)}%`,
      values: {
        rate,
        count: candidate.errors.count,
        max: config.maxErrorRate,
        byClass: candidate.errors.byClass,
      },
    },
  ];
}

/**
 * `maxUnscoredRate` (default 0.05, checked even when the suite does not set it): a dimension that
 * leaves more than this share of its cases unscored fails, so a judge without a key or an
 * evaluator that crashes on every case cannot pass quietly. Cases the dimension does not apply to
 * (see scorecard/unscored.ts) are not counted. The passing line appears when the suite set it.
 */
function unscoredRateRules({ config, candidate }: GateInput): GateRuleResult[] {
  const max = config.maxUnscoredRate ?? DEFAULT_MAX_UNSCORED_RATE;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const out: GateRuleResult[] = [];
  const dims = Object.entries(candidate.dimensions);
  for (const [name, d] of dims) {
    const { rate, unscored, applicable, reasons } = unscoredRate(d);
    if (atMost(rate, max)) continue;
    const [top] = topReasons(reasons, 1);
    const why = top ? `; top reason: ${top[0]} (${top[1]} of ${unscored})` : "";
    out.push({
      rule: "maxUnscoredRate",
      subject: name,
      status: "fail",
      message: `${name}: ${pct(rate)} of cases unscored (${unscored}/${applicable}) > ${pct(max)}${why}`,
      values: { rate, unscored, cases: applicable, max, reasons, topReason: top?.[0] ?? null },
    });
  }
  if (out.length === 0 && config.maxUnscoredRate !== undefined) {
    out.push({
      rule: "maxUnscoredRate",
      subject: "all",
      status: "pass",
      message: `every dimension scored at least ${pct(1 - max)} of the cases it applies to (${dims.length} checked)`,
      values: { checked: dims.length, max },
    });
  }
  return out;
}

function latencyRules({ config, candidate, comparison }: GateInput): GateRuleResult[] {
  const l = config.latency;
  if (!l) return [];
  const out: GateRuleResult[] = [];
  const p95 = candidate.latencyMs.p95;
  if (l.p95Ms !== undefined) {
    const ok = p95 !== null && atMost(p95, l.p95Ms);
    out.push({
      rule: "latency",
      subject: "p95",
      status: ok ? "pass" : "fail",
      message: `p95 latency ${p95 === null ? "—" : `${Math.round(p95)} ms`} ${ok ? "≤" : ">"} budget ${l.p95Ms} ms`,
      values: { p95, budget: l.p95Ms },
    });
  }
  if (l.maxIncrease !== undefined) {
    if (!comparison) out.push(noBaseline("latency"));
    else {
      const rel = comparison.latencyMs.p95.relative;
      const ok = rel === null || atMost(rel, l.maxIncrease);
      out.push({
        rule: "latency",
        subject: "p95 increase",
        status: ok ? "pass" : "fail",
        message: `p95 latency ${rel === null ? "unchanged (no baseline latency)" : `${rel >= 0 ? "+" : ""}${(rel * 100).toFixed(1)}%`} vs baseline (max +${(l.maxIncrease * 100).toFixed(0)}%)`,
        values: { ...comparison.latencyMs.p95, maxIncrease: l.maxIncrease },
      });
    }
  }
  return out;
}

function costRules({ config, candidate, comparison }: GateInput): GateRuleResult[] {
  const c = config.cost;
  if (!c) return [];
  const out: GateRuleResult[] = [];
  const perCase = candidate.cost.perCase;
  if (c.perCase !== undefined) {
    const ok = perCase === null || atMost(perCase, c.perCase);
    out.push({
      rule: "cost",
      subject: "per case",
      status: ok ? "pass" : "fail",
      message: `cost per case ${perCase === null ? "— (no cost reported)" : `$${perCase.toFixed(6)}`} ${ok ? "≤" : ">"} budget $${c.perCase}`,
      values: { perCase, budget: c.perCase },
    });
  }
  if (c.maxIncrease !== undefined) {
    if (!comparison) out.push(noBaseline("cost"));
    else {
      const { base, candidate: cand, relative: rel } = comparison.costPerCase;
      // from a free baseline any cost is an unbounded increase (relative is null: no division by 0)
      const fromZero = base === 0 && cand !== null && cand > 0;
      const ok = !fromZero && (rel === null || atMost(rel, c.maxIncrease));
      const change = fromZero
        ? `$0 → $${(cand as number).toFixed(6)}`
        : rel === null
          ? "unchanged or not reported"
          : `${rel >= 0 ? "+" : ""}${(rel * 100).toFixed(1)}%`;
      out.push({
        rule: "cost",
        subject: "increase",
        status: ok ? "pass" : "fail",
        message: `cost per case ${change} vs baseline (max +${(c.maxIncrease * 100).toFixed(0)}%)`,
        values: { ...comparison.costPerCase, maxIncrease: c.maxIncrease },
      });
    }
  }
  return out;
}

function noBaseline(rule: string): GateRuleResult {
  return {
    rule,
    subject: "baseline",
    status: "warn",
    message: `${rule}: no baseline run to compare with (set gate.baseline or pass --baseline)`,
    values: {},
  };
}

const fmtFigure = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(3) : "undefined");

function figure(metrics: Record<string, unknown>, key: "kappa" | "alpha"): number | null {
  const headline = metrics.headline as { kappa?: unknown; alpha?: unknown } | undefined;
  const v = headline?.[key] ?? (key === "kappa" ? metrics.cohenKappa : metrics.krippendorffAlpha);
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * `gate.calibration`: every judge dimension (or each listed one) needs a current calibration of
 * its exact evaluator version. Missing or stale (labels changed since) fails, or warns with
 * `failOnMissing: false`; too few labels or kappa/alpha below the minimum fail.
 */
function calibrationRules({ config, calibration }: GateInput): GateRuleResult[] {
  const c = config.calibration;
  if (!c) return [];
  if (!calibration) {
    return [
      {
        rule: "calibration",
        subject: "judges",
        status: "warn",
        message:
          "calibration not checked: the gate was given no calibration status (gateRuns loads it from the store)",
        values: {},
      },
    ];
  }
  const listed = c.dimensions ? new Set(c.dimensions) : null;
  const dims = calibration.filter((d) => (listed ? listed.has(d.dimension) : d.judge));
  const out: GateRuleResult[] = [];
  for (const name of listed ?? []) {
    if (!dims.some((d) => d.dimension === name)) {
      out.push({
        rule: "calibration",
        subject: name,
        status: "warn",
        message: `${name}: the candidate run has no such dimension`,
        values: {},
      });
    }
  }
  if (dims.length === 0 && !listed) {
    out.push({
      rule: "calibration",
      subject: "judges",
      status: "pass",
      message: "no LLM-judge dimension to check",
      values: {},
    });
  }
  const missingStatus: RuleStatus = c.failOnMissing ? "fail" : "warn";
  for (const d of dims) {
    const subject = d.dimension;
    const hint = `run \`assay calibrate --run RUN --dimension ${d.dimension}\` on a labelled run`;
    if (!d.current) {
      out.push({
        rule: "calibration",
        subject,
        status: missingStatus,
        message: d.stale
          ? `${subject}: calibration of ${d.evaluator} from ${d.stale.createdAt} is stale (its labels changed since) — ${hint}`
          : `${subject}: ${d.evaluator} is uncalibrated (no calibration against human labels for this exact evaluator version) — ${hint}`,
        values: { evaluator: d.evaluator, stale: d.stale !== null, staleSince: d.stale?.createdAt ?? null },
      });
      continue;
    }
    const rec = d.current;
    const kappa = figure(rec.metrics, "kappa");
    const alpha = figure(rec.metrics, "alpha");
    const problems: string[] = [];
    const facts: string[] = [];
    if (c.minLabels !== undefined) {
      if (rec.n < c.minLabels) problems.push(`${rec.n} labels < minimum ${c.minLabels}`);
      else facts.push(`${rec.n} labels ≥ ${c.minLabels}`);
    } else facts.push(`${rec.n} labels`);
    if (c.minKappa !== undefined) {
      if (kappa === null || !atLeast(kappa, c.minKappa))
        problems.push(`κ ${fmtFigure(kappa)} < minimum ${c.minKappa}`);
      else facts.push(`κ ${fmtFigure(kappa)} ≥ ${c.minKappa}`);
    } else facts.push(`κ ${fmtFigure(kappa)}`);
    if (c.minAlpha !== undefined) {
      if (alpha === null || !atLeast(alpha, c.minAlpha))
        problems.push(`α ${fmtFigure(alpha)} < minimum ${c.minAlpha}`);
      else facts.push(`α ${fmtFigure(alpha)} ≥ ${c.minAlpha}`);
    } else facts.push(`α ${fmtFigure(alpha)}`);
    const ok = problems.length === 0;
    out.push({
      rule: "calibration",
      subject,
      status: ok ? "pass" : "fail",
      message: `${subject}: ${d.evaluator} calibrated ${rec.createdAt.slice(0, 10)} — ${ok ? facts.join(", ") : problems.join("; ")}`,
      values: {
        evaluator: d.evaluator,
        calibration: rec.id,
        at: rec.createdAt,
        n: rec.n,
        kappa,
        alpha,
        minKappa: c.minKappa ?? null,
        minAlpha: c.minAlpha ?? null,
        minLabels: c.minLabels ?? null,
      },
    });
  }
  return out;
}
