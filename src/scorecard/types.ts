import type { ErrorClass } from "../core/output.ts";
import type { RunLineage, RunStatus } from "../store/types.ts";

/** One dimension's (or the aggregate's) statistics over a set of cases. Field names are a contract (DESIGN.md §4.3). */
export interface DimensionStats {
  mean: number | null;
  /** Student-t 95% interval of the mean (cluster-robust when cases carry `cluster`) */
  ci: [number, number] | null;
  passRate: number | null;
  /** Wilson 95% interval of the pass rate */
  passCi: [number, number] | null;
  /** cases with a score */
  n: number;
  /** cases the evaluator could not score */
  unscored: number;
  /**
   * why, as `{reason: count}` over the unscored cases: the evaluator's `details.unscored` code, else
   * its reason normalised (see scorecard/unscored.ts); counts add up to `unscored`
   */
  unscoredReasons: Record<string, number>;
  passed: number;
}

export interface DimensionSummary extends DimensionStats {
  evaluator: string;
  weight: number;
  threshold: number;
  /**
   * LLM-judge dimensions, when the scorecard was built with calibration records: the current
   * calibration of this exact evaluator version, or null (uncalibrated). Absent otherwise.
   */
  calibrated?: CalibratedMarker | null;
}

/** How well a judge dimension's evaluator agrees with human labels (see `assay calibrate`). */
export interface CalibratedMarker {
  /** Cohen's kappa (quadratic-weighted on ordinal scales) */
  kappa: number | null;
  /** Krippendorff's alpha */
  alpha: number | null;
  /** label pairs the calibration used */
  n: number;
  /** when it was computed */
  at: string;
  /** the calibration record */
  id: string;
}

export interface FailurePattern {
  dimension: string;
  field?: string;
  expected: string;
  actual: string;
  count: number;
  caseIds: string[];
}

export interface WorstCase {
  caseId: string;
  aggregate: number | null;
  tags: Record<string, string>;
  failing: Array<{ dimension: string; score: number | null; reason: string }>;
}

export interface StrengthOrWeakness {
  /** `dimension` alone, or `slice` × `dimension` */
  dimension: string;
  slice?: string;
  passRate: number;
  mean: number;
  /** mean minus threshold, in score points */
  margin: number;
  n: number;
}

export interface Scorecard {
  run: {
    id: string;
    suite: string;
    target: string;
    datasetVersion: string;
    startedAt: string;
    finishedAt?: string;
    status: RunStatus;
    /** why the run is `failed` or `interrupted` */
    statusReason?: string;
    /** the score set the scorecard reads (1 = the run's own scoring; `rescore` adds more) */
    scoreSet: number;
    epochs: number;
    lineage: RunLineage;
  };
  /** distinct cases with a stored result */
  cases: number;
  /** (case, epoch) results */
  results: number;
  /** cases of the dataset with no stored result (an interrupted run) */
  missing: number;
  errors: { count: number; rate: number; byClass: Partial<Record<ErrorClass, number>> };
  dimensions: Record<string, DimensionSummary>;
  aggregate: { mean: number | null; ci: [number, number] | null; n: number };
  /** `key=value` → dimension name (and `aggregate`) → statistics over that slice's cases */
  slices: Record<string, Record<string, DimensionStats>>;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  tokens: { input: number; output: number; perCase: number | null };
  /** target cost; `judge` is what LLM judges cost to score this run, reported apart */
  cost: {
    total: number;
    perCase: number | null;
    judge: number;
    judgeTokens: { input: number; output: number };
  };
  /**
   * LLM calls answered by the response cache instead of a provider: target outputs whose every
   * call was cached, plus cached judge calls. `savedCost` is what those calls cost when they were
   * made (it stays inside `cost`, which is what the calls cost, not what this run paid).
   */
  cache: { hits: number; savedCost: number; outputs: number; judgeCalls: number };
  worst: WorstCase[];
  /** cases whose verdict differs between epochs, per dimension */
  flaky: Array<{ caseId: string; dimension: string; verdicts: Array<boolean | null> }>;
  patterns: FailurePattern[];
  strengths: StrengthOrWeakness[];
  weaknesses: StrengthOrWeakness[];
  methods: Record<string, string>;
}
