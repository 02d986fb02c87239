/** The comparison of two runs (DESIGN.md §4.3). Field names are a contract. */

export type Verdict = "improved" | "regressed" | "no-change" | "underpowered";

export interface PairedDimension {
  /** the two runs scored this dimension with different evaluators (`--allow-evaluator-change`) */
  evaluatorChanged?: boolean;
  /** mean score of the base run over the paired cases */
  base: number | null;
  candidate: number | null;
  /** candidate − base, in score points (0..1) */
  delta: number | null;
  /** 95% interval of the delta (paired bootstrap, seeded) */
  ci: [number, number] | null;
  /** the test behind `p`: mcnemar-exact (pass/fail scores) or paired-bootstrap */
  test: string;
  p: number | null;
  /** Holm-adjusted across every dimension and slice of this comparison */
  pAdjusted: number | null;
  verdict: Verdict;
  /** paired cases with a score in both runs */
  n: number;
  /** pass rates and the exact McNemar test on pass/fail */
  passRate: {
    base: number | null;
    candidate: number | null;
    delta: number | null;
    p: number | null;
    discordant: [number, number];
  };
  /** rank-based check of the score differences */
  rankCheck?: { test: string; p: number | null };
  /** smallest |delta| this many pairs detect at 80% power and the comparison's alpha */
  mde: number | null;
}

export interface Flip {
  caseId: string;
  dimension: string;
  direction: "pass→fail" | "fail→pass";
  base: { score: number | null; reason: string; output: string };
  candidate: { score: number | null; reason: string; output: string };
  /** word-level diff of the outputs: [op, text] with op -1 removed, 0 same, 1 added */
  diff: Array<[-1 | 0 | 1, string]>;
  tags: Record<string, string>;
}

export interface LatencyCost {
  base: number | null;
  candidate: number | null;
  delta: number | null;
  /** (candidate − base) / base */
  relative: number | null;
}

export interface Comparison {
  base: string;
  candidate: string;
  /** dimensions compared across different evaluator ids (only with `--allow-evaluator-change`) */
  evaluatorChanges?: Record<string, { base: string; candidate: string }>;
  suite: string;
  targets: { base: string; candidate: string };
  datasetVersions: { base: string; candidate: string };
  alpha: number;
  /** matched (case, epoch) pairs */
  pairs: number;
  /** matched cases (epochs reduced) */
  cases: number;
  dimensions: Record<string, PairedDimension>;
  slices: Record<string, Record<string, PairedDimension>>;
  flips: Flip[];
  /** case ids present in only one run */
  unmatched: { base: string[]; candidate: string[] };
  /** with --intersect: ids whose content differs between the two dataset versions, left out */
  changed: string[];
  latencyMs: { p50: LatencyCost; p95: LatencyCost; p99: LatencyCost };
  costPerCase: LatencyCost;
  errorRate: { base: number; candidate: number };
  /** "this suite detects drops of 9 points or more at 80% power" */
  power: { aggregateMde: number | null; statement: string };
  methods: Record<string, string>;
}
