/** Whether an evaluator kind is an LLM judge (`llm-judge`, `llm-judge-pairwise`, …): what calibration covers by default. */
export function isJudgeKind(kind: string): boolean {
  return kind.startsWith("llm-judge");
}
