/**
 * The comparison as it was computed before issue 14 (object rows through caseResults), kept only
 * as the reference the columnar comparison is tested against (src/compare/columns.test.ts). One
 * change, marked below: slices with fewer than 2 pairs are skipped and listed, as the new path does.
 */

import {
  CompareError,
  type CompareOptions,
  checkEvaluators,
  type RunRows,
} from "../../../src/compare/compare.ts";
import type { Comparison, Flip, LatencyCost, PairedDimension } from "../../../src/compare/types.ts";
import { wordDiff } from "../../../src/compare/word-diff.ts";
import { groupBySlice } from "../../../src/dataset/slices.ts";
import { type CaseResult, caseResults } from "../../../src/scorecard/case-results.ts";
import { percentile } from "../../../src/stats/index.ts";
import type { StoredCase, StoredOutput } from "../../../src/store/types.ts";
import { canonicalJson } from "../../../src/util/canonical-json.ts";
import {
  adjustAndJudge,
  clusterIds,
  type PairedColumn,
  type PairedTestOptions,
  testColumns,
} from "./paired.ts";

const AGGREGATE = "aggregate";

/**
 * The paired comparison of two runs: cases aligned by id (and epoch), every dimension and slice
 * tested on the pairs, Holm-adjusted together, flips listed with a word diff. A pure function of
 * stored rows.
 */
export function referenceCompareRuns(
  base: RunRows,
  candidate: RunRows,
  opts: CompareOptions = {},
): Comparison {
  const alpha = opts.alpha ?? 0.05;
  const testOpts: PairedTestOptions = {
    alpha,
    resamples: opts.resamples ?? 10_000,
    seed: opts.seed ?? 20_261_128,
    maxRegression: opts.maxRegression ?? 0.02,
  };
  const sameVersion = base.run.datasetVersion === candidate.run.datasetVersion;
  if (!sameVersion && !opts.intersect) {
    throw new CompareError(
      `runs ${base.run.id} and ${candidate.run.id} are over different dataset versions ` +
        `(${base.run.datasetVersion} vs ${candidate.run.datasetVersion}); pass --intersect to compare the cases they share`,
    );
  }
  const changedEvaluators = checkEvaluators(base.run, candidate.run, opts.allowEvaluatorChange);
  const baseRows = new Map(
    caseResults(base.run, base.cases, base.outputs, base.scores).map((r) => [r.c.id, r]),
  );
  const candRows = new Map(
    caseResults(candidate.run, candidate.cases, candidate.outputs, candidate.scores).map((r) => [r.c.id, r]),
  );
  const unmatched = {
    base: [...baseRows.keys()].filter((id) => !candRows.has(id)),
    candidate: [...candRows.keys()].filter((id) => !baseRows.has(id)),
  };
  const changed: string[] = [];
  const matched: Array<[CaseResult, CaseResult]> = [];
  for (const [id, b] of baseRows) {
    const c = candRows.get(id);
    if (!c) continue;
    if (!sameVersion && caseContent(b.c) !== caseContent(c.c)) {
      changed.push(id);
      continue;
    }
    matched.push([b, c]);
  }
  let pairs = 0;
  for (const [b, c] of matched) {
    const epochs = new Set(b.outputs.map((o) => o.epoch));
    pairs += c.outputs.filter((o) => epochs.has(o.epoch)).length;
  }

  const dims = Object.keys(candidate.run.dimensions).filter((d) => d in base.run.dimensions);
  const dimensions = testColumns(columnsFor(matched, dims), testOpts);
  const slices: Comparison["slices"] = {};
  const sliceOpts = { ...testOpts, resamples: opts.sliceResamples ?? Math.min(testOpts.resamples, 1000) };
  const skippedSlices: Array<{ slice: string; pairs: number }> = [];
  for (const [key, members] of groupBySlice(matched, (pair) => pair[1].c.tags)) {
    // the one change from the old code: a slice of fewer than 2 pairs is listed, not tested
    if (members.length < 2) {
      skippedSlices.push({ slice: key, pairs: members.length });
      continue;
    }
    slices[key] = testColumns(columnsFor(members, dims), sliceOpts);
  }
  // One family: every dimension and slice the gate may check.
  const family: PairedDimension[] = [
    ...Object.values(dimensions),
    ...Object.values(slices).flatMap((s) => Object.values(s)),
  ];
  adjustAndJudge(family, testOpts);
  markEvaluatorChanges(dimensions, slices, changedEvaluators);

  const aggregateMde = dimensions[AGGREGATE]?.mde ?? null;
  const clusters = clusterSummary(matched);
  return {
    base: base.run.id,
    candidate: candidate.run.id,
    ...(Object.keys(changedEvaluators).length > 0 ? { evaluatorChanges: changedEvaluators } : {}),
    suite: candidate.run.suite,
    targets: { base: base.run.target, candidate: candidate.run.target },
    datasetVersions: { base: base.run.datasetVersion, candidate: candidate.run.datasetVersion },
    alpha,
    pairs,
    cases: matched.length,
    dimensions,
    slices,
    skippedSlices,
    flips: flipsOf(matched, dims, opts.maxFlips ?? 200),
    unmatched,
    changed,
    latencyMs: latencyDeltas(matched),
    costPerCase: costDelta(matched),
    errorRate: { base: errorRate(base.outputs), candidate: errorRate(candidate.outputs) },
    power: {
      aggregateMde,
      statement:
        aggregateMde === null
          ? "no variation between the runs: the power to detect a change cannot be estimated"
          : `this suite detects aggregate changes of ${(aggregateMde * 100).toFixed(1)} points or more at 80% power (alpha ${alpha}, ${matched.length} paired cases)`,
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
  };
}

/** How many clusters the matched cases form, when they are clustered (else null). */
function clusterSummary(pairs: Array<[CaseResult, CaseResult]>): { clusters: number; cases: number } | null {
  const col: PairedColumn = {
    base: [],
    candidate: [],
    basePassed: null,
    candidatePassed: null,
    clusters: pairs.map(([b, c]) => c.c.cluster ?? b.c.cluster),
  };
  const ids = clusterIds(col);
  return ids ? { clusters: new Set(ids).size, cases: ids.length } : null;
}

function caseContent(c: StoredCase): string {
  return canonicalJson({ input: c.input, expected: c.expected });
}

/** Paired columns for each dimension plus the aggregate, over cases scored in both runs. */
function columnsFor(pairs: Array<[CaseResult, CaseResult]>, dims: string[]): Record<string, PairedColumn> {
  const cols: Record<string, PairedColumn> = {};
  for (const name of dims) {
    const col: PairedColumn = {
      base: [],
      candidate: [],
      basePassed: [],
      candidatePassed: [],
      clusters: [],
    };
    for (const [b, c] of pairs) {
      const bd = b.dims.get(name);
      const cd = c.dims.get(name);
      if (!bd || !cd || bd.score === null || cd.score === null) continue;
      col.base.push(bd.score);
      col.candidate.push(cd.score);
      col.basePassed?.push(bd.passed === true);
      col.candidatePassed?.push(cd.passed === true);
      col.clusters?.push(c.c.cluster ?? b.c.cluster);
    }
    cols[name] = col;
  }
  const agg: PairedColumn = {
    base: [],
    candidate: [],
    basePassed: null,
    candidatePassed: null,
    clusters: [],
  };
  for (const [b, c] of pairs) {
    if (b.aggregate === null || c.aggregate === null) continue;
    agg.base.push(b.aggregate);
    agg.candidate.push(c.aggregate);
    agg.clusters?.push(c.c.cluster ?? b.c.cluster);
  }
  cols[AGGREGATE] = agg;
  return cols;
}

function flipsOf(pairs: Array<[CaseResult, CaseResult]>, dims: string[], max: number): Flip[] {
  const flips: Flip[] = [];
  for (const [b, c] of pairs) {
    for (const name of dims) {
      const bd = b.dims.get(name);
      const cd = c.dims.get(name);
      if (!bd || !cd || bd.passed === null || cd.passed === null || bd.passed === cd.passed) continue;
      const bText = b.outputs[0]?.text ?? "";
      const cText = c.outputs[0]?.text ?? "";
      flips.push({
        caseId: c.c.id,
        dimension: name,
        direction: bd.passed ? "pass→fail" : "fail→pass",
        base: { score: bd.score, reason: bd.reasons[0] ?? "", output: bText },
        candidate: { score: cd.score, reason: cd.reasons[0] ?? "", output: cText },
        diff: flips.length < max ? wordDiff(bText, cText) : [],
        tags: c.c.tags,
      });
    }
  }
  // regressions first: they are what a reviewer must look at
  return flips.sort((x, y) => (x.direction === y.direction ? 0 : x.direction === "pass→fail" ? -1 : 1));
}

function delta(base: number | null, candidate: number | null): LatencyCost {
  const d = base === null || candidate === null ? null : candidate - base;
  return { base, candidate, delta: d, relative: d === null || !base ? null : d / base };
}

function latencyDeltas(pairs: Array<[CaseResult, CaseResult]>): Comparison["latencyMs"] {
  const lat = (side: 0 | 1) =>
    pairs.flatMap((p) => p[side].outputs.filter((o) => !o.error).map((o) => o.latencyMs));
  const b = lat(0);
  const c = lat(1);
  const q = (v: number[], p: number) => (v.length > 0 ? percentile(v, p) : null);
  return { p50: delta(q(b, 50), q(c, 50)), p95: delta(q(b, 95), q(c, 95)), p99: delta(q(b, 99), q(c, 99)) };
}

function costDelta(pairs: Array<[CaseResult, CaseResult]>): LatencyCost {
  const per = (side: 0 | 1) => {
    const costs = pairs.flatMap((p) =>
      p[side].outputs.filter((o) => o.costUsd !== undefined).map((o) => o.costUsd as number),
    );
    return costs.length > 0 && pairs.length > 0 ? costs.reduce((a, x) => a + x, 0) / pairs.length : null;
  };
  return delta(per(0), per(1));
}

function errorRate(outputs: StoredOutput[]): number {
  return outputs.length === 0 ? 0 : outputs.filter((o) => o.error).length / outputs.length;
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
