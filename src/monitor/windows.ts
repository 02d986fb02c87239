import { meanWithStandardError, wilsonInterval } from "../stats/intervals.ts";
import type { ScoredRecord } from "../store/production.ts";

/**
 * A monitor's time series: scored records grouped into windows (UTC hours, UTC days, or runs of
 * N records in time order), each summarised per dimension and per slice with intervals — the
 * same intervals as a scorecard (Student t on the mean, Wilson on the pass rate). Pure.
 */

export type WindowSpec = "hour" | "day" | number;

export interface DimensionSummary {
  /** scored records (unscored ones left out and counted in `unscored`) */
  n: number;
  mean: number | null;
  ci: [number, number] | null;
  passRate: number | null;
  passCi: [number, number] | null;
  passes: number;
  unscored: number;
}

export interface WindowSummary {
  start: string;
  /** exclusive end (time windows); for record-count windows, the last record's time */
  end: string;
  n: number;
  dimensions: Record<string, DimensionSummary>;
  /** `key=value` → dimension → summary, for metadata keys with few distinct values */
  slices?: Record<string, Record<string, DimensionSummary>>;
}

export interface MonitorWindow {
  start: string;
  end: string;
  records: ScoredRecord[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

function floorIso(time: string, unit: number): string {
  const ms = Date.parse(time);
  return new Date(Math.floor(ms / unit) * unit).toISOString();
}

/** Groups records (oldest first, as the store returns them) into windows, oldest first. */
export function groupWindows(records: ScoredRecord[], spec: WindowSpec): MonitorWindow[] {
  const out: MonitorWindow[] = [];
  if (typeof spec === "number") {
    for (let i = 0; i < records.length; i += spec) {
      const part = records.slice(i, i + spec);
      out.push({ start: part[0].recordTime, end: part[part.length - 1].recordTime, records: part });
    }
    return out;
  }
  const unit = spec === "hour" ? HOUR : DAY;
  let current: MonitorWindow | undefined;
  for (const r of records) {
    const start = floorIso(r.recordTime, unit);
    if (!current || current.start !== start) {
      current = { start, end: new Date(Date.parse(start) + unit).toISOString(), records: [] };
      out.push(current);
    }
    current.records.push(r);
  }
  return out;
}

/** Whether a record-count window holds all its records yet (time windows: whether its end has passed). */
export function windowComplete(w: MonitorWindow, spec: WindowSpec, now: Date): boolean {
  if (typeof spec === "number") return w.records.length >= spec;
  return Date.parse(w.end) <= now.getTime();
}

export function summariseDimension(records: ScoredRecord[], dimension: string): DimensionSummary {
  const scores: number[] = [];
  let passes = 0;
  let judged = 0;
  let unscored = 0;
  for (const r of records) {
    const s = r.scores.find((x) => x.dimension === dimension);
    if (!s) continue;
    if (s.score === null) {
      unscored++;
      continue;
    }
    scores.push(s.score);
    if (s.passed !== null) {
      judged++;
      if (s.passed) passes++;
    }
  }
  const n = scores.length;
  const summary: DimensionSummary = {
    n,
    mean: null,
    ci: null,
    passRate: null,
    passCi: null,
    passes,
    unscored,
  };
  if (n > 0) {
    const m = meanWithStandardError(scores);
    summary.mean = m.mean;
    summary.ci = n >= 2 ? [Math.max(0, m.ci_t[0]), Math.min(1, m.ci_t[1])] : null;
  }
  if (judged > 0) {
    const w = wilsonInterval(passes, judged);
    summary.passRate = w.point;
    summary.passCi = [w.lower, w.upper];
  }
  return summary;
}

/** Metadata keys worth slicing on: scalar values, at most `maxValues` distinct ones over all records. */
export function sliceKeys(records: ScoredRecord[], maxValues = 10): string[] {
  const values = new Map<string, Set<string>>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r.metadata)) {
      if (v === null || typeof v === "object") continue;
      let set = values.get(k);
      if (!set) {
        set = new Set();
        values.set(k, set);
      }
      if (set.size <= maxValues) set.add(String(v));
    }
  }
  return [...values]
    .filter(([, set]) => set.size >= 2 && set.size <= maxValues)
    .map(([k]) => k)
    .sort();
}

export function summariseWindow(
  w: MonitorWindow,
  dimensions: string[],
  slicesBy: string[] = [],
): WindowSummary {
  const summary: WindowSummary = {
    start: w.start,
    end: w.end,
    n: w.records.length,
    dimensions: Object.fromEntries(dimensions.map((d) => [d, summariseDimension(w.records, d)])),
  };
  if (slicesBy.length > 0) {
    const groups = new Map<string, ScoredRecord[]>();
    for (const r of w.records) {
      for (const k of slicesBy) {
        const v = r.metadata[k];
        if (v === undefined || v === null || typeof v === "object") continue;
        const key = `${k}=${String(v)}`;
        const list = groups.get(key) ?? [];
        list.push(r);
        groups.set(key, list);
      }
    }
    summary.slices = Object.fromEntries(
      [...groups.keys()]
        .sort()
        .map((key) => [
          key,
          Object.fromEntries(dimensions.map((d) => [d, summariseDimension(groups.get(key) ?? [], d)])),
        ]),
    );
  }
  return summary;
}
