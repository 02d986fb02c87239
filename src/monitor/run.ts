import type { LoadedSuite } from "../config/load.ts";
import { type MonitorConfig, parseCooldown } from "../config/monitors.ts";
import { buildDimensions } from "../engine/prepare.ts";
import type { ScoringDimension } from "../engine/scoring.ts";
import type { LlmRuntime } from "../llm/client.ts";
import type { MonitorAlert, RecordScore, StoredRecord } from "../store/production.ts";
import type { Store } from "../store/types.ts";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { type AlertTarget, updateAlerts } from "./alerts.ts";
import { type DriftReport, detectDrift, type Finding } from "./check.ts";
import type { TwoWindowTest } from "./drift/index.ts";
import { evaluationLogRecord, exportEvaluationEvents } from "./otel-events.ts";
import { reviewFor } from "./review.ts";
import { type MonitorScoringResult, scoreNewRecords } from "./score.ts";
import { groupWindows, sliceKeys, summariseWindow, type WindowSummary, windowComplete } from "./windows.ts";

/**
 * One pass of a monitor (`assay monitor NAME --once`; the loop runs passes): score what is new,
 * rebuild the time series from the stored scores, test for drift, open and close alerts (and
 * notify), queue records for review. Everything but scoring is recomputed from the store, so a
 * pass after a crash reports exactly what an uninterrupted one would.
 */

export interface MonitorPassOptions {
  suite: LoadedSuite;
  store: Store;
  name: string;
  llm?: LlmRuntime;
  concurrency?: number;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (visited: number) => void;
}

export interface MonitorCusumSummary {
  dimension: string;
  p0: number;
  p1: number;
  windowSize: number;
  k: number;
  h: number;
  arl0: number;
  arl1: number;
  method: string;
  /** the statistic after the latest window */
  statistic: number;
  open: boolean;
}

export interface MonitorReport {
  monitor: string;
  suite: string;
  window: MonitorConfig["window"];
  dimensions: string[];
  /** evaluator ids, as in a run's lineage: the same definitions and versions as the gate */
  evaluators: Record<string, string>;
  scoring: MonitorScoringResult;
  totals: { scored: number; filtered: number; unsampled: number };
  windows: Array<WindowSummary & { complete: boolean; cusum?: Record<string, number> }>;
  reference: DriftReport["baseline"];
  cusum: MonitorCusumSummary[];
  tests: TwoWindowTest[];
  /** the open alerts after this pass */
  alerts: Array<MonitorAlert & { p?: number }>;
  opened: string[];
  closed: string[];
  reviews: { pending: number; added: number };
  /** the lowest-scoring records of the latest windows (mean over the monitor's dimensions) */
  worst: Array<{ recordId: string; time: string; mean: number; failed: string[] }>;
  warnings: string[];
}

/** How many of the newest windows `worst` looks through, and how many records it keeps. */
const WORST_WINDOWS = 3;
const WORST_RECORDS = 20;

function worstRecords(windows: ReturnType<typeof groupWindows>): MonitorReport["worst"] {
  const candidates = windows.slice(-WORST_WINDOWS).flatMap((w) => w.records);
  const rated = candidates
    .map((r) => {
      const scored = r.scores.filter((s) => s.score !== null);
      const mean =
        scored.length === 0 ? 1 : scored.reduce((a, s) => a + (s.score as number), 0) / scored.length;
      return {
        recordId: r.recordId,
        time: r.recordTime,
        mean,
        failed: r.scores.filter((s) => s.passed === false).map((s) => s.dimension),
      };
    })
    .filter((r) => r.mean < 1 || r.failed.length > 0);
  rated.sort((a, b) => a.mean - b.mean || (a.time < b.time ? 1 : -1));
  return rated.slice(0, WORST_RECORDS);
}

export function monitorConfigOf(suite: LoadedSuite, name: string): MonitorConfig {
  const monitors = suite.config.monitors ?? {};
  const config = monitors[name];
  if (!config) {
    const names = Object.keys(monitors);
    throw suite.errorAt(
      ["monitors"],
      names.length === 0
        ? `the suite defines no monitors: add monitors: {${name}: {dimensions: [...]}}`
        : `no monitor "${name}"${didYouMeanSuffix(name, names)} (monitors: ${names.join(", ")})`,
    );
  }
  return config;
}

function describeFinding(f: Finding, drift: DriftReport): string {
  if (f.kind === "cusum") {
    const c = drift.cusum.find((x) => x.dimension === f.dimension);
    if (!c) return "CUSUM above its decision interval";
    const d = c.design;
    return (
      `pass rate of ${f.dimension} fell: CUSUM ${f.statistic.toFixed(2)} > h = ${d.h} ` +
      `(k = ${d.k.toFixed(2)} per ${d.windowSize} records; reference ${(d.p0 * 100).toFixed(1)}%, ` +
      `tuned for ${(d.p1 * 100).toFixed(1)}%; in-control ARL ${Math.round(d.arl0)} windows)`
    );
  }
  const test = f.kind === "ks" ? "two-sample KS" : "chi-square";
  return `${f.dimension} changed against the reference (${test} ${f.statistic.toFixed(3)}, p = ${f.p?.toPrecision(3)}, Holm-adjusted ${f.pAdjusted?.toPrecision(3)})`;
}

/** Only the monitor's dimensions are built (a judge elsewhere in the suite needs no key here). */
export function monitorDimensions(
  suite: LoadedSuite,
  config: MonitorConfig,
  llm?: LlmRuntime,
): Promise<ScoringDimension[]> {
  const picked = Object.fromEntries(config.dimensions.map((d) => [d, suite.config.dimensions[d]]));
  return buildDimensions({ ...suite, config: { ...suite.config, dimensions: picked } }, llm);
}

export async function runMonitorPass(opts: MonitorPassOptions): Promise<MonitorReport> {
  const { suite, store, name } = opts;
  const config = monitorConfigOf(suite, name);
  const now = opts.now ?? (() => new Date());
  const production = store.production;
  const warnings: string[] = [];

  const dims = await monitorDimensions(suite, config, opts.llm);
  const evaluators = Object.fromEntries(dims.map((d) => [d.name, d.evaluator.id]));

  let reviewsAdded = 0;
  const scoring = await scoreNewRecords({
    monitor: name,
    ...(config.filter ? { filter: config.filter } : {}),
    sample: config.sample,
    dims,
    store: production,
    concurrency: opts.concurrency ?? suite.config.concurrency,
    ...(opts.signal ? { signal: opts.signal } : {}),
    now,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    onBatch: async (batch) => {
      const at = now().toISOString();
      for (const { record, scores } of batch) {
        const review = reviewFor(name, config, record.id, scores, at);
        if (review && (await production.addReview(review))) reviewsAdded++;
      }
      if (config.otlp) {
        const events = batch.flatMap(({ record, scores }: { record: StoredRecord; scores: RecordScore[] }) =>
          scores.map((s) => {
            const responseId = record.metadata.responseId;
            return evaluationLogRecord(s, typeof responseId === "string" ? { responseId } : {});
          }),
        );
        try {
          await exportEvaluationEvents(
            {
              endpoint: config.otlp.endpoint,
              ...(config.otlp.headers ? { headers: config.otlp.headers } : {}),
            },
            events,
          );
        } catch (err) {
          warnings.push(`evaluation events not exported: ${(err as Error).message}`);
        }
      }
    },
  });

  const scored = await production.listScoredRecords(name);
  const windows = groupWindows(scored, config.window);
  const slicesBy = sliceKeys(scored);
  const referenceIds = windows
    .slice(0, config.reference.windows)
    .flatMap((w) => w.records.map((r) => r.recordId));
  const latest = windows.length > config.reference.windows ? windows[windows.length - 1] : undefined;
  const needed = latest ? [...referenceIds, ...latest.records.map((r) => r.recordId)] : [];
  const records = new Map((await production.getRecords(needed)).map((r) => [r.id, r]));
  const metadataKeys = slicesBy;
  const drift = detectDrift({ windows, dimensions: config.dimensions, config, records, metadataKeys });

  const target: AlertTarget | undefined = config.alert
    ? {
        ...(config.alert.webhook ? { webhook: config.alert.webhook } : {}),
        ...(config.alert.command ? { command: config.alert.command } : {}),
        cooldownMs: parseCooldown(config.alert.cooldown),
      }
    : undefined;
  const update = await updateAlerts({
    store: production,
    monitor: name,
    suite: suite.config.suite,
    findings: drift.findings,
    ...(target ? { target } : {}),
    now: now(),
    describe: (f) => describeFinding(f, drift),
  });
  for (const a of update.open) {
    if (a.notifyError)
      warnings.push(`alert ${a.id} (${a.dimension}, ${a.kind}) not delivered: ${a.notifyError}`);
  }

  // an alert on a dimension sends the failing records of its window to review
  const at = now().toISOString();
  for (const a of update.opened) {
    if (!config.dimensions.includes(a.dimension)) continue;
    const w = windows.find((x) => x.start === a.window) ?? latest;
    for (const r of w?.records ?? []) {
      const s = r.scores.find((x) => x.dimension === a.dimension);
      if (s?.passed !== false) continue;
      const added = await production.addReview({
        recordId: r.recordId,
        monitor: name,
        reason: "alert",
        detail: `${a.kind} alert ${a.id} on ${a.dimension}`,
        status: "pending",
        createdAt: at,
      });
      if (added) reviewsAdded++;
    }
  }

  const cusumByDim = new Map(drift.cusum.map((c) => [c.dimension, c]));
  const current = now();
  const summaries = windows.map((w, i) => {
    const s: WindowSummary & { complete: boolean; cusum?: Record<string, number> } = {
      ...summariseWindow(w, config.dimensions, slicesBy),
      complete: windowComplete(w, config.window, current),
    };
    const cusum: Record<string, number> = {};
    for (const [d, c] of cusumByDim) if (i >= c.from) cusum[d] = c.statistic[i - c.from];
    if (Object.keys(cusum).length > 0) s.cusum = cusum;
    return s;
  });
  const visits = await production.countVisits(name);
  const pending = (await production.listReviews({ monitor: name, status: "pending" })).length;

  const report: MonitorReport = {
    monitor: name,
    suite: suite.config.suite,
    window: config.window,
    dimensions: config.dimensions,
    evaluators,
    scoring,
    totals: visits,
    windows: summaries,
    reference: drift.baseline,
    cusum: drift.cusum.map((c) => ({
      dimension: c.dimension,
      p0: c.design.p0,
      p1: c.design.p1,
      windowSize: c.design.windowSize,
      k: c.design.k,
      h: c.design.h,
      arl0: c.design.arl0,
      arl1: c.design.arl1,
      method: c.design.method,
      statistic: c.statistic.length > 0 ? c.statistic[c.statistic.length - 1] : 0,
      open: c.open,
    })),
    tests: drift.tests,
    alerts: update.open,
    opened: update.opened.map((a) => a.id),
    closed: update.closed.map((a) => a.id),
    reviews: { pending, added: reviewsAdded },
    worst: worstRecords(windows),
    warnings,
  };
  await production.putMonitorReport(name, report, now().toISOString());
  return report;
}
