import { InputError } from "../config/errors.ts";
import { groupBySlice } from "../dataset/slices.ts";
import { percentile } from "../stats/index.ts";
import type { RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import {
  type CaseTable,
  caseTableOf,
  type FlipDetails,
  flipDetailsOf,
  NO_VERDICT,
  resultColumnsOfRows,
} from "./columns.ts";
import {
  adjustAndJudge,
  clusterIds,
  type PairedColumn,
  type PairedTestOptions,
  testColumns,
} from "./paired.ts";
import type { Comparison, Flip, LatencyCost, PairedDimension } from "./types.ts";
import { wordDiff } from "./word-diff.ts";

export interface RunRows {
  run: RunRecord;
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
}

export interface CompareOptions {
  /** compare runs over different dataset versions on the cases they share */
  intersect?: boolean;
  alpha?: number;
  resamples?: number;
  /** resamples for slice tests (default min(resamples, 1000)): slices are many, and smaller */
  sliceResamples?: number;
  seed?: number;
  maxRegression?: number;
  /** most flips listed with their diff (all are counted) */
  maxFlips?: number;
  /**
   * compare dimensions whose evaluator id differs between the runs (scores made by different
   * evaluators or settings); without it such a comparison is refused. The rows are marked.
   */
  allowEvaluatorChange?: boolean;
}

/** Dimensions of both runs whose evaluator ids (`kind@version#settings`) differ. */
export function evaluatorChanges(
  base: RunRecord,
  candidate: RunRecord,
): Record<string, { base: string; candidate: string }> {
  const out: Record<string, { base: string; candidate: string }> = {};
  for (const [name, dim] of Object.entries(candidate.dimensions)) {
    const before = base.dimensions[name];
    if (before && before.evaluator !== dim.evaluator)
      out[name] = { base: before.evaluator, candidate: dim.evaluator };
  }
  return out;
}

/** Refuses (exit 2) to compare scores made by different evaluators, naming each dimension and both ids. */
export function checkEvaluators(
  base: RunRecord,
  candidate: RunRecord,
  allow: boolean | undefined,
): Record<string, { base: string; candidate: string }> {
  const changes = evaluatorChanges(base, candidate);
  const names = Object.keys(changes);
  if (names.length > 0 && !allow) {
    const list = names.map(
      (d) => `${d} (${changes[d].base} in ${base.id} vs ${changes[d].candidate} in ${candidate.id})`,
    );
    throw new CompareError(
      `dimension${names.length > 1 ? "s" : ""} ${list.join("; ")} ${names.length > 1 ? "were" : "was"} scored by different evaluators or settings: ` +
        "rescore one run with the other's evaluators, or pass --allow-evaluator-change to compare anyway (the rows are marked)",
    );
  }
  return changes;
}

/** Runs that cannot be compared: an input error (exit 2), for `assay gate` as for `assay compare`. */
export class CompareError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "CompareError";
  }
}

const AGGREGATE = "aggregate";

/** Whether any dimension, overall or in a slice, regressed: what makes `compare` and `shadow` exit 1. */
export function regressedAnywhere(cmp: Comparison): boolean {
  return (
    Object.values(cmp.dimensions).some((d) => d.verdict === "regressed") ||
    Object.values(cmp.slices).some((s) => Object.values(s).some((d) => d.verdict === "regressed"))
  );
}

/**
 * Whether two runs can be compared (exit 2 when not): the same dataset version unless
 * `intersect`, and the same evaluators unless `allowEvaluatorChange`. Returns the evaluator changes.
 */
export function checkComparable(
  base: RunRecord,
  candidate: RunRecord,
  opts: CompareOptions,
): Record<string, { base: string; candidate: string }> {
  if (base.datasetVersion !== candidate.datasetVersion && !opts.intersect) {
    throw new CompareError(
      `runs ${base.id} and ${candidate.id} are over different dataset versions ` +
        `(${base.datasetVersion} vs ${candidate.datasetVersion}); pass --intersect to compare the cases they share`,
    );
  }
  return checkEvaluators(base, candidate, opts.allowEvaluatorChange);
}

/**
 * The paired comparison of two runs: cases aligned by id (and epoch), every dimension and slice
 * tested on the pairs, Holm-adjusted together, flips listed with a word diff. A pure function of
 * stored rows; `compareStoredRuns` (stored.ts) computes the same from the store's columns.
 */
export function compareRuns(base: RunRows, candidate: RunRows, opts: CompareOptions = {}): Comparison {
  const changedEvaluators = checkComparable(base.run, candidate.run, opts);
  const paired = compareTables(
    caseTableOf(base.run, resultColumnsOfRows(base)),
    caseTableOf(candidate.run, resultColumnsOfRows(candidate)),
    opts,
    changedEvaluators,
    base.run.datasetVersion === candidate.run.datasetVersion
      ? undefined
      : contentChange(base.cases, candidate.cases),
  );
  const details = (rows: RunRows) =>
    paired.flipCaseIds.length > 0 ? flipDetailsOf(rows.outputs, rows.scores) : NO_DETAILS;
  return paired.finish(details(base), details(candidate));
}

const NO_DETAILS: FlipDetails = { output: () => "", reason: () => "" };

/** With --intersect across dataset versions: whether a case's content differs between them. */
export function contentChange(base: StoredCase[], candidate: StoredCase[]): (id: string) => boolean {
  const content = (cases: StoredCase[]) => new Map(cases.map((c) => [c.id, c]));
  const b = content(base);
  const c = content(candidate);
  return (id) => {
    const x = b.get(id);
    const y = c.get(id);
    return x !== undefined && y !== undefined && caseContent(x) !== caseContent(y);
  };
}

function caseContent(c: StoredCase): string {
  return canonicalJson({ input: c.input, expected: c.expected });
}

/** A comparison computed but for its flips' outputs and reasons, which are read for these cases only. */
export interface PairedTables {
  /** the cases the flips show (their outputs and reasons are what `finish` needs) */
  flipCaseIds: string[];
  finish(base: FlipDetails, candidate: FlipDetails): Comparison;
}

function increasing(a: Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

/** The matched cases as pairs of case indices (base order), and the cases left out. */
interface Matching {
  base: Int32Array;
  candidate: Int32Array;
  unmatched: { base: string[]; candidate: string[] };
  changed: string[];
}

/**
 * Pairs cases by id in base order. Runs over one dataset version list their cases in the same
 * ordinal order, so pairing is a merge; when the merge leaves a base case unpaired (a case only
 * one run has, rows whose ordinals disagree) or across versions, ids are looked up instead.
 */
function matchCases(base: CaseTable, cand: CaseTable, changedContent: (id: string) => boolean): Matching {
  const sameVersion = base.run.datasetVersion === cand.run.datasetVersion;
  if (sameVersion && increasing(base.ordinals) && increasing(cand.ordinals)) {
    const merged = mergeByOrdinal(base, cand);
    if (merged) return merged;
  }
  const lookup = new Map(cand.ids.map((id, j) => [id, j]));
  const pb = new Int32Array(base.ids.length);
  const pc = new Int32Array(base.ids.length);
  const candMatched = new Uint8Array(cand.ids.length);
  const unmatchedBase: string[] = [];
  const changed: string[] = [];
  let n = 0;
  for (let i = 0; i < base.ids.length; i++) {
    const id = base.ids[i];
    const j = lookup.get(id);
    if (j === undefined) {
      unmatchedBase.push(id);
      continue;
    }
    candMatched[j] = 1;
    if (!sameVersion && changedContent(id)) {
      changed.push(id);
      continue;
    }
    pb[n] = i;
    pc[n] = j;
    n++;
  }
  return {
    base: pb.subarray(0, n),
    candidate: pc.subarray(0, n),
    unmatched: { base: unmatchedBase, candidate: cand.ids.filter((_, j) => candMatched[j] === 0) },
    changed,
  };
}

/** The merge of two runs' cases on ordinals; null when some base case finds no equal id at its ordinal. */
function mergeByOrdinal(base: CaseTable, cand: CaseTable): Matching | null {
  const n = base.ids.length;
  const pb = new Int32Array(n);
  const pc = new Int32Array(n);
  const candMatched = new Uint8Array(cand.ids.length);
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k < cand.ids.length && cand.ordinals[k] < base.ordinals[i]) k++;
    if (k === cand.ids.length || cand.ordinals[k] !== base.ordinals[i] || cand.ids[k] !== base.ids[i])
      return null;
    pb[i] = i;
    pc[i] = k;
    candMatched[k] = 1;
  }
  return {
    base: pb,
    candidate: pc,
    unmatched: { base: [], candidate: cand.ids.filter((_, j) => candMatched[j] === 0) },
    changed: [],
  };
}

/** (case, epoch) pairs: each matched case's candidate outputs whose epoch the base also has. */
function countEpochPairs(base: CaseTable, cand: CaseTable, m: Matching): number {
  let pairs = 0;
  for (let p = 0; p < m.base.length; p++) {
    const b = m.base[p];
    const c = m.candidate[p];
    for (let r = cand.outStart[c]; r < cand.outStart[c + 1]; r++) {
      for (let q = base.outStart[b]; q < base.outStart[b + 1]; q++) {
        if (base.outputs.epoch[q] === cand.outputs.epoch[r]) {
          pairs++;
          break;
        }
      }
    }
  }
  return pairs;
}

/**
 * The comparison of two case tables (see columns.ts), up to the flips' outputs and reasons:
 * `finish` adds them once they are read for the flipped cases only.
 */
export function compareTables(
  base: CaseTable,
  cand: CaseTable,
  opts: CompareOptions,
  changedEvaluators: Record<string, { base: string; candidate: string }>,
  changedContent: (id: string) => boolean = () => false,
): PairedTables {
  const alpha = opts.alpha ?? 0.05;
  const testOpts: PairedTestOptions = {
    alpha,
    resamples: opts.resamples ?? 10_000,
    seed: opts.seed ?? 20_261_128,
    maxRegression: opts.maxRegression ?? 0.02,
  };
  const m = matchCases(base, cand, changedContent);
  const pairs = countEpochPairs(base, cand, m);
  const cases = m.base.length;
  const dims = cand.dims.filter((d) => d in base.run.dimensions);
  const cols = new PairColumns(base, cand, m, dims);

  const dimensions = testColumns(cols.over(null), testOpts);
  const slices: Comparison["slices"] = {};
  const skippedSlices: Comparison["skippedSlices"] = [];
  const sliceOpts = { ...testOpts, resamples: opts.sliceResamples ?? Math.min(testOpts.resamples, 1000) };
  const pairIndex = Array.from({ length: cases }, (_, p) => p);
  for (const [key, members] of groupBySlice(pairIndex, (p) => cand.tags[m.candidate[p]])) {
    // One pair (or none) supports no test: listing it beats a p of 1 that still counts in Holm.
    if (members.length < 2) {
      skippedSlices.push({ slice: key, pairs: members.length });
      continue;
    }
    slices[key] = testColumns(cols.over(members), sliceOpts);
  }
  // One family: every dimension and slice the gate may check.
  const family: PairedDimension[] = [
    ...Object.values(dimensions),
    ...Object.values(slices).flatMap((s) => Object.values(s)),
  ];
  adjustAndJudge(family, testOpts);
  markEvaluatorChanges(dimensions, slices, changedEvaluators);

  const aggregateMde = dimensions[AGGREGATE]?.mde ?? null;
  const clusters = clusterSummary(cols.clusters);
  const flips = flipsOf(base, cand, m, dims);
  const flipCaseIds = [...new Set(flips.map((f) => base.ids[m.base[f.pair]]))];
  const finish = (baseDetails: FlipDetails, candDetails: FlipDetails): Comparison => ({
    base: base.run.id,
    candidate: cand.run.id,
    ...(Object.keys(changedEvaluators).length > 0 ? { evaluatorChanges: changedEvaluators } : {}),
    suite: cand.run.suite,
    targets: { base: base.run.target, candidate: cand.run.target },
    datasetVersions: { base: base.run.datasetVersion, candidate: cand.run.datasetVersion },
    alpha,
    pairs,
    cases,
    dimensions,
    slices,
    skippedSlices,
    flips: flipObjects(flips, base, cand, m, dims, baseDetails, candDetails, opts.maxFlips ?? 200),
    unmatched: m.unmatched,
    changed: m.changed,
    latencyMs: latencyDeltas(base, cand, m),
    costPerCase: delta(costPerCase(base, m.base), costPerCase(cand, m.candidate)),
    errorRate: { base: errorRate(base), candidate: errorRate(cand) },
    power: {
      aggregateMde,
      statement:
        aggregateMde === null
          ? "no variation between the runs: the power to detect a change cannot be estimated"
          : `this suite detects aggregate changes of ${(aggregateMde * 100).toFixed(1)} points or more at 80% power (alpha ${alpha}, ${cases} paired cases)`,
    },
    methods: {
      passFail: "exact McNemar on discordant pairs",
      scores: `paired bootstrap of the mean difference (${testOpts.resamples} resamples for dimensions, ${sliceOpts.resamples} for slices, seed ${testOpts.seed}): percentile 95% interval, p from the bootstrap standard error; Wilcoxon signed-rank as the rank check`,
      passFailInterval: "Agresti–Min interval for the difference of paired proportions",
      correction: `Holm across all ${family.length} dimension and slice tests`,
      verdict: `regressed/improved when Holm-adjusted p < ${alpha}; underpowered when not significant but |delta| > ${testOpts.maxRegression}`,
      epochs: "each case's epochs reduced per dimension before pairing",
      ...(clusters
        ? {
            clusters: `${clusters.clusters} clusters over ${clusters.cases} paired cases: where some cluster holds several of the cases tested, whole clusters are resampled (paired-cluster-bootstrap, same resamples and seed) for scores and pass/fail alike, p from the bootstrap standard error floored at 2/2^clusters, MDE from the cluster-robust (CR1) standard error; McNemar, Wilcoxon and the case bootstrap assume independent cases and are not used there`,
          }
        : {}),
    },
  });
  return { flipCaseIds, finish };
}

/** The paired values of each dimension (and the aggregate) over all matched cases or a slice's. */
class PairColumns {
  /** each pair's cluster: the candidate case's, else the base case's */
  readonly clusters: Array<string | undefined>;
  private readonly bi: number[];
  private readonly ci: number[];

  constructor(
    private readonly base: CaseTable,
    private readonly cand: CaseTable,
    private readonly m: Matching,
    private readonly dims: string[],
  ) {
    this.clusters = Array.from(m.base, (b, p) => cand.clusters[m.candidate[p]] ?? base.clusters[b]);
    this.bi = dims.map((d) => base.dims.indexOf(d));
    this.ci = dims.map((d) => cand.dims.indexOf(d));
  }

  /** Columns over the pairs `members` (indices into the matching), or every pair. */
  over(members: readonly number[] | null): Record<string, PairedColumn> {
    const { base, cand, m } = this;
    const count = members ? members.length : m.base.length;
    const cols: Record<string, PairedColumn> = {};
    this.dims.forEach((name, d) => {
      const bs = base.score[this.bi[d]];
      const cs = cand.score[this.ci[d]];
      const bp = base.passed[this.bi[d]];
      const cp = cand.passed[this.ci[d]];
      const col: PairedColumn = {
        base: [],
        candidate: [],
        basePassed: [],
        candidatePassed: [],
        clusters: [],
      };
      for (let k = 0; k < count; k++) {
        const p = members ? members[k] : k;
        const b = m.base[p];
        const c = m.candidate[p];
        if (Number.isNaN(bs[b]) || Number.isNaN(cs[c])) continue;
        col.base.push(bs[b]);
        col.candidate.push(cs[c]);
        col.basePassed?.push(bp[b] === 1);
        col.candidatePassed?.push(cp[c] === 1);
        col.clusters?.push(this.clusters[p]);
      }
      cols[name] = col;
    });
    const agg: PairedColumn = {
      base: [],
      candidate: [],
      basePassed: null,
      candidatePassed: null,
      clusters: [],
    };
    for (let k = 0; k < count; k++) {
      const p = members ? members[k] : k;
      const b = base.aggregate[m.base[p]];
      const c = cand.aggregate[m.candidate[p]];
      if (Number.isNaN(b) || Number.isNaN(c)) continue;
      agg.base.push(b);
      agg.candidate.push(c);
      agg.clusters?.push(this.clusters[p]);
    }
    cols[AGGREGATE] = agg;
    return cols;
  }
}

/** How many clusters the matched cases form, when they are clustered (else null). */
function clusterSummary(clusters: Array<string | undefined>): { clusters: number; cases: number } | null {
  const ids = clusterIds({ base: [], candidate: [], basePassed: null, candidatePassed: null, clusters });
  return ids ? { clusters: new Set(ids).size, cases: ids.length } : null;
}

interface FlipAt {
  /** index into the matching */
  pair: number;
  /** index into the compared dimensions */
  dim: number;
}

/** Pairs whose verdict on a dimension differs, in pair then dimension order. */
function flipsOf(base: CaseTable, cand: CaseTable, m: Matching, dims: string[]): FlipAt[] {
  const out: FlipAt[] = [];
  const bp = dims.map((d) => base.passed[base.dims.indexOf(d)]);
  const cp = dims.map((d) => cand.passed[cand.dims.indexOf(d)]);
  for (let p = 0; p < m.base.length; p++) {
    for (let d = 0; d < dims.length; d++) {
      const b = bp[d][m.base[p]];
      const c = cp[d][m.candidate[p]];
      if (b === NO_VERDICT || c === NO_VERDICT || b === c) continue;
      out.push({ pair: p, dim: d });
    }
  }
  return out;
}

function flipObjects(
  at: FlipAt[],
  base: CaseTable,
  cand: CaseTable,
  m: Matching,
  dims: string[],
  baseDetails: FlipDetails,
  candDetails: FlipDetails,
  max: number,
): Flip[] {
  const scoreOf = (t: CaseTable, name: string, i: number) => {
    const v = t.score[t.dims.indexOf(name)][i];
    return Number.isNaN(v) ? null : v;
  };
  const flips = at.map(({ pair, dim }, k): Flip => {
    const b = m.base[pair];
    const c = m.candidate[pair];
    const name = dims[dim];
    const caseId = cand.ids[c];
    const bText = baseDetails.output(caseId);
    const cText = candDetails.output(caseId);
    return {
      caseId,
      dimension: name,
      direction: base.passed[base.dims.indexOf(name)][b] === 1 ? "pass→fail" : "fail→pass",
      base: { score: scoreOf(base, name, b), reason: baseDetails.reason(caseId, name), output: bText },
      candidate: { score: scoreOf(cand, name, c), reason: candDetails.reason(caseId, name), output: cText },
      diff: k < max ? wordDiff(bText, cText) : [],
      tags: cand.tags[c],
    };
  });
  // regressions first: they are what a reviewer must look at
  return flips.sort((x, y) => (x.direction === y.direction ? 0 : x.direction === "pass→fail" ? -1 : 1));
}

function delta(base: number | null, candidate: number | null): LatencyCost {
  const d = base === null || candidate === null ? null : candidate - base;
  return { base, candidate, delta: d, relative: d === null || !base ? null : d / base };
}

/** Latencies of the matched cases' outputs that did not error. */
function latencies(t: CaseTable, cases: Int32Array): Float64Array {
  let n = 0;
  for (const i of cases)
    for (let r = t.outStart[i]; r < t.outStart[i + 1]; r++) n += 1 - t.outputs.errored[r];
  const out = new Float64Array(n);
  let k = 0;
  for (const i of cases) {
    for (let r = t.outStart[i]; r < t.outStart[i + 1]; r++) {
      if (t.outputs.errored[r] === 0) out[k++] = t.outputs.latencyMs[r];
    }
  }
  return out;
}

function latencyDeltas(base: CaseTable, cand: CaseTable, m: Matching): Comparison["latencyMs"] {
  const b = latencies(base, m.base);
  const c = latencies(cand, m.candidate);
  const q = (v: Float64Array, p: number) => (v.length > 0 ? percentile(v, p) : null);
  return { p50: delta(q(b, 50), q(c, 50)), p95: delta(q(b, 95), q(c, 95)), p99: delta(q(b, 99), q(c, 99)) };
}

/** Recorded cost over the matched cases' outputs, per matched case (summed in pair, then epoch order). */
function costPerCase(t: CaseTable, cases: Int32Array): number | null {
  let total = 0;
  let costed = 0;
  for (const i of cases) {
    for (let r = t.outStart[i]; r < t.outStart[i + 1]; r++) {
      const cost = t.outputs.costUsd[r];
      if (Number.isNaN(cost)) continue;
      total += cost;
      costed++;
    }
  }
  return costed > 0 && cases.length > 0 ? total / cases.length : null;
}

function errorRate(t: CaseTable): number {
  return t.outputCount === 0 ? 0 : t.errorCount / t.outputCount;
}

/** Marks rows compared across different evaluators (the aggregate too, when any part changed). */
function markEvaluatorChanges(
  dimensions: Record<string, PairedDimension>,
  slices: Comparison["slices"],
  changes: Record<string, { base: string; candidate: string }>,
): void {
  if (Object.keys(changes).length === 0) return;
  for (const table of [dimensions, ...Object.values(slices)]) {
    for (const [name, row] of Object.entries(table)) {
      if (name in changes || name === AGGREGATE) row.evaluatorChanged = true;
    }
  }
}
