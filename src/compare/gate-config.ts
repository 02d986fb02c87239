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
  baseline: z.string().min(1).optional(),
  /** minimum scores: `aggregate` or a dimension name → floor in [0, 1]; a slice → such floors */
  floors: z
    .record(z.string(), z.union([score, z.record(z.string(), score)]))
    .optional()
    .describe(
      "minimum scores in [0, 1]: `aggregate` or a dimension name → floor, or a slice " +
        '("category=billing") → { aggregate or dimension: floor } checked on that slice\'s cases',
    ),
  /** floors apply to the point estimate (`mean`) or the lower 95% bound (`lower`) */
  floorOn: z.enum(["mean", "lower"]).default("mean"),
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
  alpha: z.number().gt(0).lt(1).default(0.05),
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
      tag: z.string().regex(/^[^=]+=.*$/, 'a slice as "key=value"'),
      mustPass: z.enum(["all", "baseline"]).default("all"),
    })
    .optional(),
  maxErrorRate: z.number().min(0).max(1).optional(),
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
    .strictObject({ p95Ms: z.number().positive().optional(), maxIncrease: z.number().min(0).optional() })
    .optional(),
  cost: z
    .strictObject({ perCase: z.number().min(0).optional(), maxIncrease: z.number().min(0).optional() })
    .optional(),
  minCases: z.number().int().min(0).optional(),
  /**
   * judge calibration: every LLM-judge dimension (or the listed ones) needs a current calibration
   * of its exact evaluator version against human labels (`assay calibrate --run … --dimension …`)
   */
  calibration: z
    .strictObject({
      minKappa: z.number().min(-1).max(1).optional(),
      minAlpha: z.number().min(-1).max(1).optional(),
      minLabels: z.number().int().min(0).optional(),
      dimensions: z.array(z.string().min(1)).optional(),
      /** no current calibration: fail (default) or warn */
      failOnMissing: z.boolean().default(true),
    })
    .optional(),
});

export type GateConfig = z.output<typeof gateSchema>;
