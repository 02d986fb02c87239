import type { Kysely } from "kysely";
import { rowToOutput, rowToScore } from "./rows.ts";
import { casesOfRun, currentScoreSet } from "./run-queries.ts";
import type { Database } from "./schema.ts";
import type { Compilable } from "./sql-store.ts";
import type { ResultColumns, StoredOutput, StoredScore } from "./types.ts";

/**
 * Reads behind Store.readResultColumns and Store.listResultsOf, shared by every SQL backend. Rows
 * come through the store's `eachRow` (SQLite: straight from the statement, no row array) in
 * primary-key order, which needs no sort in the database; they are put in case order here with a
 * counting sort into typed arrays.
 */

export type EachRow = <O>(query: Compilable<O>, each: (row: O) => void) => Promise<void>;

type Typed = Int32Array | Uint8Array | Uint16Array | Float64Array;

/** `a` with room for `need` elements (a larger copy when it has none). */
function room<T extends Typed>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  next.set(a as ArrayLike<number>);
  return next;
}

/** Every column of `columns` with room for `need` elements. */
function roomAll<T extends Record<string, Typed>>(columns: T, need: number): T {
  const out: Record<string, Typed> = {};
  for (const [name, a] of Object.entries(columns)) out[name] = room(a, need);
  return out as T;
}

/**
 * Where each row goes so that rows end up grouped by case in case order, each case's rows in the
 * order they came (epoch, then dimension): a stable counting sort over the rows' case indices.
 */
function caseOrder(caseOf: Int32Array, n: number, cases: number): Int32Array {
  const start = new Int32Array(cases + 1);
  for (let r = 0; r < n; r++) start[caseOf[r] + 1]++;
  for (let i = 0; i < cases; i++) start[i + 1] += start[i];
  const to = new Int32Array(n);
  for (let r = 0; r < n; r++) to[r] = start[caseOf[r]]++;
  return to;
}

function permuted<T extends Typed>(a: T, to: Int32Array, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  for (let r = 0; r < n; r++) out[to[r]] = a[r];
  return out;
}

export async function readResultColumns(
  db: Kysely<Database>,
  eachRow: EachRow,
  runId: string,
  datasetVersion: string,
  scoreSet?: number,
): Promise<ResultColumns> {
  // Cases with an output in the run, in ordinal order: ids once, tags parsed once per case.
  const ids: string[] = [];
  const tags: Array<Record<string, string>> = [];
  const clusters: Array<string | undefined> = [];
  let ordinals = new Int32Array(0);
  const cases = casesOfRun(db, runId, datasetVersion)
    .select(["case_id", "ordinal", "tags", "cluster"])
    .orderBy("ordinal");
  await eachRow(cases, (r) => {
    ordinals = room(ordinals, ids.length + 1);
    ordinals[ids.length] = Number(r.ordinal);
    ids.push(r.case_id);
    tags.push(JSON.parse(r.tags) as Record<string, string>);
    clusters.push(r.cluster ?? undefined);
  });
  ordinals = ordinals.subarray(0, ids.length);
  const indexOf = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) indexOf.set(ids[i], i);

  let outputCount = 0;
  let errorCount = 0;
  let n = 0;
  let o = {
    case: new Int32Array(ids.length),
    epoch: new Int32Array(ids.length),
    errored: new Uint8Array(ids.length),
    latencyMs: new Float64Array(ids.length),
    costUsd: new Float64Array(ids.length),
  };
  const outputs = db
    .selectFrom("outputs")
    .select(["case_id", "epoch", "error_class", "latency_ms", "cost_usd"])
    .where("run_id", "=", runId)
    .orderBy("case_id")
    .orderBy("epoch");
  await eachRow(outputs, (r) => {
    outputCount++;
    if (r.error_class !== null) errorCount++;
    const at = indexOf.get(r.case_id);
    if (at === undefined) return; // its case is not in the dataset version: counted only
    if (n === o.case.length) o = roomAll(o, n + 1);
    o.case[n] = at;
    o.epoch[n] = Number(r.epoch);
    o.errored[n] = r.error_class === null ? 0 : 1;
    o.latencyMs[n] = Number(r.latency_ms);
    o.costUsd[n] = r.cost_usd === null ? Number.NaN : Number(r.cost_usd);
    n++;
  });
  const outTo = caseOrder(o.case, n, ids.length);

  const dimensions: string[] = [];
  const dimIndex = new Map<string, number>();
  let m = 0;
  let s = {
    case: new Int32Array(n),
    epoch: new Int32Array(n),
    dimension: new Uint16Array(n),
    score: new Float64Array(n),
    passed: new Uint8Array(n),
  };
  const scores = db
    .selectFrom("scores")
    .select(["case_id", "epoch", "dimension", "score", "passed"])
    .where("run_id", "=", runId)
    .where("score_set", "=", scoreSet ?? currentScoreSet(runId))
    .orderBy("case_id")
    .orderBy("epoch")
    .orderBy("dimension");
  await eachRow(scores, (r) => {
    const at = indexOf.get(r.case_id);
    if (at === undefined) return; // a case without an output has no result to score
    let d = dimIndex.get(r.dimension);
    if (d === undefined) {
      d = dimensions.length;
      dimensions.push(r.dimension);
      dimIndex.set(r.dimension, d);
    }
    if (m === s.case.length) s = roomAll(s, m + 1);
    s.case[m] = at;
    s.epoch[m] = Number(r.epoch);
    s.dimension[m] = d;
    s.score[m] = r.score === null ? Number.NaN : Number(r.score);
    s.passed[m] = r.passed === null ? 2 : Number(r.passed) === 1 ? 1 : 0;
    m++;
  });
  const scoreTo = caseOrder(s.case, m, ids.length);

  return {
    cases: { ids, ordinals, tags, clusters },
    outputs: {
      case: permuted(o.case, outTo, n),
      epoch: permuted(o.epoch, outTo, n),
      errored: permuted(o.errored, outTo, n),
      latencyMs: permuted(o.latencyMs, outTo, n),
      costUsd: permuted(o.costUsd, outTo, n),
    },
    outputCount,
    errorCount,
    scores: {
      case: permuted(s.case, scoreTo, m),
      epoch: permuted(s.epoch, scoreTo, m),
      dimension: permuted(s.dimension, scoreTo, m),
      score: permuted(s.score, scoreTo, m),
      passed: permuted(s.passed, scoreTo, m),
    },
    dimensions,
  };
}

/** Ids per IN list: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 400;

export async function listResultsOf(
  db: Kysely<Database>,
  runId: string,
  caseIds: readonly string[],
  scoreSet?: number,
): Promise<{ outputs: StoredOutput[]; scores: StoredScore[] }> {
  const outputs: StoredOutput[] = [];
  const scores: StoredScore[] = [];
  for (let i = 0; i < caseIds.length; i += CHUNK) {
    const part = caseIds.slice(i, i + CHUNK);
    const [o, s] = await Promise.all([
      db
        .selectFrom("outputs")
        .selectAll()
        .where("run_id", "=", runId)
        .where("case_id", "in", part)
        .orderBy("case_id")
        .orderBy("epoch")
        .execute(),
      db
        .selectFrom("scores")
        .selectAll()
        .where("run_id", "=", runId)
        .where("score_set", "=", scoreSet ?? currentScoreSet(runId))
        .where("case_id", "in", part)
        .orderBy("case_id")
        .orderBy("epoch")
        .orderBy("dimension")
        .execute(),
    ]);
    for (const r of o) outputs.push(rowToOutput(r));
    for (const r of s) scores.push(rowToScore(r));
  }
  return { outputs, scores };
}
