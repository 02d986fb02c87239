import type { Case, CaseInput } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import type { ScoringDimension } from "../engine/scoring.ts";
import { scoreOutput } from "../engine/scoring.ts";
import type {
  MonitorVisit,
  ProductionRecord,
  ProductionStore,
  RecordScore,
  StoredRecord,
} from "../store/production.ts";
import { toOutput } from "../targets/policy.ts";
import { hashValue } from "../util/hash.ts";

/**
 * Online scoring: every record a monitor has not visited yet is filtered (metadata equality),
 * sampled (a hash of monitor and record id, so a rerun makes the same choice) and scored with the
 * suite's own dimensions through the engine's `scoreOutput` — the very code that scores a gated
 * run, so an online score means what an offline one does.
 *
 * Exactly once: a record's visit and its scores are written in one transaction, and the store
 * keeps the first visit of a record (see ProductionStore.recordVisits). A process killed mid-way
 * loses only the scores not yet written; the next pass finds those records unvisited and scores
 * them, and none twice.
 */

export interface MonitorScoringOptions {
  monitor: string;
  filter?: Record<string, string | number | boolean>;
  sample: number;
  dims: ScoringDimension[];
  store: ProductionStore;
  /** records scored at once (default 8) */
  concurrency?: number;
  /** records read, scored and written per batch (default 100: what a kill can cost) */
  batchSize?: number;
  signal?: AbortSignal;
  now?: () => Date;
  /** after each batch is stored: the records scored in it with their scores */
  onBatch?: (scored: Array<{ record: StoredRecord; scores: RecordScore[] }>) => Promise<void> | void;
  onProgress?: (visited: number) => void;
}

export interface MonitorScoringResult {
  visited: number;
  scored: number;
  filtered: number;
  unsampled: number;
}

/** A record as the evaluators see it: a case without an expected value, and the output users saw. */
export function recordAsCase(r: ProductionRecord): Case {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.metadata)) if (v !== null && v !== undefined) tags[k] = String(v);
  return { id: r.id, input: r.input as CaseInput, tags };
}

export function recordAsOutput(r: ProductionRecord): Output {
  const out = toOutput(
    {
      output: r.output ?? "",
      ...(r.trace ? { trace: r.trace } : {}),
      ...(r.usage ? { usage: r.usage } : {}),
      ...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
    },
    1,
    r.latencyMs ?? 0,
  );
  return out;
}

export function matchesFilter(r: ProductionRecord, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  for (const [k, v] of Object.entries(filter)) {
    const have = r.metadata[k];
    // YAML may read `7` where the application sent "7": compare as text
    if (have === undefined || have === null || String(have) !== String(v)) return false;
  }
  return true;
}

/** Deterministic sampling: the same record is in or out on every rerun and every machine. */
export function sampled(monitor: string, recordId: string, rate: number): boolean {
  if (rate >= 1) return true;
  const h = Number.parseInt(hashValue([monitor, recordId], 8), 16) / 0x100000000;
  return h < rate;
}

export async function scoreNewRecords(opts: MonitorScoringOptions): Promise<MonitorScoringResult> {
  const result: MonitorScoringResult = { visited: 0, scored: 0, filtered: 0, unsampled: 0 };
  const batchSize = opts.batchSize ?? 100;
  // within a pass, each page starts past the previous one; records that arrive late with an
  // earlier time are found by the next pass, which starts from the beginning again
  let after: { time: string; id: string } | undefined;
  const concurrency = opts.concurrency ?? 8;
  const now = opts.now ?? (() => new Date());
  for (;;) {
    if (opts.signal?.aborted) break;
    const page = await opts.store.unvisitedRecords(opts.monitor, batchSize, after);
    if (page.length === 0) break;
    const last = page[page.length - 1];
    after = { time: last.time, id: last.id };
    const visits: MonitorVisit[] = [];
    const scoredNow: Array<{ record: StoredRecord; scores: RecordScore[] }> = [];
    const toScore: StoredRecord[] = [];
    for (const r of page) {
      if (!matchesFilter(r, opts.filter)) {
        visits.push({ recordId: r.id, recordTime: r.time, status: "filtered", scores: [] });
      } else if (!sampled(opts.monitor, r.id, opts.sample)) {
        visits.push({ recordId: r.id, recordTime: r.time, status: "unsampled", scores: [] });
      } else toScore.push(r);
    }
    let next = 0;
    const worker = async () => {
      while (next < toScore.length && !opts.signal?.aborted) {
        const r = toScore[next++];
        const stored = await scoreOutput(opts.monitor, recordAsCase(r), 0, recordAsOutput(r), opts.dims, {
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        const scores: RecordScore[] = stored.map((s) => {
          const rs: RecordScore = {
            monitor: opts.monitor,
            recordId: r.id,
            recordTime: r.time,
            dimension: s.dimension,
            evaluator: s.evaluator,
            score: s.score,
            passed: s.passed,
            reason: s.reason,
          };
          if (s.details !== undefined) rs.details = s.details;
          return rs;
        });
        visits.push({ recordId: r.id, recordTime: r.time, status: "scored", scores });
        scoredNow.push({ record: r, scores });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, toScore.length)) }, worker));
    } catch (err) {
      // what was scored before the failure is kept; the rest stays unvisited for the next pass
      await opts.store.recordVisits(opts.monitor, visits, now().toISOString());
      throw err;
    }
    await opts.store.recordVisits(opts.monitor, visits, now().toISOString());
    for (const v of visits) result[v.status]++;
    result.visited += visits.length;
    opts.onProgress?.(result.visited);
    if (scoredNow.length > 0) await opts.onBatch?.(scoredNow);
    if (opts.signal?.aborted) break;
  }
  return result;
}
