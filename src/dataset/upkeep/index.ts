/** Dataset upkeep (`assay dataset …`): versions, diffs, coverage, item statistics, reduction, perturbation, robustness. */
export { casesToJsonl, datasetFilesOf, plainCase, readCases } from "./cases.ts";
export {
  type CoverageCheck,
  type CoverageReport,
  type CoverageTargets,
  type CrossedCoverage,
  coverageTargetsOf,
  DEFAULT_COVERAGE_TOLERANCE,
  datasetCoverage,
  type KeyCoverage,
  type ValueCount,
} from "./coverage.ts";
export { CASE_FIELDS, type CaseField, type DatasetDiff, diffDatasets } from "./diff.ts";
export { type ItemStats, type ItemsReport, itemsReport } from "./items.ts";
export { type ExcludedCase, itemMatrix, type MatrixRun, type RunItemMatrix } from "./matrix.ts";
export {
  cleanParaphrase,
  llmParaphraser,
  PARAPHRASE_INSTRUCTIONS,
  type ParaphraseOptions,
} from "./paraphrase.ts";
export {
  ORIGINAL,
  type Paraphraser,
  PERTURBATION_KINDS,
  PERTURBATION_TAG,
  type PerturbationKind,
  type PerturbCounts,
  type PerturbedCase,
  type PerturbOptions,
  type PerturbResult,
  parseKinds,
  perturbationSource,
  perturbCases,
  perturbedId,
  perturbText,
  type SeededKind,
} from "./perturb.ts";
export {
  type LeaderboardRow,
  largestRemainders,
  type ReduceOptions,
  type ReduceReport,
  type ReduceResult,
  reduceDataset,
  type StratumSize,
} from "./reduce.ts";
export {
  type RobustnessKind,
  type RobustnessMeasure,
  type RobustnessReport,
  robustnessReport,
} from "./robustness.ts";
export { type DatasetVersionRow, datasetVersions, type RunMark } from "./versions.ts";
