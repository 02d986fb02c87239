import type { MonitorConfig } from "../config/monitors.ts";
import type { AlertKind, ScoredRecord, StoredRecord } from "../store/production.ts";
import {
  type DriftSample,
  designPassRateCusum,
  inputFeatures,
  type PassRateCusumDesign,
  runPassRateCusum,
  type TwoWindowTest,
  twoWindowTests,
} from "./drift/index.ts";
import type { MonitorWindow } from "./windows.ts";

/**
 * Drift, from a monitor's windows (pure):
 *
 * - the reference is the monitor's first `reference.windows` windows: its pass rate per dimension
 *   is p0, and its records are the sample the two-window tests compare against;
 * - per dimension, a one-sided CUSUM on the pass rate of every window after the reference, with
 *   k and h designed from `drift.arl0` and `drift.shift` (drift/cusum.ts states how): open while
 *   the latest window's statistic is above h;
 * - the latest window against the reference: KS on each dimension's scores and on input length,
 *   chi-square on input language, on short categorical outputs and on metadata with few values,
 *   Holm-corrected as one family at `drift.alpha`.
 *
 * Until the reference windows exist there is nothing to compare with: `baseline` says so.
 */

export interface CusumResult {
  dimension: string;
  design: PassRateCusumDesign;
  /** S per window after the reference, aligned with `windows` from index `from` */
  statistic: number[];
  from: number;
  open: boolean;
  /** where the current episode began (the first window of the latest run of alarms) */
  episodeStart?: string;
}

export interface Finding {
  dimension: string;
  kind: AlertKind;
  /** the window where the episode began */
  window: string;
  statistic: number;
  p?: number;
  pAdjusted?: number;
}

export interface DriftReport {
  baseline: { windows: number; needed: number; complete: boolean; passRates: Record<string, number | null> };
  cusum: CusumResult[];
  tests: TwoWindowTest[];
  /** the window the two-window tests looked at */
  current?: string;
  findings: Finding[];
}

function passCounts(records: ScoredRecord[], dimension: string): { n: number; passes: number } {
  let n = 0;
  let passes = 0;
  for (const r of records) {
    const s = r.scores.find((x) => x.dimension === dimension);
    if (!s || s.passed === null) continue;
    n++;
    if (s.passed) passes++;
  }
  return { n, passes };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Text a feature is computed from: a string input as is, chat input's last user message, else JSON. */
export function inputText(input: unknown): string {
  if (typeof input === "string") return input;
  const messages = (input as { messages?: Array<{ role?: string; content?: unknown }> } | null)?.messages;
  if (Array.isArray(messages)) {
    const users = messages.filter((m) => m?.role === "user");
    const last = users[users.length - 1] ?? messages[messages.length - 1];
    if (last && typeof last.content === "string") return last.content;
  }
  return JSON.stringify(input ?? null);
}

/** Outputs are tested as categories only when they look like labels: short, and few distinct ones. */
const CATEGORY_MAX_LENGTH = 40;
const CATEGORY_MAX_VALUES = 20;

function outputCategory(output: unknown): string | undefined {
  const text = typeof output === "string" ? output.trim() : JSON.stringify(output ?? null);
  return text.length <= CATEGORY_MAX_LENGTH ? text : undefined;
}

/** The features of a set of records as the two-window tests take them. */
export function driftSample(
  scored: ScoredRecord[],
  records: Map<string, StoredRecord>,
  dimensions: string[],
  categoryKeys: { outputs: boolean; metadata: string[] },
): DriftSample {
  const scores: Record<string, number[]> = Object.fromEntries(dimensions.map((d) => [d, []]));
  const lengths: number[] = [];
  const languages: string[] = [];
  const outputs: string[] = [];
  const metadata: Record<string, string[]> = Object.fromEntries(categoryKeys.metadata.map((k) => [k, []]));
  for (const s of scored) {
    for (const x of s.scores) if (x.score !== null && scores[x.dimension]) scores[x.dimension].push(x.score);
    const r = records.get(s.recordId);
    if (!r) continue;
    const f = inputFeatures(inputText(r.input));
    lengths.push(f.length);
    languages.push(f.language);
    if (categoryKeys.outputs) outputs.push(outputCategory(r.output) ?? "(long)");
    for (const k of categoryKeys.metadata) {
      const v = r.metadata[k];
      metadata[k].push(v === undefined || v === null ? "(none)" : String(v));
    }
  }
  const categories: Record<string, string[]> = { "input.language": languages };
  if (categoryKeys.outputs) categories["output.category"] = outputs;
  for (const k of categoryKeys.metadata) categories[`metadata.${k}`] = metadata[k];
  return { scores, features: { "input.length": lengths }, categories };
}

/** Whether outputs look like labels (short, few values) over the reference records. */
export function outputsAreCategorical(records: Iterable<StoredRecord>): boolean {
  const values = new Set<string>();
  for (const r of records) {
    const c = outputCategory(r.output);
    if (c === undefined) return false;
    values.add(c);
    if (values.size > CATEGORY_MAX_VALUES) return false;
  }
  return values.size >= 2;
}

export function detectDrift(input: {
  windows: MonitorWindow[];
  dimensions: string[];
  config: MonitorConfig;
  /** full records of the reference windows and the latest window, by id (for the input features) */
  records: Map<string, StoredRecord>;
  /** metadata keys tested as categories */
  metadataKeys: string[];
}): DriftReport {
  const { windows, dimensions, config } = input;
  const needed = config.reference.windows;
  const referenceWindows = windows.slice(0, needed);
  const referenceRecords = referenceWindows.flatMap((w) => w.records);
  const passRates: Record<string, number | null> = {};
  for (const d of dimensions) {
    const c = passCounts(referenceRecords, d);
    passRates[d] = c.n > 0 ? c.passes / c.n : null;
  }
  const report: DriftReport = {
    baseline: { windows: referenceWindows.length, needed, complete: windows.length > needed, passRates },
    cusum: [],
    tests: [],
    findings: [],
  };
  if (!report.baseline.complete) return report;

  const after = windows.slice(needed);
  for (const d of dimensions) {
    const ref = passCounts(referenceRecords, d);
    if (ref.n === 0) continue;
    // a reference where every record passed would alarm on the first failure: shrink it a little
    // (the design's edge-case note), so one failure in thousands is not called a drift
    const p0 = ref.passes === ref.n ? (ref.passes + 0.5) / (ref.n + 1) : ref.passes / ref.n;
    const sizes = referenceWindows.map((w) => passCounts(w.records, d).n).filter((n) => n > 0);
    const design = designPassRateCusum({
      p0,
      p1: Math.max(p0 - config.drift.shift, p0 / 2),
      windowSize: Math.max(1, Math.round(median(sizes))),
      arl0: config.drift.arl0,
    });
    const run = runPassRateCusum(
      design,
      after.map((w) => passCounts(w.records, d)),
    );
    const last = run.statistic.length - 1;
    const open = last >= 0 && run.statistic[last] > design.h;
    const result: CusumResult = { dimension: d, design, statistic: run.statistic, from: needed, open };
    if (open) {
      let start = last;
      while (start > 0 && run.statistic[start - 1] > design.h) start--;
      result.episodeStart = after[start].start;
      report.findings.push({
        dimension: d,
        kind: "cusum",
        window: after[start].start,
        statistic: run.statistic[last],
      });
    }
    report.cusum.push(result);
  }

  const latest = after[after.length - 1];
  report.current = latest.start;
  const categorical = outputsAreCategorical(
    referenceRecords
      .map((r) => input.records.get(r.recordId))
      .filter((r): r is StoredRecord => r !== undefined),
  );
  const keys = { outputs: categorical, metadata: input.metadataKeys };
  report.tests = twoWindowTests(
    driftSample(referenceRecords, input.records, dimensions, keys),
    driftSample(latest.records, input.records, dimensions, keys),
    { alpha: config.drift.alpha },
  );
  for (const t of report.tests) {
    if (!t.alarm) continue;
    report.findings.push({
      dimension: t.name,
      kind: t.kind,
      window: latest.start,
      statistic: t.statistic,
      p: t.p,
      pAdjusted: t.pAdjusted,
    });
  }
  return report;
}
