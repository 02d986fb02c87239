import type { RunRecord, Store, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import type { CaseRow, CaseStatus } from "./api-types.ts";
import { CaseJoiner, type CaseRows, casesWithOutputs, inputText, outputText, STATES } from "./case-join.ts";
import { FiguresTally, type RunFigures } from "./figures.ts";

/**
 * A run's cases as columns that the case table filters, sorts and pages in memory: at 100,000
 * cases a query is a scan of typed arrays (tens of milliseconds), not a round of SQL and JSON
 * parsing. No row objects are kept: the index is built by streaming the run from the store page
 * by page, and a served page's texts (and an opened case's rows) are read back from the store by
 * ordinal. Built on first use and cached per run (see RunIndexCache).
 */

const PREVIEW = 240;
/**
 * Characters of input and of output text that text search looks at. The index keeps them lower
 * cased per case (with the id and slice keys): at most ~1 KB a case, whatever the outputs' size.
 */
export const SEARCH_TEXT = 500;
const QUERY_CACHE = 16;
/**
 * Cases per page read from the store while building: a page's row objects live across the
 * reads' awaits, so smaller pages leave less for the garbage collector to promote (at 100,000
 * cases, 250 a page peaks ~30 MB lower than 1,000, and is no slower).
 */
const INDEX_PAGE = 250;
/** wanted cases whose ordinals are at most this far apart are read in one range */
const RANGE_GAP = 8;

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

/** The texts a row previews. */
export interface RowTexts {
  input: string;
  output: string;
}

export function rowTexts(r: CaseRows): RowTexts {
  return { input: inputText(r.c.input), output: outputText(r.outputs) };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The first `max` characters of a text as a string of their own: a slice of a long string can
 * hold the whole string alive in V8, which would keep every output's full text in the index.
 */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  return Buffer.from(text.slice(0, max), "utf16le").toString("utf16le");
}

type Typed = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** `a` with room for `need` elements (a larger copy when it has none). */
function room<T extends Typed>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  next.set(a as ArrayLike<number>);
  return next;
}

/** The index's columns: one element per case with an output, in ordinal order. */
interface Columns {
  ids: string[];
  ordinals: Float64Array;
  status: Uint8Array;
  /** NaN = null */
  aggregate: Float64Array;
  latency: Float64Array;
  cost: Float64Array;
  /** index into errorClasses; 0 = none */
  errorClass: Uint16Array;
  errorClasses: string[];
  /** per dimension: the reduced score (NaN = none) and its state (STATE_CODE) */
  dimScore: Float64Array[];
  dimState: Uint8Array[];
  /** a case's tags are tagRefs[tagStart[i] .. tagStart[i + 1]), each an index into tagPairs */
  tagStart: Int32Array;
  tagRefs: Uint32Array;
  tagPairs: Array<[string, string]>;
  /** lower-cased id, slice keys, and the first SEARCH_TEXT characters of input and output */
  haystacks: string[];
}

/** Folds pages of a run's rows into an index's columns; copies what it keeps of each row. */
export class RunIndexBuilder {
  private n = 0;
  private readonly joiner: CaseJoiner;
  private readonly figures: FiguresTally;
  private readonly col: Columns;
  private tagN = 0;
  private readonly tagIndex = new Map<string, number>();
  private readonly errorClassIndex = new Map<string, number>();
  /** full texts, kept only for an index of a few rows (see RunIndex.fromRows) */
  private readonly texts?: Map<string, RowTexts>;

  constructor(
    private readonly run: RunRecord,
    opts: { capacity?: number; keepTexts?: boolean } = {},
  ) {
    this.joiner = new CaseJoiner(run);
    this.figures = new FiguresTally(run);
    const cap = Math.max(16, Math.min(opts.capacity ?? run.caseCount, 1 << 24));
    const dims = this.joiner.dimensions;
    this.col = {
      ids: [],
      ordinals: new Float64Array(cap),
      status: new Uint8Array(cap),
      aggregate: new Float64Array(cap),
      latency: new Float64Array(cap),
      cost: new Float64Array(cap),
      errorClass: new Uint16Array(cap),
      errorClasses: [""],
      dimScore: dims.map(() => new Float64Array(cap)),
      dimState: dims.map(() => new Uint8Array(cap)),
      tagStart: new Int32Array(cap + 1),
      tagRefs: new Uint32Array(cap * 2),
      tagPairs: [],
      haystacks: [],
    };
    if (opts.keepTexts) this.texts = new Map();
  }

  addPage(page: { cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] }): void {
    for (const r of casesWithOutputs(page)) this.addCase(r);
  }

  private addCase(r: CaseRows): void {
    const col = this.col;
    const i = this.n;
    const need = i + 1;
    if (need > col.status.length) {
      col.ordinals = room(col.ordinals, need);
      col.status = room(col.status, need);
      col.aggregate = room(col.aggregate, need);
      col.latency = room(col.latency, need);
      col.cost = room(col.cost, need);
      col.errorClass = room(col.errorClass, need);
      col.dimScore = col.dimScore.map((a) => room(a, need));
      col.dimState = col.dimState.map((a) => room(a, need));
    }
    col.tagStart = room(col.tagStart, need + 1);
    const j = this.joiner.join(r.outputs, r.scores);
    const id = r.c.id;
    col.ids.push(id);
    col.ordinals[i] = r.c.ordinal;
    col.status[i] = j.status;
    col.aggregate[i] = j.aggregate ?? Number.NaN;
    col.latency[i] = j.latencyMs ?? Number.NaN;
    col.cost[i] = j.costUsd ?? Number.NaN;
    for (let d = 0; d < col.dimScore.length; d++) {
      col.dimScore[d][i] = j.dimScore[d];
      col.dimState[d][i] = j.dimState[d];
    }
    if (j.errorClass !== undefined) {
      let e = this.errorClassIndex.get(j.errorClass);
      if (e === undefined) {
        e = col.errorClasses.length;
        col.errorClasses.push(j.errorClass);
        this.errorClassIndex.set(j.errorClass, e);
      }
      col.errorClass[i] = e;
    }
    const sliceKeys: string[] = [];
    for (const [k, v] of Object.entries(r.c.tags)) {
      const key = `${k}\u0000${v}`;
      let t = this.tagIndex.get(key);
      if (t === undefined) {
        t = col.tagPairs.length;
        col.tagPairs.push([k, v]);
        this.tagIndex.set(key, t);
      }
      col.tagRefs = room(col.tagRefs, this.tagN + 1);
      col.tagRefs[this.tagN++] = t;
      sliceKeys.push(`${k}=${v}`);
    }
    col.tagStart[i + 1] = this.tagN;
    const texts = rowTexts(r);
    col.haystacks.push(
      `${id}\n${sliceKeys.join(" ")}\n${bounded(texts.input, SEARCH_TEXT)}\n${bounded(texts.output, SEARCH_TEXT)}`.toLowerCase(),
    );
    this.texts?.set(id, texts);
    this.figures.addCase(j.status, r.outputs);
    this.n++;
  }

  finish(): RunIndex {
    return new RunIndex(this.run, this.col, this.n, this.figures.result(), this.texts);
  }
}

export class RunIndex {
  /** case id → position */
  readonly byId = new Map<string, number>();
  readonly dimensions: string[];
  /** cases by overall status and the latency histogram, as the run page shows them */
  readonly figures: RunFigures;
  private readonly queries = new Map<string, number[]>();
  /** caseId → current labels; undefined until loaded (and after labels change) */
  labelCounts?: Map<string, number>;
  labelsLoadedAt = 0;

  constructor(
    readonly run: RunRecord,
    private readonly col: Columns,
    /** cases with at least one output */
    readonly size: number,
    figures: RunFigures,
    private readonly texts?: Map<string, RowTexts>,
  ) {
    this.dimensions = Object.keys(run.dimensions);
    this.figures = figures;
    col.ids.forEach((id, i) => {
      this.byId.set(id, i);
    });
  }

  /** An index of rows already in memory (a page, a test): keeps their texts, reads nothing back. */
  static fromRows(
    run: RunRecord,
    rows: { cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] },
  ): RunIndex {
    const b = new RunIndexBuilder(run, { capacity: rows.cases.length, keepTexts: true });
    b.addPage(rows);
    return b.finish();
  }

  idAt(position: number): string {
    return this.col.ids[position];
  }

  statusAt(position: number): CaseStatus {
    return STATES[this.col.status[position]];
  }

  aggregateAt(position: number): number | null {
    const v = this.col.aggregate[position];
    return Number.isNaN(v) ? null : v;
  }

  /** The `key=value` slices of the cases that match every wanted one, as a test per case. */
  private sliceFilter(slices: string[]): ((i: number) => boolean) | undefined {
    if (slices.length === 0) return undefined;
    const { tagPairs, tagStart, tagRefs } = this.col;
    // per wanted slice, which tag pairs spell it (`a=b` + `c` and `a` + `b=c` both do)
    const spells = slices.map((s) => {
      const yes = new Uint8Array(tagPairs.length);
      tagPairs.forEach(([k, v], t) => {
        if (`${k}=${v}` === s) yes[t] = 1;
      });
      return yes;
    });
    return (i) => {
      for (const yes of spells) {
        let found = false;
        for (let r = tagStart[i]; r < tagStart[i + 1] && !found; r++) found = yes[tagRefs[r]] === 1;
        if (!found) return false;
      }
      return true;
    };
  }

  /** Positions of the cases that match, in the requested order. Cached per query. */
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
    let wanted: Uint8Array | undefined;
    if (query.statuses.length > 0) {
      wanted = new Uint8Array(STATES.length);
      for (const s of query.statuses) wanted[STATES.indexOf(s)] = 1;
    }
    const states = dim < 0 ? this.col.status : this.col.dimState[dim];
    const inSlices = this.sliceFilter(query.slices);
    const haystacks = this.col.haystacks;
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (wanted && wanted[states[i]] !== 1) continue;
      if (inSlices && !inSlices(i)) continue;
      if (terms.length > 0) {
        const h = haystacks[i];
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
    const col = this.col;
    const numeric = (column: Float64Array) => (p: number) => (Number.isNaN(column[p]) ? null : column[p]);
    let value: (p: number) => number | string | null;
    if (field === "id") value = (p) => col.ids[p];
    else if (field === "aggregate") value = numeric(col.aggregate);
    else if (field === "latency") value = numeric(col.latency);
    else if (field === "cost") value = numeric(col.cost);
    else if (field === "status") value = (p) => STATES[col.status[p]];
    else if (field.startsWith("score:")) {
      const i = this.dimensions.indexOf(field.slice("score:".length));
      if (i < 0) throw new QueryError(`cannot sort by "${sort}": no dimension "${field.slice(6)}"`);
      value = numeric(col.dimScore[i]);
    } else {
      throw new QueryError(
        `cannot sort by "${sort}" (ordinal, id, aggregate, latency, cost, status, score:<dimension>; prefix - for descending)`,
      );
    }
    const keyed = positions.map((p) => ({ p, v: value(p), o: col.ordinals[p] }));
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

  /** One row of the case table; its previews are cut from `texts` (the case's full texts). */
  row(position: number, texts?: RowTexts): CaseRow {
    const col = this.col;
    const id = col.ids[position];
    const dims: CaseRow["dims"] = {};
    for (let i = 0; i < this.dimensions.length; i++) {
      const score = col.dimScore[i][position];
      const status = STATES[col.dimState[i][position]];
      dims[this.dimensions[i]] = {
        score: Number.isNaN(score) ? null : score,
        passed: status === "pass" ? true : status === "fail" ? false : null,
        status,
      };
    }
    const tags: Record<string, string> = {};
    for (let r = col.tagStart[position]; r < col.tagStart[position + 1]; r++) {
      const [k, v] = col.tagPairs[col.tagRefs[r]];
      tags[k] = v;
    }
    const t = texts ?? this.texts?.get(id);
    const latency = col.latency[position];
    const cost = col.cost[position];
    const row: CaseRow = {
      id,
      ordinal: col.ordinals[position],
      tags,
      status: STATES[col.status[position]],
      aggregate: this.aggregateAt(position),
      dims,
      latencyMs: Number.isNaN(latency) ? null : latency,
      costUsd: Number.isNaN(cost) ? null : cost,
      input: cut(t?.input ?? "", PREVIEW),
      output: cut(t?.output ?? "", PREVIEW),
      labels: this.labelCounts?.get(id) ?? 0,
    };
    if (col.errorClass[position] !== 0) row.errorClass = col.errorClasses[col.errorClass[position]];
    return row;
  }

  /** The case table's rows at these positions, their texts read from the store. */
  async rowsAt(store: Store, positions: readonly number[]): Promise<CaseRow[]> {
    const read = this.texts ? undefined : await this.readRows(store, positions);
    return positions.map((p) => {
      const r = read?.get(this.col.ids[p]);
      return this.row(p, r ? rowTexts(r) : undefined);
    });
  }

  /**
   * The stored rows (case, outputs in epoch order, scores) of the cases at these positions, by
   * case id: read by ordinal ranges (nearby ordinals in one read), so a page of the case table
   * costs a query or a few, never the whole run.
   */
  async readRows(store: Store, positions: readonly number[]): Promise<Map<string, CaseRows>> {
    const ordinals = [...new Set(positions.map((p) => this.col.ordinals[p]))].sort((a, b) => a - b);
    const wanted = new Set(positions.map((p) => this.col.ids[p]));
    const out = new Map<string, CaseRows>();
    for (let i = 0; i < ordinals.length; ) {
      let j = i;
      while (j + 1 < ordinals.length && ordinals[j + 1] - ordinals[j] <= RANGE_GAP) j++;
      const page = await store.readCasePage(
        this.run.id,
        this.run.datasetVersion,
        { afterOrdinal: ordinals[i] - 1, limit: ordinals[j] - ordinals[i] + 1 },
        this.run.scoreSet,
      );
      for (const r of casesWithOutputs(page)) if (wanted.has(r.c.id)) out.set(r.c.id, r);
      i = j + 1;
    }
    return out;
  }

  /** The stored rows of cases by id (those the index holds), as readRows. */
  readCases(store: Store, caseIds: readonly string[]): Promise<Map<string, CaseRows>> {
    const positions: number[] = [];
    for (const id of caseIds) {
      const p = this.byId.get(id);
      if (p !== undefined) positions.push(p);
    }
    return this.readRows(store, positions);
  }
}

/** What makes a cached index stale: anything that changes the run's record (status, rescore, epochs). */
export function fingerprint(run: RunRecord): string {
  return JSON.stringify([
    run.status,
    run.finishedAt,
    run.caseCount,
    run.epochs,
    run.scoreSet,
    run.dimensions,
    run.lineage,
  ]);
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

/** Lets pending I/O (other requests) run: each page read below holds the event loop. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One index per run, built once and shared by concurrent requests; the least recently used is
 * dropped past `max`. Labels are loaded apart so a new label reloads them, not the whole index.
 */
export class RunIndexCache {
  private readonly slots = new Map<string, Slot>();
  /** work on a run that a build of its index waits for (see hold) */
  private readonly holds = new Map<string, Promise<unknown>>();

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

  /** The run's index if it is built or being built (and fresh), without starting a build. */
  pending(run: RunRecord): Promise<RunIndex> | undefined {
    return this.fresh(run)?.index;
  }

  /**
   * Builds of the run's index that start before `work` settles wait for it (and for any work
   * held before): the run page's scorecard is answered first rather than share the event loop
   * with a pass over the whole run.
   */
  hold(runId: string, work: Promise<unknown>): void {
    const settled = Promise.all([this.holds.get(runId), work]).then(
      () => {},
      () => {},
    );
    this.holds.set(runId, settled);
    void settled.then(() => {
      if (this.holds.get(runId) === settled) this.holds.delete(runId);
    });
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

  /**
   * Streams the run from the store a page of cases at a time (memory: the columns plus one page),
   * letting the event loop go between pages so page requests keep being answered. A finished
   * run's figures are kept in the store on the way: the run page then needs no pass of its own.
   */
  private async build(run: RunRecord): Promise<RunIndex> {
    await yieldToLoop();
    await this.holds.get(run.id);
    const builder = new RunIndexBuilder(run);
    // ordinals are dataset positions, from 0
    let after = -1;
    for (;;) {
      const page = await this.store.readCasePage(
        run.id,
        run.datasetVersion,
        { afterOrdinal: after, limit: INDEX_PAGE },
        run.scoreSet,
      );
      if (page.cases.length === 0) break;
      builder.addPage(page);
      after = page.cases[page.cases.length - 1].ordinal;
      if (page.cases.length < INDEX_PAGE) break;
      await yieldToLoop();
    }
    return builder.finish();
  }
}
