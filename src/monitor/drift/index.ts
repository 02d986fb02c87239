/**
 * Drift statistics for monitors: pure functions, no I/O (imports only src/stats).
 * - cusum.ts: the lower pass-rate CUSUM, designed from a target in-control ARL with exact run
 *   lengths (chain.ts: the Markov chain of the integer-scaled statistic);
 * - two-window.ts: KS and chi-square tests of a current window against a reference, Holm-corrected;
 * - features.ts: input length and a deterministic language guess.
 */
export type { CusumLattice } from "./chain.ts";
export type {
  PassRateCusumDesign,
  PassRateCusumOptions,
  PassRateCusumRun,
  PassRateWindow,
} from "./cusum.ts";
export {
  cusumLattice,
  designPassRateCusum,
  likelihoodRatioReference,
  passRateCusumArl,
  passRateCusumRunLengthCdf,
  runPassRateCusum,
} from "./cusum.ts";
export type { InputFeatures } from "./features.ts";
export { guessLanguage, inputFeatures } from "./features.ts";
export type { DriftSample, DriftSource, TwoWindowOptions, TwoWindowTest } from "./two-window.ts";
export { OTHER_CATEGORY, twoWindowTests } from "./two-window.ts";
