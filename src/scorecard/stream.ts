/**
 * The scorecard of a run of any size with flat memory (issue 14): the run's cases are read from
 * the store in ordinal pages with their outputs and scores, each page is folded into running
 * totals, and latency percentiles are order statistics the store sorts. What is kept grows with
 * dimensions × slices (and named clusters, flaky cases, confidences), never with rows; it gives
 * buildScorecard's figures to rounding (test/scorecard/stream.test.ts checks both on one store).
 */
import type { ErrorClass } from "../core/output.ts";
import { RunningMoments } from "../stats/running.ts";
import type {
  CalibrationRecord,
  RunRecord,
  Store,
  StoredCase,
  StoredOutput,
  StoredScore,
} from "../store/types.ts";
import {
  assembleScorecard,
  cacheSavings,
  judgeCost,
  type RunFigures,
  type ScorecardParts,
  sliceAggregate,
  worstCases,
  worstRows,
} from "./build.ts";
import { type CaseResult, caseResults, flakyCases } from "./case-results.ts";
import {
  CostTally,
  confidencePairs,
  confidenceReportOf,
  type ScorecardOptions,
  sampleSizeAdviceFrom,
} from "./operating.ts";
import { PatternCounter } from "./patterns.ts";
import { meanIntervalOf, passInterval, percentilesAt } from "./summarize.ts";
import type { DimensionStats, Scorecard } from "./types.ts";
import { countReason, NO_SCORE } from "./unscored.ts";

/** Cases per page read from the store: memory is O(page), independent of the run's size. */
export const SCORECARD_PAGE = 1000;

/** One dimension's running statistics over cases (statsFor, one case at a time). */
class DimensionTally {
  readonly scores = new RunningMoments();
  passed = 0;
  unscored = 0;
  readonly reasons: Record<string, number> = {};

  add(r: CaseResult, name: string): void {
    if (r.errored) return;
    const d = r.dims.get(name);
    if (!d || d.score === null) {
      this.unscored++;
      countReason(this.reasons, d?.unscoredReason ?? NO_SCORE);
      return;
    }
    this.scores.add(d.score, r.c.cluster);
    if (d.passed) this.passed++;
  }

  stats(): DimensionStats {
    return {
      ...meanIntervalOf(this.scores),
      ...passInterval(this.passed, this.scores.n),
      n: this.scores.n,
      unscored: this.unscored,
      passed: this.passed,
      unscoredReasons: this.reasons,
    };
  }
}

/** A group of cases (the run, or one slice): each dimension, and the weighted aggregate. */
class GroupTally {
  readonly dims = new Map<string, DimensionTally>();
  readonly aggregate = new RunningMoments();

  constructor(names: string[]) {
    for (const name of names) this.dims.set(name, new DimensionTally());
  }

  add(r: CaseResult): void {
    for (const [name, tally] of this.dims) tally.add(r, name);
    if (r.aggregate !== null) this.aggregate.add(r.aggregate, r.c.cluster);
  }

  aggregateStats(): { mean: number | null; ci: [number, number] | null; n: number } {
    return { ...meanIntervalOf(this.aggregate), n: this.aggregate.n };
  }
}

/** Folds pages of a run's rows (whole cases, every epoch) into the scorecard's parts. */
export class ScorecardAccumulator {
  private readonly names: string[];
  private readonly all: GroupTally;
  private readonly slices = new Map<string, GroupTally>();
  private casesSeen = 0;
  /** cases with at least one result */
  private rows = 0;
  private results = 0;
  private errors = 0;
  private readonly byClass: Partial<Record<ErrorClass, number>> = {};
  private okLatencies = 0;
  private latencySum = 0;
  private tokens = { input: 0, output: 0 };
  private cost = { total: 0, costed: 0, judge: 0, judgeTokens: { input: 0, output: 0 } };
  private cache: Scorecard["cache"] = { hits: 0, savedCost: 0, outputs: 0, judgeCalls: 0 };
  private worst: CaseResult[] = [];
  private readonly flaky: Scorecard["flaky"] = [];
  private readonly patterns = new PatternCounter();
  private readonly costs = new CostTally();
  private readonly confidence = { p: [] as number[], y: [] as boolean[] };
  private readonly statusCounts = { pass: 0, fail: 0, error: 0, unscored: 0 };

  constructor(
    /** only the dimensions are read: running totals start before the run's row exists */
    private readonly run: Pick<RunRecord, "dimensions">,
    private readonly options: ScorecardOptions = {},
  ) {
    this.names = Object.keys(run.dimensions);
    this.all = new GroupTally(this.names);
  }

  /** One page: cases (those without results count as missing) with all their outputs and scores. */
  addPage(page: { cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] }): void {
    this.casesSeen += page.cases.length;
    const rows = caseResults(this.run, page.cases, page.outputs, page.scores);
    this.rows += rows.length;
    for (const r of rows) {
      this.statusCounts[statusOf(r)]++;
      this.all.add(r);
      for (const [k, v] of Object.entries(r.c.tags)) {
        const key = `${k}=${v}`;
        let group = this.slices.get(key);
        if (!group) {
          group = new GroupTally(this.names);
          this.slices.set(key, group);
        }
        group.add(r);
      }
      this.costs.addCase(r.outputs);
    }
    for (const f of flakyCases(rows)) this.flaky.push(f);
    this.worst = worstRows([...this.worst, ...rows]);
    for (const o of page.outputs) {
      this.results++;
      if (o.error) {
        this.errors++;
        this.byClass[o.error.class] = (this.byClass[o.error.class] ?? 0) + 1;
      } else {
        this.okLatencies++;
        this.latencySum += o.latencyMs;
      }
      this.tokens.input += o.usage?.inputTokens ?? 0;
      this.tokens.output += o.usage?.outputTokens ?? 0;
      if (o.costUsd !== undefined) {
        this.cost.total += o.costUsd;
        this.cost.costed++;
      }
    }
    const judge = judgeCost(page.scores);
    this.cost.judge += judge.judge;
    this.cost.judgeTokens.input += judge.judgeTokens.input;
    this.cost.judgeTokens.output += judge.judgeTokens.output;
    const saved = cacheSavings(page.outputs, page.scores);
    this.cache.hits += saved.hits;
    this.cache.savedCost += saved.savedCost;
    this.cache.outputs += saved.outputs;
    this.cache.judgeCalls += saved.judgeCalls;
    for (const s of page.scores) this.patterns.add(s);
    confidencePairs(page.outputs, page.scores, this.options, this.confidence.p, this.confidence.y);
  }

  /**
   * The parts, with latency percentiles read through `latencyAt` (ranks of successful outputs)
   * and, given `latencyBins`, the latency histogram counted by the store.
   */
  async parts(
    sortedLatencyAt: (ranks: number[]) => Promise<number[]>,
    latencyBins?: (lo: number, width: number) => Promise<Map<number, number>>,
  ): Promise<ScorecardParts> {
    // the histogram's bounds (ranks 0 and n − 1) are read with the percentiles: one sort, not two
    const latencyAt = askingAlso(sortedLatencyAt, latencyBins ? [0, this.okLatencies - 1] : []);
    const dimensions: Record<string, DimensionStats> = {};
    for (const [name, tally] of this.all.dims) dimensions[name] = tally.stats();
    const slices: Scorecard["slices"] = {};
    for (const key of [...this.slices.keys()].sort()) {
      const group = this.slices.get(key) as GroupTally;
      const entry: Record<string, DimensionStats> = {};
      for (const [name, tally] of group.dims) entry[name] = tally.stats();
      entry.aggregate = sliceAggregate(group.aggregateStats());
      slices[key] = entry;
    }
    const distinct = this.rows;
    const parts: ScorecardParts = {
      dimensions,
      aggregate: this.all.aggregateStats(),
      slices,
      cases: distinct,
      results: this.results,
      missing: Math.max(0, this.casesSeen - distinct),
      errors: { count: this.errors, byClass: this.byClass },
      latencyMs: {
        ...(await percentilesAt(this.okLatencies, latencyAt)),
        mean: this.okLatencies > 0 ? this.latencySum / this.okLatencies : null,
      },
      tokens: this.tokens,
      cost: this.cost,
      cache: this.cache,
      worst: worstCases(this.worst),
      flaky: this.flaky,
      patterns: this.patterns.result(),
      confidence: confidenceReportOf(
        this.confidence.p,
        this.confidence.y,
        this.results - this.errors,
        this.options,
      ),
    };
    if (latencyBins) {
      parts.figures = {
        statusCounts: { ...this.statusCounts },
        latencyHistogram: await latencyHistogramOf(
          this.okLatencies,
          parts.latencyMs.p99,
          latencyAt,
          latencyBins,
        ),
      };
    }
    if (this.options.volume) parts.costProjection = this.costs.projection(this.options.volume.perMonth);
    if (this.options.minEffect !== undefined) {
      const agg = this.all.aggregate;
      parts.sampleSize = sampleSizeAdviceFrom(
        agg.n,
        agg.n >= 2 ? Math.sqrt(agg.variance()) : Number.NaN,
        this.options.minEffect,
      );
    }
    return parts;
  }
}

/**
 * `latencyAt` that asks for `extra` ranks along with the first ranks it is asked for, and answers
 * later asks from what it read: each call is a sort of the run's latencies in the database.
 */
function askingAlso(
  latencyAt: (ranks: number[]) => Promise<number[]>,
  extra: number[],
): (ranks: number[]) => Promise<number[]> {
  const known = new Map<number, number>();
  let first = true;
  return async (ranks) => {
    const missing = ranks.filter((r) => !known.has(r));
    if (missing.length > 0) {
      const ask = [...new Set(first ? [...missing, ...extra.filter((r) => r >= 0)] : missing)];
      first = false;
      const values = await latencyAt(ask);
      for (let i = 0; i < ask.length; i++) known.set(ask[i], values[i]);
    }
    return ranks.map((r) => known.get(r) as number);
  };
}

/** A case's overall status on the run page: an error, else failing any dimension, else passing any. */
function statusOf(r: CaseResult): keyof RunFigures["statusCounts"] {
  if (r.errored) return "error";
  let pass = false;
  for (const d of r.dims.values()) {
    if (d.score === null) continue;
    if (!d.passed) return "fail";
    pass = true;
  }
  return pass ? "pass" : "unscored";
}

/**
 * The latency histogram of `n` successful outputs without holding them: 30 bins from the
 * minimum to the 99th percentile (R type 7), the last holding the tail up to the maximum —
 * bounds from order statistics, counts from the store.
 */
async function latencyHistogramOf(
  n: number,
  p99: number | null,
  latencyAt: (ranks: number[]) => Promise<number[]>,
  latencyBins: (lo: number, width: number) => Promise<Map<number, number>>,
  bins = 30,
): Promise<RunFigures["latencyHistogram"]> {
  if (n === 0 || p99 === null) return [];
  const [lo, max] = await latencyAt([0, n - 1]);
  // a run still being written by other processes (a shard's report) may have fewer or other rows
  // by the time these queries run: no bounds, no histogram
  if (!Number.isFinite(lo) || !Number.isFinite(max)) return [];
  const hi = Math.max(p99, lo + 1);
  const width = (hi - lo) / bins;
  const out = Array.from({ length: bins }, (_, i) => ({
    from: lo + i * width,
    to: i === bins - 1 ? max : lo + (i + 1) * width,
    count: 0,
  }));
  // rows written since the bounds were read may fall outside them: they count in the end bins
  for (const [bin, count] of await latencyBins(lo, width)) {
    if (Number.isFinite(bin)) out[Math.min(bins - 1, Math.max(0, bin))].count += count;
  }
  return out;
}

/**
 * A stored run's scorecard parts, streamed page by page: memory bounded by one page of cases.
 * `onPage` is told how many cases were read so far.
 */
export async function scorecardParts(
  store: Store,
  run: RunRecord,
  options: ScorecardOptions = {},
  opts: { pageSize?: number; onPage?: (casesRead: number) => void } = {},
): Promise<ScorecardParts> {
  const acc = new ScorecardAccumulator(run, options);
  const limit = opts.pageSize ?? SCORECARD_PAGE;
  let after = -1;
  let read = 0;
  for (;;) {
    const page = await store.readCasePage(
      run.id,
      run.datasetVersion,
      { afterOrdinal: after, limit },
      run.scoreSet,
    );
    if (page.cases.length === 0) break;
    acc.addPage(page);
    read += page.cases.length;
    after = page.cases[page.cases.length - 1].ordinal;
    opts.onPage?.(read);
    if (page.cases.length < limit) break;
  }
  return acc.parts(
    (ranks) => store.latencyAt(run.id, ranks),
    (lo, width) => store.latencyBins(run.id, lo, width),
  );
}

/** The scorecard of a stored run, streamed (nothing kept; loadScorecard keeps it). */
export async function streamScorecard(
  store: Store,
  run: RunRecord,
  opts: {
    options?: ScorecardOptions;
    calibrations?: CalibrationRecord[];
    pageSize?: number;
    onPage?: (casesRead: number) => void;
  } = {},
): Promise<Scorecard> {
  const parts = await scorecardParts(store, run, opts.options, opts);
  return assembleScorecard(run, parts, opts.options, opts.calibrations);
}

type Entry = { c: StoredCase; outputs: StoredOutput[]; scores: StoredScore[] };

/**
 * Cases folded at once by the running totals: few enough that they are young garbage when
 * dropped, enough that per-page work (joins, the worst-10 sort) is spread thin.
 */
const RUNNING_PAGE = 200;

/**
 * Successful outputs' latencies a run keeps for its percentiles and histogram, 8 bytes each (4 MB
 * at most): up to this many, the end of a run sorts them in memory; past it, the store sorts them.
 * Both give the same numbers. The store's sort was most of a run's last moments (some 150 ms after
 * the last call at 100k cases, a query over every output, then another for the histogram).
 */
const LATENCIES_KEPT = 500_000;

/**
 * Running totals kept while a run writes its results (issue 14): each case is folded in as soon
 * as all its epochs are in, so the scorecard at the end costs O(dimensions × slices) instead of
 * a pass over every stored row. Holds only cases whose epochs are still in flight, and the
 * successful latencies (up to LATENCIES_KEPT).
 */
export class RunningScorecard {
  private readonly acc: ScorecardAccumulator;
  /** cases with epochs still in flight, by id */
  private readonly pending = new Map<string, Entry>();
  /** complete cases that arrived before an earlier ordinal, by ordinal */
  private readonly ready = new Map<number, Entry>();
  /** the ordinal folded next: cases are folded in dataset order, as a read-back folds them */
  private next = 0;
  /** cases in order, not yet folded: folded a page at a time */
  private folded: { cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] } = {
    cases: [],
    outputs: [],
    scores: [],
  };
  /** successful latencies so far; undefined once there were more than `keepLatencies` */
  private latencies: Float64Array | undefined = new Float64Array(1024);
  private latencyCount = 0;

  constructor(
    run: Pick<RunRecord, "dimensions">,
    private readonly epochs: number,
    options: ScorecardOptions = {},
    private readonly keepLatencies = LATENCIES_KEPT,
  ) {
    this.acc = new ScorecardAccumulator(run, options);
  }

  /**
   * One (case, epoch) result, as written to the store. Results complete in any order; cases are
   * folded strictly by ordinal (0, 1, 2, …), so sums run in the same order as the store's pages
   * and the card is the same number for number, whatever the timing. Only cases that finished
   * ahead of an earlier one wait (about `concurrency` of them).
   */
  add(c: StoredCase, output: StoredOutput, scores: StoredScore[]): void {
    // the rows the store's latencyAt ranks: outputs without an error
    if (output.error === undefined && this.latencies !== undefined) this.keepLatency(output.latencyMs);
    let entry = this.pending.get(c.id);
    if (!entry) {
      entry = { c, outputs: [], scores: [] };
      this.pending.set(c.id, entry);
    }
    entry.outputs.push(output);
    for (const s of scores) entry.scores.push(s);
    if (entry.outputs.length < this.epochs) return;
    this.pending.delete(c.id);
    this.ready.set(c.ordinal, entry);
    for (let e = this.ready.get(this.next); e; e = this.ready.get(this.next)) {
      this.ready.delete(this.next);
      this.next++;
      this.folded.cases.push(e.c);
      for (const o of e.outputs) this.folded.outputs.push(o);
      for (const s of e.scores) this.folded.scores.push(s);
      if (this.folded.cases.length >= RUNNING_PAGE) this.fold();
    }
  }

  private keepLatency(ms: number): void {
    let kept = this.latencies as Float64Array;
    if (this.latencyCount === kept.length) {
      if (kept.length >= this.keepLatencies) {
        this.latencies = undefined;
        return;
      }
      const grown = new Float64Array(Math.min(kept.length * 2, this.keepLatencies));
      grown.set(kept);
      kept = grown;
      this.latencies = grown;
    }
    kept[this.latencyCount++] = ms;
  }

  /** Folds the cases taken in order so far, as one page (a page per case cost 20 µs a case). */
  private fold(): void {
    if (this.folded.cases.length === 0) return;
    this.acc.addPage(this.folded);
    this.folded = { cases: [], outputs: [], scores: [] };
  }

  /**
   * The parts, once every result is in. The latency percentiles and histogram come from the
   * latencies kept, else from the store (`latencyAt`, `latencyBins`): the same numbers either way.
   */
  parts(
    latencyAt: (ranks: number[]) => Promise<number[]>,
    latencyBins?: (lo: number, width: number) => Promise<Map<number, number>>,
  ): Promise<ScorecardParts> {
    if (this.pending.size > 0 || this.ready.size > 0) {
      throw new Error(`${this.pending.size + this.ready.size} cases were not folded in`);
    }
    this.fold();
    if (this.latencies === undefined) return this.acc.parts(latencyAt, latencyBins);
    const sorted = this.latencies.subarray(0, this.latencyCount).sort();
    return this.acc.parts(
      async (ranks) => ranks.map((rank) => sorted[rank] ?? Number.NaN),
      latencyBins && (async (lo, width) => binCounts(sorted, lo, width)),
    );
  }
}

/**
 * How many latencies fall in each bin of `width` from `lo`: floor((latency − lo) / width), in
 * the same double arithmetic as the store's query, which counts the same bins.
 */
function binCounts(latencies: Float64Array, lo: number, width: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const ms of latencies) {
    const bin = Math.floor((ms - lo) / width);
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  return counts;
}
