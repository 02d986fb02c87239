export {
  assembleScorecard,
  buildScorecard,
  type RunFigures,
  type ScorecardInput,
  type ScorecardParts,
} from "./build.ts";
export * from "./case-results.ts";
export { keptScorecardParts, loadScorecard, loadScorecardParts, scorecardKey } from "./load.ts";
export {
  type Band,
  bandOf,
  confidenceReport,
  costProjection,
  DEFAULT_BANDS,
  type ScorecardOptions,
  sampleSizeAdvice,
  scorecardOptionsOf,
} from "./operating.ts";
export { RunningScorecard, ScorecardAccumulator, scorecardParts, streamScorecard } from "./stream.ts";
export type * from "./types.ts";
export {
  describeReasons,
  NOT_APPLICABLE,
  normaliseReason,
  topReasons,
  unscoredKey,
  unscoredRate,
} from "./unscored.ts";
