import type { CaseInput } from "../core/case.ts";
import { type Reducer, reduceEpochs } from "../scorecard/case-results.ts";
import type { RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import type { CaseStatus } from "./api-types.ts";

/**
 * One case's rows joined into what the case table shows and filters on, with the scorecard's own
 * rules (reduceEpochs per dimension, the weighted aggregate over scored dimensions, errored =
 * every epoch failed). Shared by the run's index, the first page served before it exists, and the
 * run page's status counts, so the three always agree.
 */

export const STATE_CODE: Record<CaseStatus, number> = { pass: 0, fail: 1, error: 2, unscored: 3 };
export const STATES: CaseStatus[] = ["pass", "fail", "error", "unscored"];

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

/** The text a case's row shows for its output: the first successful epoch's. */
export function outputText(outputs: StoredOutput[]): string {
  return outputs.find((o) => !o.error)?.text ?? "";
}

/** One case joined; `dimScore`/`dimState` are per dimension in the run's order (NaN = no score). */
export interface JoinedCase {
  status: number;
  errored: boolean;
  aggregate: number | null;
  dimScore: Float64Array;
  dimState: Uint8Array;
  latencyMs: number | null;
  costUsd: number | null;
  errorClass?: string;
}

export class CaseJoiner {
  readonly dimensions: string[];
  private readonly dimIndex: Map<string, number>;
  private readonly thresholds: number[];
  private readonly reducers: Reducer[];
  private readonly weights: number[];
  /** one scratch list per dimension, reused case after case */
  private readonly buckets: StoredScore[][];
  private readonly joined: JoinedCase;

  constructor(run: RunRecord) {
    const dims = Object.keys(run.dimensions);
    this.dimensions = dims;
    this.dimIndex = new Map(dims.map((d, i) => [d, i]));
    this.thresholds = dims.map((d) => run.dimensions[d].threshold);
    this.reducers = dims.map((d) => (run.dimensions[d].reduce as Reducer) ?? "mean");
    this.weights = dims.map((d) => run.dimensions[d].weight ?? 0);
    this.buckets = dims.map(() => []);
    this.joined = {
      status: 0,
      errored: false,
      aggregate: null,
      dimScore: new Float64Array(dims.length),
      dimState: new Uint8Array(dims.length),
      latencyMs: null,
      costUsd: null,
    };
  }

  /**
   * Joins one case's outputs (epoch order) and scores. The result is overwritten by the next
   * call: callers copy what they keep (a 100,000-case join allocates nothing per case).
   */
  join(outputs: StoredOutput[], scores: readonly StoredScore[]): JoinedCase {
    const j = this.joined;
    const errored = outputs.every((o) => o.error !== undefined);
    for (const b of this.buckets) b.length = 0;
    for (const s of scores) {
      const i = this.dimIndex.get(s.dimension);
      if (i !== undefined && s.score !== null) this.buckets[i].push(s);
    }
    let total = 0;
    let weight = 0;
    let anyPass = false;
    let anyFail = false;
    for (let i = 0; i < this.dimensions.length; i++) {
      const list = this.buckets[i];
      // epoch order, as the scorecard reduces them
      if (list.length > 1) list.sort((a, b) => a.epoch - b.epoch);
      const r = reduceEpochs(
        list.map((s) => s.score as number),
        list.map((s) => s.passed === true),
        this.thresholds[i],
        this.reducers[i],
      );
      j.dimScore[i] = r.score ?? Number.NaN;
      const state = errored ? "error" : r.score === null ? "unscored" : r.passed ? "pass" : "fail";
      j.dimState[i] = STATE_CODE[state];
      if (state === "pass") anyPass = true;
      if (state === "fail") anyFail = true;
      const w = this.weights[i];
      if (r.score !== null && w !== 0) {
        total += w * r.score;
        weight += w;
      }
    }
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
    j.errored = errored;
    j.status = STATE_CODE[errored ? "error" : anyFail ? "fail" : anyPass ? "pass" : "unscored"];
    j.aggregate = weight > 0 ? total / weight : null;
    j.latencyMs = latencyN > 0 ? latencySum / latencyN : null;
    j.costUsd = costN > 0 ? cost : null;
    j.errorClass = errored ? outputs.find((o) => o.error)?.error?.class : undefined;
    return j;
  }
}

/** Rows of some cases grouped by case, outputs in epoch order. */
export interface CaseRows {
  c: StoredCase;
  outputs: StoredOutput[];
  scores: StoredScore[];
}

/**
 * A page of rows (cases with their outputs and scores) as cases that have at least one output,
 * in ordinal order: the rows a run's case table holds.
 */
export function casesWithOutputs(page: {
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
}): CaseRows[] {
  const outputs = new Map<string, StoredOutput[]>();
  for (const o of page.outputs) {
    const list = outputs.get(o.caseId);
    if (list) list.push(o);
    else outputs.set(o.caseId, [o]);
  }
  const scores = new Map<string, StoredScore[]>();
  for (const s of page.scores) {
    const list = scores.get(s.caseId);
    if (list) list.push(s);
    else scores.set(s.caseId, [s]);
  }
  const cases = page.cases.slice().sort((a, b) => a.ordinal - b.ordinal);
  const out: CaseRows[] = [];
  for (const c of cases) {
    const outs = outputs.get(c.id);
    if (!outs) continue;
    if (outs.length > 1) outs.sort((a, b) => a.epoch - b.epoch);
    out.push({ c, outputs: outs, scores: scores.get(c.id) ?? [] });
  }
  return out;
}
