/**
 * assay's public library API. The CLI is a thin shell over these functions.
 */

export * from "./compare/index.ts";
export { InputError } from "./config/errors.ts";
export { findSuiteFile, type LoadedSuite, loadSuite } from "./config/load.ts";
export {
  type DimensionSpec,
  defineSuite,
  type SuiteConfig,
  type SuiteInput,
  suiteJsonSchema,
  type TargetSpec,
} from "./config/schema.ts";
export * from "./dataset/index.ts";
export type { EngineEvent, EngineListener, RunProgress } from "./engine/events.ts";
export { buildDimensions, buildTargets } from "./engine/prepare.ts";
export { rescoreRun } from "./engine/rescore.ts";
export { type RunSuiteOptions, type RunSuiteResult, runSuite } from "./engine/run-suite.ts";
export { type RunTargetOptions, type RunTargetResult, runTarget } from "./engine/run-target.ts";
export { type ScoringDimension, scoreOutput } from "./engine/scoring.ts";
export * from "./evaluators/index.ts";
export {
  judgePairwise,
  loadPairwiseRubric,
  type PairwiseCase,
  type PairwiseResult,
} from "./evaluators/judge/index.ts";
export {
  type ChatClientSpec,
  createChatClient,
  createLlmRuntime,
  type LlmRuntime,
} from "./llm/index.ts";
export type * from "./llm/types.ts";
export { exportCsv, exportJsonl, exportJunit } from "./report/export.ts";
export { scorecardMarkdown } from "./report/markdown.ts";
export { renderScorecard } from "./report/terminal.ts";
export * from "./scorecard/index.ts";
export * from "./store/index.ts";
export * from "./targets/index.ts";
