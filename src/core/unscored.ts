/**
 * Codes an evaluator puts in `details.unscored` when it cannot score an output, so the scorecard
 * can count like with like (`dimensions.{d}.unscoredReasons`) and the gate can tell a dimension
 * that does not apply to a case from one that failed to judge it. The reason text beside the code
 * says the particulars.
 */
export const UNSCORED = {
  /** the evaluator timed out on the output (set by the engine) */
  evaluatorTimeout: "evaluator-timeout",
  /** the evaluator threw or returned something that is not a score (set by the engine) */
  evaluatorError: "evaluator-error",
  /** the case has no expected value for this dimension: it does not apply */
  noExpected: "no-expected",
  /** the case gives no context passage for a judge that needs one: it does not apply */
  noContext: "no-context",
  /** the output has nothing this dimension looks at (no tool failure to acknowledge, …) */
  notApplicable: "not-applicable",
  /** the expected value is there but is not of a usable shape (a dataset mistake) */
  badExpected: "bad-expected",
  /** the output has no trace (or not the part of it the evaluator reads) */
  noTrace: "no-trace",
} as const;

/**
 * The codes that mean "this dimension does not apply to this case" rather than "the evaluator could
 * not judge": `gate.maxUnscoredRate` leaves them out.
 */
export const NOT_APPLICABLE_CODES: ReadonlySet<string> = new Set([
  UNSCORED.noExpected,
  UNSCORED.noContext,
  UNSCORED.notApplicable,
]);
