/**
 * Calibration: how well an evaluator agrees with human labels (and people with each other),
 * bound to the evaluator version. Pure report functions over paired ratings (report.ts,
 * pairwise.ts, threshold.ts) plus the store-reading entry points (stored.ts) and file readers
 * (files.ts) the CLI and the web app share.
 */
export type { BootstrapInterval, Confusion, Share } from "./agreement.ts";
export {
  type FileRating,
  type PairingCounts,
  pairPreferences,
  pairRatings,
  readRatingsFile,
} from "./files.ts";
export { isJudgeKind } from "./judge.ts";
export { labelSetHash } from "./label-set.ts";
export {
  type PairwiseItem,
  type PairwiseReport,
  type PairwiseSummary,
  type Preference,
  pairwiseReport,
} from "./pairwise.ts";
export { renderCalibration } from "./render.ts";
export {
  type Bias,
  type CalibrationOptions,
  type CalibrationReport,
  calibrationReport,
  type HumanAgreement,
  type HumanLabel,
  humanAgreement,
  type RatingPair,
  type SliceAgreement,
} from "./report.ts";
export {
  BINARY_SCALE,
  denormalise,
  NOMINAL_SCALE,
  numericValue,
  PAIRWISE_SCALE,
  parseScale,
  type Scale,
  ScaleError,
  scaleFromConfig,
} from "./scale.ts";
export {
  CalibrationInputError,
  type CalibrationState,
  calibrateRun,
  calibrationState,
  calibrationStatus,
  currentCalibrations,
  DEFAULT_MIN_LABELS,
  type DimensionCalibration,
  judgeRating,
  type RunCalibration,
  type RunCalibrationOptions,
  resolveScale,
} from "./stored.ts";
export { type ThresholdPoint, type ThresholdSearch, thresholdSearch } from "./threshold.ts";
