export {
  CompareError,
  type CompareOptions,
  compareRuns,
  type RunRows,
  regressedAnywhere,
} from "./compare.ts";
export {
  evaluateGate,
  type GateInput,
  type GateResult,
  type GateRuleResult,
  type RuleStatus,
} from "./gate.ts";
export { type GateConfig, gateSchema } from "./gate-config.ts";
export { buildLeaderboard, type Leaderboard, type LeaderboardEntry } from "./leaderboard.ts";
export {
  defaultCandidate,
  type GateRun,
  gateConfigOf,
  gateRuns,
  loadRunRows,
  resolveBaseline,
} from "./load.ts";
export { computeMainEffects, type MainEffect, type VariantRun } from "./main-effects.ts";
export { compareStoredRuns } from "./stored.ts";
export type * from "./types.ts";
export { wordDiff } from "./word-diff.ts";
