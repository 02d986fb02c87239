/**
 * Suite keys about operating a system rather than scoring it (issue 13): the confidence threshold
 * that escalates to a person, cost at a monthly volume, score bands, and the effect a suite should
 * be able to detect. They change what the scorecard reports, never a score.
 */
import { z } from "zod";

const share = z.number().min(0).max(1);

export const escalationSchema = z
  .strictObject({
    targetAccuracy: z
      .number()
      .gt(0)
      .max(1)
      .describe("the accuracy the answered (not escalated) cases must reach, e.g. 0.95"),
    dimension: z
      .string()
      .optional()
      .describe(
        "judge correctness by this dimension's pass/fail (default: a result passes every dimension it was scored on)",
      ),
    bins: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe("reliability-diagram bins, equal width over [0, 1] (default 10)"),
  })
  .describe(
    "with a target's `confidence`: the smallest confidence threshold whose answered cases reach " +
      "`targetAccuracy` (scorecard `confidence.escalation`): cases below it go to a person",
  );

export const volumeSchema = z
  .strictObject({
    perMonth: z.number().positive().describe("cases (calls) a month in production, e.g. 1000000"),
  })
  .describe(
    "projects the target's cost at this volume (scorecard `cost.projection`): mean cost per case × " +
      "perMonth with a Student-t 95% interval from the per-case spread; `--volume N` overrides",
  );

export const bandSchema = z.strictObject({
  label: z.string().min(1).describe("what a score in this band means, e.g. `ready`"),
  min: share.describe("the lowest mean score in the band (inclusive)"),
});

export const bandsSchema = z
  .array(bandSchema)
  .min(1)
  .describe(
    "score bands labelling each dimension and the aggregate (scorecard `band`): a mean gets the " +
      "band with the highest `min` it reaches. Default: ≥ 0.90 ready, 0.80–0.90 targeted work, " +
      "0.70–0.80 gaps, < 0.70 investigate",
  );

export const minEffectSchema = z
  .number()
  .gt(0)
  .max(1)
  .describe(
    "the smallest change in the aggregate (score points, 0..1) you care to detect: the scorecard " +
      "reports about how many paired cases a comparison needs for it at 80% power (`sampleSize`)",
  );

/** The operating keys, spread into the suite schema. */
export const operatingKeys = {
  escalation: escalationSchema.optional(),
  volume: volumeSchema.optional(),
  bands: bandsSchema.optional(),
  minEffect: minEffectSchema.optional(),
};
