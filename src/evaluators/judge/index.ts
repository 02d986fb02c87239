export { addUsage, callJudge, type JudgeCallPolicy, type JudgeCallResult } from "./call.ts";
export {
  createLlmJudge,
  type JudgeDeps,
  type JudgeScale,
  type JudgeTarget,
  LLM_JUDGE_TEMPLATE,
  llmJudgeEvaluator,
  llmJudgeVersion,
  normaliseScore,
  scaleLevels,
  verdictSchema,
} from "./llm-judge.ts";
export {
  judgePairwise,
  loadPairwiseRubric,
  PAIRWISE_TEMPLATE,
  type PairVerdict,
  type PairwiseCase,
  type PairwiseItem,
  type PairwiseOptions,
  type PairwiseResult,
  pairwiseEvaluatorVersion,
  pairwisePrompt,
} from "./pairwise.ts";
export { type ReadVerdict, readVerdict, type VerdictSpec } from "./parse.ts";
export { dataBlock, neutraliseTags, stripDataBlocks } from "./prompt.ts";
export {
  anchoredLevels,
  BUILTIN_RUBRICS_DIR,
  builtinRubricNames,
  checkAnchors,
  loadRubric,
  type Rubric,
} from "./rubric.ts";
