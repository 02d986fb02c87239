/**
 * The scorecard's operating characteristics (issue 13): confidence calibration and the escalation
 * threshold, cost at a monthly volume, score bands, and suite-size advice. Pure functions of the
 * stored rows and the suite's operating settings; they never change a score.
 */
import {
  type CalibrationSummary,
  calibrationSummary,
  escalationThreshold,
} from "../stats/calibration-curve.ts";
import { standardDeviation } from "../stats/descriptive.ts";
import { pairedSampleSize } from "../stats/power.ts";
import { RunningMoments } from "../stats/running.ts";
import type { StoredOutput, StoredScore } from "../store/types.ts";

/** A score band: a mean at or above `min` (and below the next band's) gets `label`. */
export interface Band {
  label: string;
  min: number;
}

export const DEFAULT_BANDS: readonly Band[] = [
  { label: "ready", min: 0.9 },
  { label: "targeted work", min: 0.8 },
  { label: "gaps", min: 0.7 },
  { label: "investigate", min: 0 },
];

/** What the suite (or flags) say about operating the system; every key optional. */
export interface ScorecardOptions {
  escalation?: { targetAccuracy: number; dimension?: string; bins?: number };
  volume?: { perMonth: number };
  bands?: readonly Band[];
  minEffect?: number;
}

/** The operating keys of a suite config (`escalation`, `volume`, `bands`, `minEffect`), with a `--volume` override. */
export function scorecardOptionsOf(
  config: {
    escalation?: ScorecardOptions["escalation"];
    volume?: { perMonth: number };
    bands?: Band[];
    minEffect?: number;
  },
  volumeOverride?: number,
): ScorecardOptions {
  const out: ScorecardOptions = {};
  if (config.escalation) out.escalation = config.escalation;
  if (config.bands) out.bands = config.bands;
  if (config.minEffect !== undefined) out.minEffect = config.minEffect;
  const perMonth = volumeOverride ?? config.volume?.perMonth;
  if (perMonth !== undefined) out.volume = { perMonth };
  return out;
}

// --- bands ---

/** The label of the highest band whose `min` the mean reaches; null without a mean or a band. */
export function bandOf(mean: number | null, bands: readonly Band[] = DEFAULT_BANDS): string | null {
  if (mean === null) return null;
  let best: Band | null = null;
  for (const b of bands) if (mean >= b.min && (best === null || b.min > best.min)) best = b;
  return best?.label ?? null;
}

// --- confidence ---

export interface ConfidenceReport extends CalibrationSummary {
  /** results without a confidence (errors excluded), left out of every figure */
  missing: number;
  /** what counts as correct: `all dimensions` or `dimension NAME` */
  correctness: string;
  escalation?: {
    targetAccuracy: number;
    /** escalate results below this confidence; null when no threshold reaches the target */
    threshold: number | null;
    /** share of results answered (not escalated) */
    coverage: number | null;
    /** share escalated to a person (1 − coverage) */
    escalated: number | null;
    /** accuracy on the answered results */
    accuracy: number | null;
    /** Wilson 95% interval of that accuracy */
    ci: [number, number] | null;
  };
}

/**
 * Calibration of the targets' stated confidence against correctness, per result (case × epoch,
 * since each result has its own confidence). A result is correct when it passes every dimension it
 * was scored on, or the named `escalation.dimension`; results with no verdict are left out.
 * Undefined (absent) when no result carries a confidence.
 */
export function confidenceReport(
  outputs: readonly StoredOutput[],
  scores: readonly StoredScore[],
  opts: ScorecardOptions = {},
): ConfidenceReport | undefined {
  const p: number[] = [];
  const y: boolean[] = [];
  confidencePairs(outputs, scores, opts, p, y);
  return confidenceReportOf(p, y, outputs.filter((o) => !o.error).length, opts);
}

/**
 * Appends to `p` and `y` each result's confidence and whether it was correct (results without a
 * confidence or without a verdict are left out). The scores must include every score of the
 * outputs' results; the streaming scorecard calls this page by page.
 */
export function confidencePairs(
  outputs: readonly StoredOutput[],
  scores: readonly StoredScore[],
  opts: ScorecardOptions,
  p: number[],
  y: boolean[],
): void {
  const withConfidence = outputs.filter((o) => !o.error && typeof o.confidence === "number");
  if (withConfidence.length === 0) return;
  const dimension = opts.escalation?.dimension;
  const verdicts = new Map<string, boolean>();
  for (const s of scores) {
    if (s.passed === null || (dimension !== undefined && s.dimension !== dimension)) continue;
    const key = `${s.caseId}\u0000${s.epoch}`;
    verdicts.set(key, (verdicts.get(key) ?? true) && s.passed);
  }
  for (const o of withConfidence) {
    const v = verdicts.get(`${o.caseId}\u0000${o.epoch}`);
    if (v === undefined) continue;
    p.push(o.confidence as number);
    y.push(v);
  }
}

/** The report of collected (confidence, correct) pairs; `ok` counts the results without an error. */
export function confidenceReportOf(
  p: readonly number[],
  y: readonly boolean[],
  ok: number,
  opts: ScorecardOptions = {},
): ConfidenceReport | undefined {
  if (p.length === 0) return undefined;
  const dimension = opts.escalation?.dimension;
  const summary = calibrationSummary(p, y, opts.escalation?.bins ?? 10);
  if (!summary) return undefined;
  const report: ConfidenceReport = {
    ...summary,
    missing: ok - summary.n,
    correctness: dimension === undefined ? "all dimensions" : `dimension ${dimension}`,
  };
  if (opts.escalation) {
    const esc = escalationThreshold(summary.selective, summary.n, opts.escalation.targetAccuracy);
    report.escalation = {
      targetAccuracy: opts.escalation.targetAccuracy,
      threshold: esc?.threshold ?? null,
      coverage: esc?.coverage ?? null,
      escalated: esc ? 1 - esc.coverage : null,
      accuracy: esc?.accuracy ?? null,
      ci: esc?.ci ?? null,
    };
  }
  return report;
}

export interface CostProjection {
  perMonth: number;
  /** cases with a cost (each case's epochs averaged) */
  n: number;
  /** mean cost of a case in USD, with a Student-t 95% interval over cases */
  perCase: { mean: number | null; ci: [number, number] | null };
  /** perCase × perMonth */
  monthly: { mean: number | null; ci: [number, number] | null };
  /** share of input tokens the provider served from its prompt cache (null without token counts) */
  cachedInputShare: number | null;
  /** outputs answered by assay's response cache, counted at what their calls cost when made */
  responseCacheOutputs: number;
  /** how cached tokens and cached responses enter the figures, in words */
  note: string;
}

/**
 * Cost per case and per month at `perMonth` cases: the mean per-case cost (each case's epochs
 * averaged, errors at what they cost) × perMonth, with the Student-t interval of that mean scaled
 * alike. The interval covers the sampling spread of the suite's cases only, not a change of mix.
 */
export function costProjection(outputs: readonly StoredOutput[], perMonth: number): CostProjection {
  const tally = new CostTally();
  const byCase = new Map<string, StoredOutput[]>();
  for (const o of outputs) {
    const list = byCase.get(o.caseId);
    if (list) list.push(o);
    else byCase.set(o.caseId, [o]);
  }
  for (const outs of byCase.values()) tally.addCase(outs);
  return tally.projection(perMonth);
}

/** What costProjection needs, gathered one case at a time (all of a case's epochs together). */
export class CostTally {
  private readonly perCase = new RunningMoments();
  private input = 0;
  private cached = 0;
  private responseCacheOutputs = 0;

  addCase(outputs: readonly StoredOutput[]): void {
    let cost = 0;
    let costed = 0;
    for (const o of outputs) {
      this.input += o.usage?.inputTokens ?? 0;
      this.cached += Math.min(o.usage?.cachedTokens ?? 0, o.usage?.inputTokens ?? 0);
      if (o.cached === true) this.responseCacheOutputs++;
      if (o.costUsd === undefined) continue;
      cost += o.costUsd;
      costed++;
    }
    if (costed > 0) this.perCase.add(cost / costed);
  }

  projection(perMonth: number): CostProjection {
    const { input, cached, responseCacheOutputs } = this;
    const n = this.perCase.n;
    let perCase: CostProjection["perCase"] = { mean: null, ci: null };
    if (n > 0) {
      const ci = this.perCase.tInterval();
      perCase = {
        mean: this.perCase.mean,
        ci: Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? [Math.max(0, ci[0]), ci[1]] : null,
      };
    }
    const scale = (x: number | null) => (x === null ? null : x * perMonth);
    const cachedInputShare = input > 0 ? cached / input : null;
    const notes: string[] = [];
    notes.push(
      cachedInputShare !== null && cached > 0
        ? `${(cachedInputShare * 100).toFixed(1)}% of input tokens were served from the provider's prompt cache and are priced at the cached rate; the projection assumes production sees the same share`
        : "no input tokens were served from a provider's prompt cache; prompt caching in production would lower the cost",
    );
    if (responseCacheOutputs > 0) {
      notes.push(
        `${responseCacheOutputs} output(s) came from assay's response cache and are counted at what their calls cost when made, as production would pay`,
      );
    }
    if (n === 0) notes.push("no call recorded a cost, so nothing can be projected");
    return {
      perMonth,
      n,
      perCase,
      monthly: {
        mean: scale(perCase.mean),
        ci: perCase.ci ? [perCase.ci[0] * perMonth, perCase.ci[1] * perMonth] : null,
      },
      cachedInputShare,
      responseCacheOutputs,
      note: notes.join("; "),
    };
  }
}

export interface SampleSizeAdvice {
  /** the change in the aggregate to detect (suite `minEffect`) */
  minEffect: number;
  /** scored cases in this run */
  cases: number;
  /** SD of paired differences assumed (√2 × the SD of the per-case aggregate) */
  sdDiff: number | null;
  /** smallest change this many paired cases detect at 80% power, α = 0.05 two-sided */
  mde: number | null;
  /** paired cases needed to detect `minEffect` at 80% power (exact paired t-test) */
  needed: number | null;
  power: number;
  alpha: number;
}

/**
 * About how many paired cases a comparison needs to detect `minEffect` in the aggregate. One run
 * does not know how two runs' scores correlate, so the SD of the per-case differences is taken as
 * √2 × this run's per-case SD (no correlation); correlated runs, the usual case, need fewer.
 */
export function sampleSizeAdvice(aggregates: readonly number[], minEffect: number): SampleSizeAdvice {
  const sd = aggregates.length >= 2 ? standardDeviation(aggregates) : Number.NaN;
  return sampleSizeAdviceFrom(aggregates.length, sd, minEffect);
}

/** sampleSizeAdvice from the count and SD of the per-case aggregates (the streaming scorecard's). */
export function sampleSizeAdviceFrom(cases: number, sd: number, minEffect: number): SampleSizeAdvice {
  const base = { minEffect, cases, power: 0.8, alpha: 0.05 };
  if (!(sd > 0)) return { ...base, sdDiff: null, mde: null, needed: null };
  const sdDiff = Math.SQRT2 * sd;
  const size = pairedSampleSize({ sd_diff: sdDiff, mde: minEffect });
  const z = size.z_alpha + size.z_beta;
  return {
    ...base,
    sdDiff,
    mde: (z * sdDiff) / Math.sqrt(cases),
    needed: size.n_t_test_required,
  };
}
