import type { MonitorConfig } from "../config/monitors.ts";
import type { RecordReview, RecordScore } from "../store/production.ts";

/**
 * Which scored records go to a person: those whose mean over the monitor's dimensions is below
 * `review.below`, or (by default) those failing any dimension's threshold. Pure.
 */
export function reviewFor(
  monitor: string,
  config: MonitorConfig,
  recordId: string,
  scores: RecordScore[],
  at: string,
): RecordReview | undefined {
  const scored = scores.filter((s) => s.score !== null);
  if (scored.length === 0) return undefined;
  if (config.review.below !== undefined) {
    const mean = scored.reduce((a, s) => a + (s.score as number), 0) / scored.length;
    if (mean >= config.review.below) return undefined;
    return {
      recordId,
      monitor,
      reason: "threshold",
      detail: `mean score ${mean.toFixed(3)} < ${config.review.below}`,
      status: "pending",
      createdAt: at,
    };
  }
  const failed = scored.filter((s) => s.passed === false).map((s) => s.dimension);
  if (failed.length === 0) return undefined;
  return {
    recordId,
    monitor,
    reason: "threshold",
    detail: `failed ${failed.join(", ")}`,
    status: "pending",
    createdAt: at,
  };
}
