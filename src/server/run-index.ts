import type { RunRows } from "../compare/compare.ts";
import type { CaseInput } from "../core/case.ts";
import { buildScorecard } from "../scorecard/build.ts";
import { type Reducer, reduceEpochs } from "../scorecard/case-results.ts";
import type { ScorecardOptions } from "../scorecard/operating.ts";
import type { Scorecard } from "../scorecard/types.ts";
import { quantileSorted } from "../stats/index.ts";
import type { RunRecord, Store, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import type { CaseRow, CaseStatus, HistogramBin } from "./api-types.ts";

/**
 * A run's rows joined once into per-case entries that the case table filters, sorts and pages in
 * memory: at 100,000 cases a query is a scan of plain objects (tens of milliseconds), not a
 * round of SQL and JSON parsing. Built on first use and cached per run (see RunIndexCache).
 */

const PREVIEW = 240;
/** characters of input and output text that text search looks at */
const SEARCH_TEXT = 4000;
const QUERY_CACHE = 16;

export interface IndexEntry {
  c: StoredCase;
  /** in epoch order */
  outputs: StoredOutput[];
  id: string;
  ordinal: number;
  errored: boolean;
  status: CaseStatus;
  aggregate: number | null;
  sliceKeys: string[];
  errorClass?: string;
  latencyMs: number | null;
  costUsd: number | null;
  /** full input and output text; previews are cut from them per response */
  inputText: string;
  outputText: string;
}

export interface CaseQuery {
  slices: string[];
  dimension?: string;
  statuses: CaseStatus[];
  q?: string;
  /** `ordinal` (default), `id`, `aggregate`, `latency`, `cost`, `status` or `score:<dimension>`; `-` prefix for descending */
  sort: string;
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryError";
  }
}

/** Text of a case input or an output for display and search. */
export function inputText(input: CaseInput | unknown): string {
  if (typeof input === "string") return input;
  if (input && typeof input === "object" && "messages" in input && Array.isArray(input.messages)) {
    const messages = input.messages as Array<{ role?: string; content?: unknown }>;
    return messages
      .map((m) => `${m.role ?? "?"}: ${typeof m.content === "string" ? m.content : ""}`)
      .join("\n");
  }
  return JSON.stringify(input) ?? "";
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const STATE_CODE: Record<CaseStatus, number> = { pass: 0, fail: 1, error: 2, unscored: 3 };
const STATES: CaseStatus[] = ["pass", "fail", "error", "unscored"];

export class RunIndex {
  readonly entries: IndexEntry[] = [];
  readonly byId = new Map<string, number>();
  readonly scoresByCase = new Map<string, StoredScore[]>();
  readonly dimensions: string[];
  readonly slices: string[];
  /** per dimension, per entry: the reduced score (NaN = none) and its state (STATE_CODE) */
  private readonly dimScore: Float64Array[];
  private readonly dimState: Uint8Array[];
  private scorecard?: Scorecard;
  /** the operating settings (JSON) the scorecard was built with */
  private scorecardOptions?: string;
  private histogram?: HistogramBin[];
  /** lower-cased id, tags, input and output, built on the first text search */
  private haystacks?: string[];
  private readonly queries = new Map<string, number[]>();
  /** caseId → current labels; undefined until loaded (and after labels change) */
  labelCounts?: Map<string, number>;
  labelsLoadedAt = 0;

  /**
   * Joins the rows case by case with the scorecard's own rules (reduceEpochs per dimension, the
   * weighted aggregate over scored dimensions, errored = every epoch failed), but into flat
   * arrays: the scorecard's per-case maps cost seconds and hundreds of megabytes at 100,000 cases.
   */
  constructor(
    readonly run: RunRecord,
    readonly rows: RunRows,
  ) {
    const dims = Object.keys(run.dimensions);
    this.dimensions = dims;
    const dimIndex = new Map(dims.map((d, i) => [d, i]));
    const records = dims.map((d) => run.dimensions[d]);
    for (const s of rows.scores) {
      const list = this.scoresByCase.get(s.caseId);
      if (list) list.push(s);
      else this.scoresByCase.set(s.caseId, [s]);
    }
    const outputsByCase = new Map<string, StoredOutput[]>();
    for (const o of rows.outputs) {
      const list = outputsByCase.get(o.caseId);
      if (list) list.push(o);
      else outputsByCase.set(o.caseId, [o]);
    }
    const sliceSet = new Set<string>();
    const cases = rows.cases.slice().sort((a, b) => a.ordinal - b.ordinal);
    const n = Math.min(cases.length, outputsByCase.size);
    this.dimScore = dims.map(() => new Float64Array(n));
    this.dimState = dims.map(() => new Uint8Array(n));
    /** one scratch list per dimension, reused case after case */
    const buckets: StoredScore[][] = dims.map(() => []);
    for (const c of cases) {
      const outputs = outputsByCase.get(c.id);
      if (!outputs) continue;
      if (outputs.length > 1) outputs.sort((a, b) => a.epoch - b.epoch);
      const errored = outputs.every((o) => o.error !== undefined);
      for (const b of buckets) b.length = 0;
      for (const s of this.scoresByCase.get(c.id) ?? []) {
        const i = dimIndex.get(s.dimension);
        if (i !== undefined && s.score !== null) buckets[i].push(s);
      }
      const row = this.entries.length;
      let total = 0;
      let weight = 0;
      let anyPass = false;
      let anyFail = false;
      for (let i = 0; i < dims.length; i++) {
        const list = buckets[i];
        // epoch order, as the scorecard reduces them
        if (list.length > 1) list.sort((a, b) => a.epoch - b.epoch);
        const r = reduceEpochs(
          list.map((s) => s.score as number),
          list.map((s) => s.passed === true),
          records[i].threshold,
          (records[i].reduce as Reducer) ?? "mean",
        );
        this.dimScore[i][row] = r.score ?? Number.NaN;
        const state = errored ? "error" : r.score === null ? "unscored" : r.passed ? "pass" : "fail";
        this.dimState[i][row] = STATE_CODE[state];
        if (state === "pass") anyPass = true;
        if (state === "fail") anyFail = true;
        const w = records[i].weight ?? 0;
        if (r.score !== null && w !== 0) {
          total += w * r.score;
          weight += w;
        }
      }
      const sliceKeys = Object.entries(c.tags).map(([k, v]) => `${k}=${v}`);
      for (const k of sliceKeys) sliceSet.add(k);
      let latencySum = 0;
      let latencyN = 0;
      let cost = 0;
      let costN = 0;
      for (const o of outputs) {
        if (!o.error) {
          latencySum += o.latencyMs;
          latencyN++;
        }
        if (o.costUsd !== undefined) {
          cost += o.costUsd;
          costN++;
        }
      }
      const firstError = outputs.find((o) => o.error)?.error;
      const entry: IndexEntry = {
        c,
        outputs,
        id: c.id,
        ordinal: c.ordinal,
        errored,
        status: errored ? "error" : anyFail ? "fail" : anyPass ? "pass" : "unscored",
        aggregate: weight > 0 ? total / weight : null,
        sliceKeys,
        latencyMs: latencyN > 0 ? latencySum / latencyN : null,
        costUsd: costN > 0 ? cost : null,
        inputText: inputText(c.input),
        outputText: outputs.find((o) => !o.error)?.text ?? "",
      };
      if (errored && firstError) entry.errorClass = firstError.class;
      this.byId.set(c.id, this.entries.length);
      this.entries.push(entry);
    }
    this.slices = [...sliceSet].sort();
  }

  /**
   * The run's scorecard with the suite's operating settings (bands, volume, escalation, minEffect);
   * without `options`, whichever was built last (what the runs list needs, the aggregate, is the same).
   */
  getScorecard(options?: ScorecardOptions): Scorecard {
    const key = options === undefined ? undefined : JSON.stringify(options);
    if (!this.scorecard || (key !== undefined && key !== this.scorecardOptions)) {
      this.scorecard = buildScorecard({ ...this.rows, options: options ?? {} });
      this.scorecardOptions = key ?? "{}";
    }
    return this.scorecard;
  }

  hasScorecard(): boolean {
    return this.scorecard !== undefined;
  }

  statusCounts(): Record<CaseStatus, number> {
    const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, error: 0, unscored: 0 };
    for (const e of this.entries) counts[e.status]++;
    return counts;
  }

  /** Latency of the outputs without error: 30 bins from the minimum to the 99th percentile (the last bin holds the tail). */
  latencyHistogram(bins = 30): HistogramBin[] {
    if (this.histogram) return this.histogram;
    const values = this.rows.outputs.filter((o) => !o.error).map((o) => o.latencyMs);
    if (values.length === 0) {
      this.histogram = [];
      return this.histogram;
    }
    values.sort((a, b) => a - b);
    const lo = values[0];
    const hi = Math.max(quantileSorted(values, 0.99), lo + 1);
    const width = (hi - lo) / bins;
    const out: HistogramBin[] = Array.from({ length: bins }, (_, i) => ({
      from: lo + i * width,
      to: i === bins - 1 ? values[values.length - 1] : lo + (i + 1) * width,
      count: 0,
    }));
    for (const v of values) out[Math.min(bins - 1, Math.floor((v - lo) / width))].count++;
    this.histogram = out;
    return out;
  }

  private haystack(i: number): string {
    if (!this.haystacks) {
      this.haystacks = this.entries.map((e) =>
        `${e.id}\n${e.sliceKeys.join(" ")}\n${e.inputText.slice(0, SEARCH_TEXT)}\n${e.outputText.slice(0, SEARCH_TEXT)}`.toLowerCase(),
      );
    }
    return this.haystacks[i];
  }

  /** Positions (into `entries`) of the cases that match, in the requested order. Cached per query. */
  select(query: CaseQuery): number[] {
    const key = JSON.stringify([query.slices, query.dimension, query.statuses, query.q, query.sort]);
    const hit = this.queries.get(key);
    if (hit) {
      // refresh its place: the map is kept in least-recently-used order
      this.queries.delete(key);
      this.queries.set(key, hit);
      return hit;
    }
    const dim = query.dimension === undefined ? -1 : this.dimensions.indexOf(query.dimension);
    if (query.dimension !== undefined && dim < 0) {
      throw new QueryError(`no dimension "${query.dimension}" (dimensions: ${this.dimensions.join(", ")})`);
    }
    const terms = (query.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    const statuses = query.statuses.length > 0 ? new Set(query.statuses) : undefined;
    const states = dim < 0 ? undefined : this.dimState[dim];
    const out: number[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (statuses && !statuses.has(states ? STATES[states[i]] : e.status)) continue;
      if (query.slices.length > 0 && !query.slices.every((s) => e.sliceKeys.includes(s))) continue;
      if (terms.length > 0) {
        const h = this.haystack(i);
        if (!terms.every((t) => h.includes(t))) continue;
      }
      out.push(i);
    }
    this.sortPositions(out, query.sort);
    this.queries.set(key, out);
    if (this.queries.size > QUERY_CACHE) this.queries.delete(this.queries.keys().next().value as string);
    return out;
  }

  private sortPositions(positions: number[], sort: string): void {
    const desc = sort.startsWith("-");
    const field = desc ? sort.slice(1) : sort;
    if (field === "" || field === "ordinal") {
      if (desc) positions.reverse();
      return;
    }
    let value: (e: IndexEntry, p: number) => number | string | null;
    if (field === "id") value = (e) => e.id;
    else if (field === "aggregate") value = (e) => e.aggregate;
    else if (field === "latency") value = (e) => e.latencyMs;
    else if (field === "cost") value = (e) => e.costUsd;
    else if (field === "status") value = (e) => e.status;
    else if (field.startsWith("score:")) {
      const i = this.dimensions.indexOf(field.slice("score:".length));
      if (i < 0) throw new QueryError(`cannot sort by "${sort}": no dimension "${field.slice(6)}"`);
      const column = this.dimScore[i];
      value = (_e, p) => (Number.isNaN(column[p]) ? null : column[p]);
    } else {
      throw new QueryError(
        `cannot sort by "${sort}" (ordinal, id, aggregate, latency, cost, status, score:<dimension>; prefix - for descending)`,
      );
    }
    const keyed = positions.map((p) => ({ p, v: value(this.entries[p], p), o: this.entries[p].ordinal }));
    const sign = desc ? -1 : 1;
    keyed.sort((a, b) => {
      // missing values last in either direction; ties in dataset order
      if (a.v === null || b.v === null) return a.v === b.v ? a.o - b.o : a.v === null ? 1 : -1;
      if (a.v < b.v) return -sign;
      if (a.v > b.v) return sign;
      return a.o - b.o;
    });
    for (let i = 0; i < keyed.length; i++) positions[i] = keyed[i].p;
  }

  row(position: number): CaseRow {
    const e = this.entries[position];
    const dims: CaseRow["dims"] = {};
    for (let i = 0; i < this.dimensions.length; i++) {
      const score = this.dimScore[i][position];
      const status = STATES[this.dimState[i][position]];
      dims[this.dimensions[i]] = {
        score: Number.isNaN(score) ? null : score,
        passed: status === "pass" ? true : status === "fail" ? false : null,
        status,
      };
    }
    const row: CaseRow = {
      id: e.id,
      ordinal: e.ordinal,
      tags: e.c.tags,
      status: e.status,
      aggregate: e.aggregate,
      dims,
      latencyMs: e.latencyMs,
      costUsd: e.costUsd,
      input: cut(e.inputText, PREVIEW),
      output: cut(e.outputText, PREVIEW),
      labels: this.labelCounts?.get(e.id) ?? 0,
    };
    if (e.errorClass) row.errorClass = e.errorClass;
    return row;
  }
}

/** What makes a cached index stale: anything that changes the run's record (status, rescore, epochs). */
function fingerprint(run: RunRecord): string {
  return JSON.stringify([run.status, run.finishedAt, run.caseCount, run.epochs, run.dimensions, run.lineage]);
}

const LABELS_TTL_MS = 15_000;

/** A running run keeps growing: its index is rebuilt when older than this. */
const RUNNING_TTL_MS = 5_000;

interface Slot {
  fingerprint: string;
  builtAt: number;
  index: Promise<RunIndex>;
  /** set once `index` resolved */
  built?: RunIndex;
}

/** Lets pending I/O (other requests) run: the SQLite reads below each hold the event loop. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One index per run, built once and shared by concurrent requests; the least recently used is
 * dropped past `max`. Labels are loaded apart so a new label reloads them, not the whole index.
 */
export class RunIndexCache {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly store: Store,
    private readonly max = 4,
  ) {}

  private fresh(run: RunRecord): Slot | undefined {
    const slot = this.slots.get(run.id);
    const fresh =
      slot !== undefined &&
      slot.fingerprint === fingerprint(run) &&
      (run.status !== "running" || Date.now() - slot.builtAt < RUNNING_TTL_MS);
    return fresh ? slot : undefined;
  }

  /** The run's index if it is built and fresh, without building it. */
  peek(run: RunRecord): RunIndex | undefined {
    return this.fresh(run)?.built;
  }

  async get(run: RunRecord): Promise<RunIndex> {
    const fp = fingerprint(run);
    const slot = this.fresh(run);
    if (slot) {
      this.slots.delete(run.id);
      this.slots.set(run.id, slot);
      return slot.index;
    }
    const index = this.build(run);
    const fresh: Slot = { fingerprint: fp, builtAt: Date.now(), index };
    this.slots.set(run.id, fresh);
    index.then(
      (built) => {
        fresh.built = built;
      },
      () => {
        if (this.slots.get(run.id) === fresh) this.slots.delete(run.id);
      },
    );
    while (this.slots.size > this.max) this.slots.delete(this.slots.keys().next().value as string);
    return index;
  }

  /** The index with its label counts loaded. */
  async withLabels(run: RunRecord): Promise<RunIndex> {
    const index = await this.get(run);
    // labels given elsewhere (`assay labels import`, another server) show up within LABELS_TTL_MS
    if (!index.labelCounts || Date.now() - index.labelsLoadedAt > LABELS_TTL_MS) {
      const counts = new Map<string, number>();
      for (const l of await this.store.listLabels({ runId: run.id })) {
        counts.set(l.caseId, (counts.get(l.caseId) ?? 0) + 1);
      }
      index.labelCounts = counts;
      index.labelsLoadedAt = Date.now();
    }
    return index;
  }

  /** Labels of a run changed: the next request reloads them. */
  async invalidateLabels(runId: string): Promise<void> {
    const slot = this.slots.get(runId);
    if (!slot) return;
    try {
      (await slot.index).labelCounts = undefined;
    } catch {
      // a failed build is dropped anyway
    }
  }

  /** One read at a time with the event loop let go in between, so page requests keep being answered. */
  private async build(run: RunRecord): Promise<RunIndex> {
    await yieldToLoop();
    const cases = await this.store.listCases(run.datasetVersion);
    await yieldToLoop();
    const outputs = await this.store.listOutputs(run.id);
    await yieldToLoop();
    const scores = await this.store.listScores(run.id, run.scoreSet);
    await yieldToLoop();
    return new RunIndex(run, { run, cases, outputs, scores });
  }
}
