import type { DimensionCalibration } from "../calibrate/stored.ts";
import type { CaseResult } from "../scorecard/case-results.ts";
import type { Scorecard } from "../scorecard/types.ts";
import { topReasons, unscoredRate } from "../scorecard/unscored.ts";
import { DEFAULT_MAX_UNSCORED_RATE, type GateConfig } from "./gate-config.ts";
import { adjustAndJudge } from "./paired.ts";
import type { Comparison, PairedDimension } from "./types.ts";

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
  candidate: string;
  baseline: string | null;
  rules: GateRuleResult[];
}

export interface GateInput {
  config: GateConfig;
  candidate: Scorecard;
  candidateCases: CaseResult[];
  baseline?: Scorecard;
  baselineCases?: CaseResult[];
  comparison?: Comparison;
  /** the candidate's dimensions with their current calibrations (for `gate.calibration`) */
  calibration?: DimensionCalibration[];
}

const MIN_WARN_CASES = 5;
const pts = (v: number) => `${(v * 100).toFixed(1)} pts`;
/** p-values: fixed to 4 places, scientific below 1e-4 so a tiny p never prints as 0. */
const pval = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : v > 0 && v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
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
  const rules: GateRuleResult[] = [
    ...minCasesRule(input),
    ...floorRules(input),
    ...regressionRules(input),
    ...regressionSetRule(input),
    ...errorRateRule(input),
    ...unscoredRateRules(input),
    ...latencyRules(input),
    ...costRules(input),
    ...calibrationRules(input),
  ];
  const failed = rules.some((r) => r.status === "fail");
  return {
    verdict: failed ? "FAIL" : "PASS",
    exitCode: failed ? 1 : 0,
    warnings: rules.filter((r) => r.status === "warn").length,
    candidate: input.candidate.run.id,
    baseline: input.baseline?.run.id ?? null,
    rules,
  };
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

function floorRules({ config, candidate }: GateInput): GateRuleResult[] {
  const out: GateRuleResult[] = [];
  for (const [name, floor] of Object.entries(config.floors ?? {})) {
    const stats = name === "aggregate" ? candidate.aggregate : candidate.dimensions[name];
    const value = config.floorOn === "lower" ? (stats?.ci?.[0] ?? null) : (stats?.mean ?? null);
    const what = config.floorOn === "lower" ? "lower 95% bound" : "mean";
    if (value === null) {
      out.push({
        rule: "floors",
        subject: name,
        status: "fail",
        message: `${name}: no ${what} to check against the floor ${floor} (nothing was scored)`,
        values: { floor, value: null, on: config.floorOn },
      });
      continue;
    }
    const ok = atLeast(value, floor);
    out.push({
      rule: "floors",
      subject: name,
      status: ok ? "pass" : "fail",
      message: `${name}: ${what} ${num(value)} ${ok ? "≥" : "<"} floor ${floor}`,
      values: { floor, value, on: config.floorOn, ci: stats?.ci ?? null },
    });
  }
  return out;
}

function regressionRules({ config, comparison }: GateInput): GateRuleResult[] {
  if (config.maxRegression === undefined) return [];
  if (!comparison) return [noBaseline("maxRegression")];
  const max = config.maxRegression;
  const out: GateRuleResult[] = [];
  const check = (subject: string, d: PairedDimension) => {
    if (d.delta === null || d.delta >= -max) return;
    // Fewer than MIN_WARN_CASES pairs say nothing either way: only a significant drop is reported.
    if (d.verdict !== "regressed" && d.n < MIN_WARN_CASES) return;
    const interval = d.ci ? ` [${pts(d.ci[0])}, ${pts(d.ci[1])}]` : "";
    const stats = `Δ ${pts(d.delta)}${interval}, ${d.test} p=${pval(d.p)}, Holm p=${pval(d.pAdjusted)}, n=${d.n}`;
    const values = {
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
      out.push({
        rule: "maxRegression",
        subject,
        status: "fail",
        message: `${subject}: regressed beyond ${pts(max)} — ${stats}`,
        values,
      });
    } else {
      const mde =
        d.mde === null
          ? ""
          : `; with ${d.n} cases this suite detects changes of ${pts(d.mde)} or more at 80% power`;
      out.push({
        rule: "maxRegression",
        subject,
        status: "warn",
        message: `${subject}: dropped more than ${pts(max)} but not significantly — ${stats}${mde}`,
        values,
      });
    }
  };
  const subjects: Array<[string, PairedDimension]> = Object.entries(comparison.dimensions);
  const keys = config.slices ? new Set(config.slices) : null;
  for (const [slice, entry] of Object.entries(comparison.slices)) {
    if (keys && !keys.has(slice.split("=")[0])) continue;
    for (const [name, d] of Object.entries(entry)) subjects.push([`${slice} · ${name}`, d]);
  }
  // Holm across the tests the gate checks (DESIGN.md §5): the comparison adjusted over every slice,
  // which over-corrects when gate.slices checks only some of them.
  const judged = keys ? holmOver(subjects, comparison.alpha, max) : subjects;
  const checked = judged.length;
  for (const [subject, d] of judged) check(subject, d);
  if (!out.some((r) => r.status === "fail")) {
    out.unshift({
      rule: "maxRegression",
      subject: "all",
      status: "pass",
      message: `no dimension or slice regressed significantly beyond ${pts(max)} (${checked} checks, Holm-adjusted, alpha ${comparison.alpha})`,
      values: { checked, maxRegression: max },
    });
  }
  return out;
}

/** Copies of the tests with Holm-adjusted p and verdicts over just this family. */
function holmOver(
  subjects: Array<[string, PairedDimension]>,
  alpha: number,
  maxRegression: number,
): Array<[string, PairedDimension]> {
  const family = subjects.map(([subject, d]) => [subject, { ...d }] as [string, PairedDimension]);
  adjustAndJudge(
    family.map(([, d]) => d),
    { alpha, maxRegression, resamples: 0, seed: 0 },
  );
  return family;
}

/** A case passes when it did not error and every scored dimension passed. */
function casePasses(r: CaseResult): boolean {
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
  const basePass = shared.filter((r) => casePasses(baseById.get(r.c.id) as CaseResult)).length;
  const candPass = shared.filter(casePasses).length;
  const newlyFailing = shared
    .filter((r) => !casePasses(r) && casePasses(baseById.get(r.c.id) as CaseResult))
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
