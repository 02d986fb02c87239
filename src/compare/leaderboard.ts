import { buildScorecard } from "../scorecard/build.ts";
import { type CaseResult, caseResults } from "../scorecard/case-results.ts";
import { adjustPValues } from "../stats/index.ts";
import { CompareError, type RunRows } from "./compare.ts";
import { type PairedColumn, testColumns } from "./paired.ts";

export interface LeaderboardEntry {
  rank: number;
  run: string;
  target: string;
  aggregate: { mean: number | null; ci: [number, number] | null };
  dimensions: Record<string, { mean: number | null; ci: [number, number] | null; passRate: number | null }>;
  costPerCase: number | null;
  latencyP95Ms: number | null;
  errorRate: number;
  /** paired comparison with the best run on the aggregate (null for the best itself) */
  vsBest: { delta: number; ci: [number, number] | null; p: number | null; pAdjusted: number | null } | null;
  /** not significantly different from the best (Holm-adjusted across the comparisons) */
  tiedWithBest: boolean;
  /** no other run is at least as good on quality and at least as cheap, and better on one */
  pareto: boolean;
}

export interface Leaderboard {
  runs: string[];
  datasetVersion: string;
  cases: number;
  alpha: number;
  /** what the Pareto front trades quality against */
  costAxis: "cost per case" | "p95 latency";
  entries: LeaderboardEntry[];
  methods: Record<string, string>;
}

/**
 * Several runs of the same dataset side by side: the best by aggregate, which runs are
 * statistically tied with it (paired tests on the shared cases, Holm-adjusted), and the
 * quality/cost Pareto front. How a team picks a model on its own task.
 */
export function buildLeaderboard(
  all: RunRows[],
  opts: { alpha?: number; resamples?: number; seed?: number } = {},
): Leaderboard {
  if (all.length < 2) throw new CompareError("a leaderboard needs at least two runs");
  const versions = new Set(all.map((r) => r.run.datasetVersion));
  if (versions.size > 1) {
    throw new CompareError(
      `runs are over different dataset versions (${[...versions].join(", ")}); a leaderboard needs one`,
    );
  }
  const alpha = opts.alpha ?? 0.05;
  const cards = all.map((r) => buildScorecard(r));
  const results = all.map(
    (r) => new Map(caseResults(r.run, r.cases, r.outputs, r.scores).map((c) => [c.c.id, c])),
  );
  const bestIndex = cards.reduce(
    (best, c, i) => ((c.aggregate.mean ?? -1) > (cards[best].aggregate.mean ?? -1) ? i : best),
    0,
  );

  const vs = all.map((_, i) =>
    i === bestIndex ? null : pairedAggregate(results[bestIndex], results[i], alpha, opts),
  );
  const tested = vs.map((v, i) => ({ v, i })).filter((x) => x.v && x.v.p !== null);
  if (tested.length > 0) {
    const adj = adjustPValues(
      tested.map((x) => x.v?.p as number),
      "holm",
      alpha,
    );
    tested.forEach((x, k) => {
      (x.v as NonNullable<typeof x.v>).pAdjusted = adj.p_adjusted[k];
    });
  }

  const haveCost = cards.every((c) => c.cost.perCase !== null);
  const costOf = (i: number) =>
    (haveCost ? cards[i].cost.perCase : cards[i].latencyMs.p95) ?? Number.POSITIVE_INFINITY;
  const quality = (i: number) => cards[i].aggregate.mean ?? Number.NEGATIVE_INFINITY;
  const dominated = (i: number) =>
    cards.some(
      (_, j) =>
        j !== i &&
        quality(j) >= quality(i) &&
        costOf(j) <= costOf(i) &&
        (quality(j) > quality(i) || costOf(j) < costOf(i)),
    );

  const entries: LeaderboardEntry[] = all.map((r, i) => {
    const card = cards[i];
    const v = vs[i];
    return {
      rank: 0,
      run: r.run.id,
      target: r.run.target,
      aggregate: { mean: card.aggregate.mean, ci: card.aggregate.ci },
      dimensions: Object.fromEntries(
        Object.entries(card.dimensions).map(([n, d]) => [
          n,
          { mean: d.mean, ci: d.ci, passRate: d.passRate },
        ]),
      ),
      costPerCase: card.cost.perCase,
      latencyP95Ms: card.latencyMs.p95,
      errorRate: card.errors.rate,
      vsBest: v,
      tiedWithBest: i === bestIndex || (v !== null && (v.pAdjusted === null || v.pAdjusted >= alpha)),
      pareto: !dominated(i),
    };
  });
  entries.sort((a, b) => (b.aggregate.mean ?? -1) - (a.aggregate.mean ?? -1));
  entries.forEach((e, i) => {
    e.rank = i + 1;
  });
  return {
    runs: all.map((r) => r.run.id),
    datasetVersion: all[0].run.datasetVersion,
    cases: Math.min(...results.map((m) => m.size)),
    alpha,
    costAxis: haveCost ? "cost per case" : "p95 latency",
    entries,
    methods: {
      tie: `paired comparison with the best on the aggregate over shared cases (paired bootstrap), Holm across ${tested.length} comparisons, alpha ${alpha}`,
      pareto: `non-dominated on aggregate mean vs ${haveCost ? "cost per case" : "p95 latency (no run reported cost)"}`,
    },
  };
}

function pairedAggregate(
  best: Map<string, CaseResult>,
  other: Map<string, CaseResult>,
  alpha: number,
  opts: { resamples?: number; seed?: number },
): { delta: number; ci: [number, number] | null; p: number | null; pAdjusted: number | null } {
  const col: PairedColumn = { base: [], candidate: [], basePassed: null, candidatePassed: null };
  for (const [id, b] of best) {
    const o = other.get(id);
    if (!o || b.aggregate === null || o.aggregate === null) continue;
    col.base.push(b.aggregate);
    col.candidate.push(o.aggregate);
  }
  const res = testColumns(
    { aggregate: col },
    { alpha, resamples: opts.resamples ?? 10_000, seed: opts.seed ?? 20_261_128, maxRegression: 0 },
  ).aggregate;
  return { delta: res.delta ?? 0, ci: res.ci, p: res.p, pAdjusted: res.p };
}
