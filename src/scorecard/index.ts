export { buildScorecard, type ScorecardInput } from "./build.ts";
export * from "./case-results.ts";
export { loadScorecard } from "./load.ts";
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
export type * from "./types.ts";
export {
  describeReasons,
  NOT_APPLICABLE,
  normaliseReason,
  topReasons,
  unscoredKey,
  unscoredRate,
} from "./unscored.ts";
