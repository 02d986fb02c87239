import type { FieldTable } from "../core/field-docs.ts";
import type { ErrorClass } from "../core/output.ts";
import type { RunLineage, RunStatus } from "../store/types.ts";
import type { Band, ConfidenceReport, CostProjection, SampleSizeAdvice } from "./operating.ts";

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
  /** the score band the mean falls in (`ready`, `targeted work`, …; the suite's `bands`); null without a mean */
  band: string | null;
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
    statusReason: string | null;
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
  aggregate: { mean: number | null; ci: [number, number] | null; n: number; band: string | null };
  /** the score bands the `band` labels come from, highest first */
  bands: Band[];
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
    /** cost at the monthly volume (suite `volume`, `--volume N`); absent without one */
    projection?: CostProjection;
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
  /** calibration of the confidence the target reported; absent when no result carried one */
  confidence?: ConfidenceReport;
  /** paired cases a comparison needs to detect the suite's `minEffect`; absent without it */
  sampleSize?: SampleSizeAdvice;
}

// --- Field tables: the meaning of each field of `assay run|show --json` (docs/reference/json.md) ---

const CI = "[lo, hi] | null";

export const DIMENSION_STATS_FIELDS: FieldTable<DimensionStats> = {
  mean: { type: "number | null", doc: "mean score over the cases with a score (null when none)" },
  ci: { type: CI, doc: "95% interval of the mean: Student-t, cluster-robust when cases carry `cluster`" },
  passRate: {
    type: "number | null",
    doc: "share of scored cases whose score reaches the dimension's threshold",
  },
  passCi: { type: CI, doc: "Wilson 95% interval of the pass rate" },
  n: { type: "number", doc: "cases with a score" },
  unscored: { type: "number", doc: "cases the evaluator could not score (never counted as 0)" },
  unscoredReasons: {
    type: "{reason: count}",
    doc: "why they were unscored: the evaluator's code (`no-expected`, `evaluator-timeout`, …) or its reason; counts add up to `unscored`",
  },
  passed: { type: "number", doc: "cases that passed" },
};

const CALIBRATED_FIELDS: FieldTable<CalibratedMarker> = {
  kappa: { type: "number | null", doc: "Cohen's kappa (quadratic-weighted on ordinal scales)" },
  alpha: { type: "number | null", doc: "Krippendorff's alpha" },
  n: { type: "number", doc: "label pairs the calibration used" },
  at: { type: "string", doc: "when it was computed (ISO 8601)" },
  id: { type: "string", doc: "the calibration record's id" },
};

const DIMENSION_SUMMARY_FIELDS: FieldTable<DimensionSummary> = {
  ...DIMENSION_STATS_FIELDS,
  evaluator: { type: "string", doc: "the evaluator's id, `kind@version#settings-hash`" },
  weight: { type: "number", doc: "the dimension's weight in the aggregate" },
  threshold: { type: "number", doc: "the score a case needs to pass" },
  calibrated: {
    type: "object | null",
    doc: "LLM-judge dimensions: the current calibration of this exact evaluator version against human labels, or null (uncalibrated); absent for other dimensions",
    fields: CALIBRATED_FIELDS,
  },
  band: {
    type: "string | null",
    doc: "the score band the mean falls in: by default `ready` (≥ 0.90), `targeted work` (≥ 0.80), `gaps` (≥ 0.70), `investigate`; the suite's `bands` replace them",
  },
};

const LINEAGE_FIELDS: FieldTable<RunLineage> = {
  suiteHash: { type: "string", doc: "sha256 of the suite file's text" },
  suiteFile: { type: "string", doc: "the suite file's path, when known" },
  datasetVersion: { type: "string", doc: "content hash of the canonicalised cases" },
  datasetFiles: { type: "string[]", doc: "the dataset files read" },
  targetConfigHash: { type: "string", doc: "hash of the target's configuration, secrets removed" },
  evaluators: { type: "{dimension: id}", doc: "each dimension's evaluator id in the score set read" },
  gitCommit: { type: "string", doc: "the suite folder's git commit, when it is in a repository" },
  toolVersion: { type: "string", doc: "assay's version" },
  nodeVersion: { type: "string", doc: "Node.js's version" },
  origin: {
    type: "{host, user, ciUrl?}",
    doc: "where the run was made: host, user, and the CI job's page when there was one",
  },
  shard: {
    type: "{index, count}",
    doc: "present when the run holds only shard `index` of `count` (`--shard I/N`)",
  },
  shards: {
    type: "number",
    doc: "present when N shard processes write the run together on a shared store (`--shard I/N --run-id ID` on PostgreSQL); the run is completed once every shard is",
  },
};

const RUN_FIELDS: FieldTable<Scorecard["run"]> = {
  id: { type: "string", doc: "the run's id" },
  suite: { type: "string", doc: "the suite's name" },
  target: { type: "string", doc: "the target's id" },
  datasetVersion: { type: "string", doc: "the dataset version the run used" },
  startedAt: { type: "string", doc: "when the run started (ISO 8601)" },
  finishedAt: { type: "string", doc: "when it finished, once it has" },
  status: { type: "string", doc: "`running`, `completed`, `interrupted` or `failed`" },
  statusReason: { type: "string | null", doc: "why the run is `failed` or `interrupted`; null otherwise" },
  scoreSet: {
    type: "number",
    doc: "the score set read: 1 is the run's own scoring, `assay rescore` adds more (RUN@N)",
  },
  epochs: { type: "number", doc: "how many times each case ran" },
  lineage: {
    type: "object",
    doc: "what the run was made from, to reproduce it or explain a difference",
    fields: LINEAGE_FIELDS,
  },
};

const STRENGTH_FIELDS: FieldTable<StrengthOrWeakness> = {
  dimension: { type: "string", doc: "the dimension" },
  slice: { type: "string", doc: "the slice (`key=value`), when the finding is about one" },
  passRate: { type: "number", doc: "pass rate" },
  mean: { type: "number", doc: "mean score" },
  margin: { type: "number", doc: "mean minus the threshold, in score points" },
  n: { type: "number", doc: "cases" },
};

const COST_PROJECTION_FIELDS: FieldTable<CostProjection> = {
  perMonth: { type: "number", doc: "cases a month the projection is for" },
  n: { type: "number", doc: "cases with a recorded cost (each case's epochs averaged)" },
  perCase: {
    type: "{mean, ci}",
    doc: "mean cost of a case in USD with its Student-t 95% interval over cases (lower bound floored at 0)",
  },
  monthly: { type: "{mean, ci}", doc: "perCase × perMonth, interval scaled alike" },
  cachedInputShare: {
    type: "number | null",
    doc: "share of input tokens served from the provider's prompt cache (priced at the cached rate; assumed alike in production)",
  },
  responseCacheOutputs: {
    type: "number",
    doc: "outputs assay's response cache answered; counted at what their calls cost when made",
  },
  note: { type: "string", doc: "how cached tokens and cached responses enter the figures, in words" },
};

const CONFIDENCE_FIELDS: FieldTable<ConfidenceReport> = {
  n: { type: "number", doc: "results with a confidence and a verdict" },
  missing: { type: "number", doc: "results (errors aside) left out: no confidence or no verdict" },
  correctness: {
    type: "string",
    doc: "what counts as correct: `all dimensions` (the result passes every dimension it was scored on) or `dimension NAME` (`escalation.dimension`)",
  },
  ece: {
    type: "number",
    doc: "expected calibration error: Σ n_b/N · |accuracy_b − meanConfidence_b| over the bins",
  },
  mce: {
    type: "number",
    doc: "maximum calibration error: the largest |accuracy_b − meanConfidence_b| of a non-empty bin",
  },
  brier: { type: "number", doc: "Brier score: mean of (confidence − correct)²" },
  bins: {
    type: "object[]",
    doc: "the reliability diagram: equal-width bins over [0, 1] (10 by default), binned like scikit-learn's calibration_curve (lo, hi]",
    items: {
      lo: { type: "number", doc: "lower edge" },
      hi: { type: "number", doc: "upper edge" },
      n: { type: "number", doc: "results in the bin" },
      accuracy: { type: "number | null", doc: "share correct; null when empty" },
      meanConfidence: { type: "number | null", doc: "mean confidence; null when empty" },
    },
  },
  selective: {
    type: "object[]",
    doc: "the selective-prediction curve: for each distinct confidence (ascending) as a threshold, results at or above it are answered",
    items: {
      threshold: { type: "number", doc: "the threshold" },
      coverage: { type: "number", doc: "share answered" },
      accuracy: { type: "number", doc: "share correct among the answered" },
    },
  },
  escalation: {
    type: "object",
    doc: "with the suite's `escalation: {targetAccuracy}`: the smallest threshold whose answered results reach it",
    fields: {
      targetAccuracy: { type: "number", doc: "the accuracy asked for" },
      threshold: {
        type: "number | null",
        doc: "escalate results below this confidence; null when none reaches the target",
      },
      coverage: { type: "number | null", doc: "share answered" },
      escalated: { type: "number | null", doc: "share sent to a person (1 − coverage)" },
      accuracy: { type: "number | null", doc: "accuracy on the answered results" },
      ci: { type: CI, doc: "its Wilson 95% interval" },
    } satisfies FieldTable<NonNullable<ConfidenceReport["escalation"]>>,
  },
};

const SAMPLE_SIZE_FIELDS: FieldTable<SampleSizeAdvice> = {
  minEffect: { type: "number", doc: "the change in the aggregate to detect (suite `minEffect`)" },
  cases: { type: "number", doc: "cases with an aggregate in this run" },
  sdDiff: {
    type: "number | null",
    doc: "SD of paired differences assumed: √2 × the per-case aggregate SD (uncorrelated runs; correlated runs need fewer cases)",
  },
  mde: { type: "number | null", doc: "smallest change this many paired cases detect at 80% power, α = 0.05" },
  needed: {
    type: "number | null",
    doc: "paired cases needed to detect `minEffect` at 80% power (exact paired t-test)",
  },
  power: { type: "number", doc: "the power assumed (0.8)" },
  alpha: { type: "number", doc: "the two-sided significance level assumed (0.05)" },
};

export const SCORECARD_FIELDS: FieldTable<Scorecard> = {
  run: { type: "object", doc: "the run the scorecard is of", fields: RUN_FIELDS },
  cases: { type: "number", doc: "distinct cases with a stored result" },
  results: { type: "number", doc: "(case, epoch) results" },
  missing: { type: "number", doc: "cases of the dataset with no stored result (an interrupted run)" },
  errors: {
    type: "object",
    doc: "target calls that ended in a classified error, after retries",
    fields: {
      count: { type: "number", doc: "results that are errors" },
      rate: { type: "number", doc: "count / results" },
      byClass: {
        type: "{class: count}",
        doc: "errors by class: `timeout`, `rate-limited`, `server-error`, …",
      },
    } satisfies FieldTable<Scorecard["errors"]>,
  },
  dimensions: {
    type: "object",
    doc: "per dimension, over every case",
    entries: { key: "{name}", type: "object", doc: "one dimension", fields: DIMENSION_SUMMARY_FIELDS },
  },
  aggregate: {
    type: "object",
    doc: "the weighted mean of the dimensions, per case, then over cases",
    fields: {
      mean: { type: "number | null", doc: "mean aggregate score" },
      ci: { type: CI, doc: "its 95% interval" },
      n: { type: "number", doc: "cases with an aggregate" },
      band: { type: "string | null", doc: "the score band the mean falls in (see `bands`)" },
    } satisfies FieldTable<Scorecard["aggregate"]>,
  },
  bands: {
    type: "object[]",
    doc: "the score bands `band` labels come from, highest first (the suite's `bands` or the default)",
    items: {
      label: { type: "string", doc: "the band's name" },
      min: { type: "number", doc: "the lowest mean in the band (inclusive)" },
    } satisfies FieldTable<Band>,
  },
  slices: {
    type: "object",
    doc: "per tag value (`category=billing`): every case carrying it",
    entries: {
      key: "{key=value}",
      type: "object",
      doc: "one slice",
      entries: {
        key: "{dimension}",
        type: "object",
        doc: "the statistics of `dimensions.{name}` (mean, ci, passRate, passCi, n, unscored, unscoredReasons, passed) over the slice's cases; `aggregate` too",
      },
    },
  },
  latencyMs: {
    type: "object",
    doc: "target latency per result, in ms (linear interpolation, R type 7)",
    fields: {
      p50: { type: "number | null", doc: "median" },
      p95: { type: "number | null", doc: "95th percentile" },
      p99: { type: "number | null", doc: "99th percentile" },
      mean: { type: "number | null", doc: "mean" },
    } satisfies FieldTable<Scorecard["latencyMs"]>,
  },
  tokens: {
    type: "object",
    doc: "tokens the target used",
    fields: {
      input: { type: "number", doc: "input (prompt) tokens" },
      output: { type: "number", doc: "output (completion) tokens" },
      perCase: { type: "number | null", doc: "input + output per result" },
    } satisfies FieldTable<Scorecard["tokens"]>,
  },
  cost: {
    type: "object",
    doc: "what the calls cost, in USD",
    fields: {
      total: { type: "number", doc: "the target's calls" },
      perCase: { type: "number | null", doc: "total per result" },
      judge: { type: "number", doc: "what LLM judges cost to score the run, reported apart" },
      judgeTokens: {
        type: "object",
        doc: "tokens the judges used",
        fields: {
          input: { type: "number", doc: "input tokens" },
          output: { type: "number", doc: "output tokens" },
        } satisfies FieldTable<Scorecard["cost"]["judgeTokens"]>,
      },
      projection: {
        type: "object",
        doc: "cost at a monthly volume (suite `volume: {perMonth}` or `--volume N`); absent without one",
        fields: COST_PROJECTION_FIELDS,
      },
    } satisfies FieldTable<Scorecard["cost"]>,
  },
  cache: {
    type: "object",
    doc: "LLM calls the response cache answered instead of a provider",
    fields: {
      hits: { type: "number", doc: "cached target outputs plus cached judge calls" },
      savedCost: { type: "number", doc: "what those calls cost when they were made, in USD" },
      outputs: { type: "number", doc: "target outputs whose every call was cached" },
      judgeCalls: { type: "number", doc: "cached judge calls" },
    } satisfies FieldTable<Scorecard["cache"]>,
  },
  worst: {
    type: "object[]",
    doc: "the lowest-scoring cases that failed a dimension",
    items: {
      caseId: { type: "string", doc: "the case" },
      aggregate: { type: "number | null", doc: "its aggregate score" },
      tags: { type: "{key: value}", doc: "its tags" },
      failing: {
        type: "object[]",
        doc: "the dimensions it failed: `{dimension, score, reason}`",
      },
    } satisfies FieldTable<WorstCase>,
  },
  flaky: {
    type: "object[]",
    doc: "cases whose verdict differs between epochs, per dimension",
    items: {
      caseId: { type: "string", doc: "the case" },
      dimension: { type: "string", doc: "the dimension" },
      verdicts: { type: "(boolean | null)[]", doc: "pass (true), fail (false) or unscored (null) per epoch" },
    } satisfies FieldTable<Scorecard["flaky"][number]>,
  },
  patterns: {
    type: "object[]",
    doc: "recurring failures: the same wrong value for the same field",
    items: {
      dimension: { type: "string", doc: "the dimension" },
      field: { type: "string", doc: "the output field, for field-wise evaluators" },
      expected: { type: "string", doc: "the expected value" },
      actual: { type: "string", doc: "the value produced instead" },
      count: { type: "number", doc: "how often" },
      caseIds: { type: "string[]", doc: "the cases" },
    } satisfies FieldTable<FailurePattern>,
  },
  strengths: {
    type: "object[]",
    doc: "up to 5 dimensions (and slices of ≥ 5 cases) with the highest pass rates",
    items: STRENGTH_FIELDS,
  },
  weaknesses: {
    type: "object[]",
    doc: "up to 5 dimensions (and slices of ≥ 5 cases) with the lowest pass rates below 1",
    items: STRENGTH_FIELDS,
  },
  methods: { type: "{name: text}", doc: "the statistical method behind each figure, in words" },
  confidence: {
    type: "object",
    doc: "calibration of the confidence the target reported (its `confidence` JSONPath), per result; absent when no result carried one",
    fields: CONFIDENCE_FIELDS,
  },
  sampleSize: {
    type: "object",
    doc: "suite-size advice for the suite's `minEffect`; absent without it",
    fields: SAMPLE_SIZE_FIELDS,
  },
};
