export { buildScorecard, type ScorecardInput, weightedAggregate } from "./build.ts";
export { loadScorecard } from "./load.ts";
export type * from "./types.ts";
