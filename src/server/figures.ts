import type { RunFigures } from "../scorecard/build.ts";
import { type Reducer, reduceEpochs } from "../scorecard/case-results.ts";
import { quantileSorted } from "../stats/index.ts";
import type { ResultColumns, RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import type { HistogramBin } from "./api-types.ts";
import { CaseJoiner, casesWithOutputs, STATES } from "./case-join.ts";

/** What the run page shows beside the scorecard: cases by overall status, and the latency histogram. */
export type { RunFigures } from "../scorecard/build.ts";

/** Folds a run's cases, page by page, into its RunFigures: memory is 8 bytes per successful output. */
export class FiguresTally {
  private readonly counts = new Uint32Array(STATES.length);
  private readonly latencies = new GrowingFloats();
  private readonly joiner: CaseJoiner;

  constructor(run: RunRecord) {
    this.joiner = new CaseJoiner(run);
  }

  addPage(page: { cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] }): void {
    for (const r of casesWithOutputs(page))
      this.addCase(this.joiner.join(r.outputs, r.scores).status, r.outputs);
  }

  /** One case with an output: its status code (STATE_CODE) and its outputs. */
  addCase(status: number, outputs: readonly StoredOutput[]): void {
    this.counts[status]++;
    for (const o of outputs) if (!o.error) this.latencies.push(o.latencyMs);
  }

  result(): RunFigures {
    const statusCounts = { pass: 0, fail: 0, error: 0, unscored: 0 };
    STATES.forEach((s, i) => {
      statusCounts[s] = this.counts[i];
    });
    return { statusCounts, latencyHistogram: latencyHistogram(this.latencies.sorted()) };
  }
}

/**
 * Latency of the outputs without error, ascending: 30 bins from the minimum to the 99th
 * percentile (R type 7), the last bin holding the tail up to the maximum.
 */
export function latencyHistogram(sorted: ArrayLike<number>, bins = 30): HistogramBin[] {
  const n = sorted.length;
  if (n === 0) return [];
  const lo = sorted[0];
  const hi = Math.max(quantileSorted(sorted, 0.99), lo + 1);
  const width = (hi - lo) / bins;
  const out: HistogramBin[] = Array.from({ length: bins }, (_, i) => ({
    from: lo + i * width,
    to: i === bins - 1 ? sorted[n - 1] : lo + (i + 1) * width,
    count: 0,
  }));
  for (let i = 0; i < n; i++) out[Math.min(bins - 1, Math.floor((sorted[i] - lo) / width))].count++;
  return out;
}

/** A Float64Array that grows by doubling. */
export class GrowingFloats {
  private values = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = v;
  }

  /** The values, ascending (a copy; the tally can be dropped). */
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/**
 * The figures from a run's result columns (Store.readResultColumns: typed arrays, no row objects),
 * with the case table's rules: each dimension's epochs reduced as the scorecard reduces them, a
 * case errored when every epoch errored, failing when a dimension fails, else passing when one
 * passes. Columns come in case order, each case's outputs by epoch and its scores by epoch then
 * dimension, so one merge over them sees every case's rows together.
 */
export function figuresOfColumns(run: RunRecord, cols: ResultColumns): RunFigures {
  const names = Object.keys(run.dimensions);
  const records = names.map((n) => run.dimensions[n]);
  const dimOf = cols.dimensions.map((d) => names.indexOf(d));
  const scored: number[][] = names.map(() => []);
  const verdicts: boolean[][] = names.map(() => []);
  const counts = { pass: 0, fail: 0, error: 0, unscored: 0 };
  const latencies = new GrowingFloats();
  const { outputs, scores } = cols;
  let o = 0;
  let s = 0;
  for (let c = 0; c < cols.cases.ids.length; c++) {
    let n = 0;
    let errors = 0;
    for (; o < outputs.case.length && outputs.case[o] === c; o++) {
      n++;
      if (outputs.errored[o] === 1) errors++;
      else latencies.push(outputs.latencyMs[o]);
    }
    for (let d = 0; d < names.length; d++) {
      scored[d].length = 0;
      verdicts[d].length = 0;
    }
    for (; s < scores.case.length && scores.case[s] === c; s++) {
      const d = dimOf[scores.dimension[s]];
      if (d < 0 || Number.isNaN(scores.score[s])) continue;
      scored[d].push(scores.score[s]);
      verdicts[d].push(scores.passed[s] === 1);
    }
    if (n === 0) continue;
    if (errors === n) {
      counts.error++;
      continue;
    }
    let anyPass = false;
    let anyFail = false;
    for (let d = 0; d < names.length; d++) {
      const r = reduceEpochs(
        scored[d],
        verdicts[d],
        records[d].threshold,
        (records[d].reduce as Reducer) ?? "mean",
      );
      if (r.score === null) continue;
      if (r.passed) anyPass = true;
      else anyFail = true;
    }
    counts[anyFail ? "fail" : anyPass ? "pass" : "unscored"]++;
  }
  return { statusCounts: counts, latencyHistogram: latencyHistogram(latencies.sorted()) };
}
