import { z } from "zod";

/** `gate.maxUnscoredRate` when the suite does not set it. */
export const DEFAULT_MAX_UNSCORED_RATE = 0.05;

const score = z.number().min(0).max(1);

/** `[a, b]` (include these) or `{ include: [a, b], exclude: [c] }`: what a gate rule looks at. */
const selection = (what: string) =>
  z.union([
    z.array(z.string().min(1)).describe(`${what} to include (only these)`),
    z
      .strictObject({
        include: z.array(z.string().min(1)).optional().describe(`only these ${what} (default: all)`),
        exclude: z.array(z.string().min(1)).optional().describe(`leave these ${what} out`),
      })
      .describe(`${what} to include and to exclude`),
  ]);

export type GateSelection = z.output<ReturnType<typeof selection>>;

/** The suite's `gate:` block (DESIGN.md §4.1). */
export const gateSchema = z.strictObject({
  /** a target id (its latest run on the same dataset), a run id, or a baseline tag */
  baseline: z
    .string()
    .min(1)
    .optional()
    .describe(
      "what the candidate is compared with: a target id (its latest completed run on the same dataset), " +
        "a run id or a baseline tag (`assay baseline set`); --baseline overrides it",
    ),
  /** minimum scores: `aggregate` or a dimension name → floor in [0, 1]; a slice → such floors */
  floors: z
    .record(z.string(), z.union([score, z.record(z.string(), score)]))
    .optional()
    .describe(
      "minimum scores in [0, 1]: `aggregate` or a dimension name → floor, or a slice " +
        '("category=billing") → { aggregate or dimension: floor } checked on that slice\'s cases',
    ),
  /** floors apply to the point estimate (`mean`) or the lower 95% bound (`lower`) */
  floorOn: z
    .enum(["mean", "lower"])
    .default("mean")
    .describe(
      "floors apply to the point estimate (`mean`) or to the lower bound of its 95% interval (`lower`)",
    ),
  /** largest tolerated drop per dimension and slice, in score points */
  maxRegression: z
    .union([score, z.record(z.string(), score)])
    .optional()
    .describe(
      "largest tolerated significant drop, in score points (0..1), per dimension and slice: one number " +
        "for every gated dimension, or a map of dimension (or `aggregate`) → limit with an optional " +
        "`default` for the rest ({default: 0.02, latency: 0.1}); without `default`, only the dimensions " +
        "named are checked. Unset: no regression check.",
    ),
  alpha: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.05)
    .describe(
      "significance level of the regression tests, after Holm correction across what the gate checks",
    ),
  /** tag keys whose slices the regression rule checks (default: every tag) */
  slices: selection("slices")
    .optional()
    .describe(
      "which slices the regression rule checks: tag keys (`category`, every category=… slice) or " +
        "slices (`category=billing`), as a list (include only these) or {include, exclude}; default every slice",
    ),
  dimensions: selection("dimensions")
    .optional()
    .describe(
      "which dimensions (and `aggregate`) the regression rule checks, as a list (include only these) or " +
        "{include, exclude}; default every dimension with a weight above 0, and aggregate. A weight-0 " +
        "dimension is reported (one warning when it regressed), not gated, unless it is listed in include.",
    ),
  regressionSet: z
    .strictObject({
      tag: z
        .string()
        .regex(/^[^=]+=.*$/, 'a slice as "key=value"')
        .describe('the cases of the regression set, as a slice "key=value" (e.g. "source=failure")'),
      mustPass: z
        .enum(["all", "baseline"])
        .default("all")
        .describe(
          "`all`: every case in the set must pass; `baseline`: at least as many must pass as in the baseline run",
        ),
    })
    .optional()
    .describe("cases that once failed (promoted with `assay promote`) and must keep passing"),
  maxErrorRate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("largest share of calls that ended in an error (after retries), in [0, 1]"),
  // Optional rather than defaulted: the check always runs (at DEFAULT_MAX_UNSCORED_RATE when unset),
  // but a passing check is reported only when the suite set the limit, so gates stay quiet.
  maxUnscoredRate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      "largest share of a dimension's cases left unscored, unscored / (scored + unscored), in [0, 1] " +
        "(default 0.05); a dimension above it fails the gate, naming its most frequent reason. Cases the " +
        "dimension does not apply to (no expected value or context for it, nothing of the kind to judge) " +
        "are not counted. Set 1 to turn the check off.",
    ),
  latency: z
    .strictObject({
      p95Ms: z.number().positive().optional().describe("budget for the 95th-percentile latency, in ms"),
      maxIncrease: z
        .number()
        .min(0)
        .optional()
        .describe("largest relative rise of the p95 latency over the baseline's (0.2 = +20%)"),
    })
    .optional()
    .describe("latency budgets"),
  cost: z
    .strictObject({
      perCase: z.number().min(0).optional().describe("budget for the mean cost per case, in USD"),
      maxIncrease: z
        .number()
        .min(0)
        .optional()
        .describe("largest relative rise of the cost per case over the baseline's (0.1 = +10%)"),
    })
    .optional()
    .describe("cost budgets"),
  minCases: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("fewest cases the candidate run must have (a guard against a truncated dataset)"),
  /**
   * judge calibration: every LLM-judge dimension (or the listed ones) needs a current calibration
   * of its exact evaluator version against human labels (`assay calibrate --run … --dimension …`)
   */
  calibration: z
    .strictObject({
      minKappa: z
        .number()
        .min(-1)
        .max(1)
        .optional()
        .describe("lowest kappa (the calibration's headline figure) between the judge and the human labels"),
      minAlpha: z
        .number()
        .min(-1)
        .max(1)
        .optional()
        .describe("lowest Krippendorff's alpha between the judge and the human labels"),
      minLabels: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("fewest label pairs the calibration must rest on"),
      dimensions: z
        .array(z.string().min(1))
        .optional()
        .describe("the judge dimensions that need a calibration (default: every llm-judge dimension)"),
      /** no current calibration: fail (default) or warn */
      failOnMissing: z
        .boolean()
        .default(true)
        .describe("a judge without a current calibration fails the gate (true) or only warns (false)"),
    })
    .optional()
    .describe(
      "judge calibration: each LLM-judge dimension needs a current calibration of its exact evaluator " +
        "version against human labels (`assay calibrate --run … --dimension …`)",
    ),
});

export type GateConfig = z.output<typeof gateSchema>;
