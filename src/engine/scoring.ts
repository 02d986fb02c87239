import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import type { EvaluationInput, Evaluator, Score } from "../evaluators/types.ts";
import { errorMessage, onAbort } from "../faults/abort.ts";
import { scrubMessage } from "../faults/secrets.ts";
import type { DimensionRecord, StoredScore } from "../store/types.ts";

/** How long an evaluator may take on one output when the suite does not say (`evaluatorTimeoutMs`). */
export const DEFAULT_EVALUATOR_TIMEOUT_MS = 10_000;

/** A dimension ready to score: its pinned record plus the live evaluator. */
export interface ScoringDimension {
  name: string;
  record: DimensionRecord;
  evaluator: Evaluator;
  /** the evaluator's time limit per output, ms (default DEFAULT_EVALUATOR_TIMEOUT_MS) */
  timeoutMs?: number;
}

/** `with.expected` overrides the case's expected value; evaluators pick fields themselves. */
export function expectedFor(dim: ScoringDimension, c: Case): unknown {
  const opts = dim.record.with;
  if (opts && Object.hasOwn(opts, "expected")) return opts.expected;
  return c.expected;
}

/**
 * Scoring stopped because the run's signal aborted (Ctrl-C, SIGTERM, a failed write). The output
 * is then not a result: like a cancelled call, it is not stored, and `--resume` redoes it.
 */
export class ScoringCancelled extends Error {
  constructor() {
    super("scoring was cancelled");
    this.name = "ScoringCancelled";
  }
}

export interface ScoreOutputOptions {
  /** stops waiting for evaluators; scoreOutput then throws ScoringCancelled */
  signal?: AbortSignal;
}

/**
 * Scores one output on every dimension. Errored outputs are not scored at all: an error is a
 * property of the run, never a score. Each evaluator runs under its dimension's time limit: one
 * that takes longer, throws, or returns a score outside [0, 1] leaves that score *unscored* with
 * the reason (`details.unscored` is `evaluator-timeout` or `evaluator-error` for the first two),
 * and the run goes on.
 */
export async function scoreOutput(
  runId: string,
  c: Case,
  epoch: number,
  output: Output,
  dims: ScoringDimension[],
  opts: ScoreOutputOptions = {},
): Promise<StoredScore[]> {
  if (output.error) return [];
  const scores: StoredScore[] = [];
  for (const dim of dims) {
    const input: EvaluationInput = { case: c, output, expected: expectedFor(dim, c) };
    const timeoutMs = dim.timeoutMs ?? DEFAULT_EVALUATOR_TIMEOUT_MS;
    const bounded = evaluateBounded(dim.evaluator, input, timeoutMs, opts.signal);
    // no await for an answer already there: each await is a turn of the microtask queue
    const outcome = bounded instanceof Promise ? await bounded : bounded;
    if (outcome.kind === "cancelled") throw new ScoringCancelled();
    const { score, reason, details } = scoreOf(outcome, timeoutMs);
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

type Outcome =
  | { kind: "scored"; score: Score }
  | { kind: "timeout" }
  | { kind: "error"; error: unknown }
  | { kind: "cancelled" };

/**
 * Runs one evaluation, settling at the latest when the time limit passes or the signal aborts.
 * An evaluator that never settles is left behind, not awaited.
 */
function evaluateBounded(
  evaluator: Evaluator,
  input: EvaluationInput,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Outcome | Promise<Outcome> {
  if (signal?.aborted) return { kind: "cancelled" };
  // Rules and metrics answer at once. Their answer settles the evaluation before any timer could
  // fire (a timer cannot interrupt synchronous work), so none is set and no promise is made:
  // two timers, two promises and an abort subscription less per case on a two-dimension suite.
  let answer: Score | PromiseLike<Score>;
  try {
    answer = evaluator.evaluate(input);
  } catch (error) {
    return { kind: "error", error };
  }
  if (!isPromiseLike(answer)) return { kind: "scored", score: answer };
  const pending = answer;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWaiting();
      resolve(outcome);
    };
    // Deliberately not unref'd: when every evaluation in flight hangs, this timer is what keeps
    // the process alive until the limit (an unref'd one lets Node exit with 13, mid-run). It is
    // cleared as soon as the evaluation settles, so it never holds the process longer than that.
    const timer = setTimeout(() => finish({ kind: "timeout" }), Math.min(timeoutMs, 2 ** 31 - 1));
    // One shared listener per signal (onAbort), whatever the number of evaluations in flight.
    const stopWaiting = signal ? onAbort(signal, () => finish({ kind: "cancelled" })) : () => {};
    pending.then(
      (score) => finish({ kind: "scored", score }),
      (error: unknown) => finish({ kind: "error", error }),
    );
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<Score> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

function scoreOf(outcome: Exclude<Outcome, { kind: "cancelled" }>, timeoutMs: number): Score {
  if (outcome.kind === "timeout") {
    return {
      score: null,
      reason: `evaluator-timeout: no score within ${timeoutMs} ms`,
      details: { unscored: "evaluator-timeout" },
    };
  }
  if (outcome.kind === "error") {
    return {
      score: null,
      reason: `evaluator-error: ${scrubMessage(errorMessage(outcome.error))}`,
      details: { unscored: "evaluator-error" },
    };
  }
  if (outcome.score === null || typeof outcome.score !== "object") {
    return {
      score: null,
      reason: `evaluator-error: the evaluator returned ${String(outcome.score)}, not a score`,
      details: { unscored: "evaluator-error" },
    };
  }
  const { score, details } = outcome.score;
  if (score !== null && !(Number.isFinite(score) && score >= 0 && score <= 1)) {
    return {
      score: null,
      reason: `evaluator returned ${score}, outside [0, 1]`,
      ...(details ? { details } : {}),
    };
  }
  return outcome.score;
}
