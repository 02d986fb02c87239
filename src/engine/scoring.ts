import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import type { Evaluator } from "../evaluators/types.ts";
import type { DimensionRecord, StoredScore } from "../store/types.ts";

/** A dimension ready to score: its pinned record plus the live evaluator. */
export interface ScoringDimension {
  name: string;
  record: DimensionRecord;
  evaluator: Evaluator;
}

/** `with.expected` overrides the case's expected value; evaluators pick fields themselves. */
export function expectedFor(dim: ScoringDimension, c: Case): unknown {
  const opts = dim.record.with;
  if (opts && Object.hasOwn(opts, "expected")) return opts.expected;
  return c.expected;
}

/**
 * Scores one output on every dimension. Errored outputs are not scored at all: an error is a
 * property of the run, never a score. An evaluator that throws yields *unscored* with the message.
 */
export async function scoreOutput(
  runId: string,
  c: Case,
  epoch: number,
  output: Output,
  dims: ScoringDimension[],
): Promise<StoredScore[]> {
  if (output.error) return [];
  const scores: StoredScore[] = [];
  for (const dim of dims) {
    let score: number | null;
    let reason: string;
    let details: Record<string, unknown> | undefined;
    try {
      const res = await dim.evaluator.evaluate({ case: c, output, expected: expectedFor(dim, c) });
      score = res.score;
      reason = res.reason;
      details = res.details;
      if (score !== null && !(Number.isFinite(score) && score >= 0 && score <= 1)) {
        reason = `evaluator returned ${score}, outside [0, 1]`;
        score = null;
      }
    } catch (err) {
      score = null;
      reason = `evaluator failed: ${(err as Error).message}`;
    }
    const row: StoredScore = {
      runId,
      caseId: c.id,
      epoch,
      dimension: dim.name,
      evaluator: dim.evaluator.id,
      score,
      passed: score === null ? null : score >= dim.record.threshold,
      reason,
    };
    if (details !== undefined) row.details = details;
    scores.push(row);
  }
  return scores;
}
