import type { Case } from "../core/case.ts";
import type { StoredOutput, StoredScore } from "../store/types.ts";
import { type CallPolicy, callWithPolicy } from "../targets/policy.ts";
import type { Target } from "../targets/types.ts";
import { ScoringCancelled, type ScoringDimension, scoreOutput } from "./scoring.ts";

/** What it takes to turn one (case, epoch) into a stored result, wherever it runs. */
export interface CaseWorkContext {
  runId: string;
  target: Target;
  dimensions: ScoringDimension[];
  policy: Omit<CallPolicy, "signal">;
  /** the score set the scores belong to (1 unless the run was rescored) */
  scoreSet: number;
}

export interface CaseResult {
  output: StoredOutput;
  scores: StoredScore[];
}

/**
 * Calls the target for one (case, epoch) under the run's policy and scores the output. Returns
 * undefined when the signal cut the call or the scoring short: such a result is not stored, and
 * a resumed run (or the queue's next attempt) redoes it. Used by the local engine and by queue
 * workers alike, so a result means the same thing however it was produced.
 */
export async function runCase(
  ctx: CaseWorkContext,
  c: Case,
  epoch: number,
  signal: AbortSignal | undefined,
): Promise<CaseResult | undefined> {
  const output = await callWithPolicy(ctx.target, c, epoch, { ...ctx.policy, signal });
  if (output.error?.class === "cancelled") return undefined;
  let scores: StoredScore[];
  try {
    scores = await scoreOutput(ctx.runId, c, epoch, output, ctx.dimensions, { signal });
  } catch (err) {
    if (err instanceof ScoringCancelled) return undefined;
    throw err;
  }
  if (ctx.scoreSet !== 1) for (const s of scores) s.scoreSet = ctx.scoreSet;
  return {
    output: { ...output, runId: ctx.runId, caseId: c.id, epoch, createdAt: new Date().toISOString() },
    scores,
  };
}
