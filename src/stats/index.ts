/**
 * assay statistics: pure functions, no I/O, no dependencies on the rest of the project.
 *
 * Each module's doc comment names the method and convention it follows and why. Result field
 * names follow the known-answer vectors in `test/fixtures/reference/stats-vectors.json` (copied from the shared reference)
 * (snake_case), so results can be compared against them and written into reports unchanged.
 * Undefined quantities (an SE from one case, a correlation with a constant column) are NaN or
 * null, never a silent 0.
 */
export type { PAdjustMethod, PAdjustResult } from "./adjust.ts";
export { adjustPValues } from "./adjust.ts";
export type {
  AlphaLevel,
  Category,
  KappaOptions,
  KappaResult,
  KappaWeights,
  KrippendorffOptions,
  KrippendorffResult,
  Rating,
} from "./agreement.ts";
export { cohenKappa, krippendorffAlpha, weightedKappa } from "./agreement.ts";
export type {
  BootstrapOptions,
  BootstrapResult,
  ClusterBootstrapResult,
  PairedBootstrapResult,
} from "./bootstrap.ts";
export { bootstrapMean, clusterBootstrap, pairedBootstrap } from "./bootstrap.ts";
export type {
  CalibrationBin,
  CalibrationSummary,
  EscalationPoint,
  SelectivePoint,
} from "./calibration-curve.ts";
export {
  binEdges,
  calibrationSummary,
  escalationThreshold,
  reliabilityBins,
  selectiveCurve,
} from "./calibration-curve.ts";
export type { ClusteredMeanSummary, ClusterId } from "./clustered.ts";
export { clusteredStandardError } from "./clustered.ts";
export type { FisherExactResult, Table2x2 } from "./contingency.ts";
export { fisherExact } from "./contingency.ts";
export type {
  KendallExactP,
  KendallOptions,
  KendallResult,
  PearsonResult,
  PointBiserialResult,
  SpearmanResult,
} from "./correlation.ts";
export {
  correlationPValue,
  kendallExactPValue,
  kendallTauB,
  pearsonR,
  pointBiserial,
  spearmanRho,
} from "./correlation.ts";
export {
  averageRanks,
  correlation,
  covariance,
  mean,
  standardDeviation,
  variance,
} from "./descriptive.ts";
export {
  betaCdf,
  betaPdf,
  betaQuantile,
  binomialCdf,
  binomialPmf,
  binomialSf,
  chiSquareCdf,
  chiSquarePdf,
  chiSquareQuantile,
  chiSquareSf,
  erf,
  erfc,
  noncentralTCdf,
  noncentralTSf,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSf,
  studentTCdf,
  studentTPdf,
  studentTQuantile,
  studentTSf,
} from "./distributions.ts";
export type {
  ChiSquareOptions,
  ChiSquareResult,
  CusumOptions,
  CusumResult,
  KsOptions,
  KsResult,
} from "./drift.ts";
export { chiSquareIndependence, ksTwoSample, tabularCusum } from "./drift.ts";
export type { Interval, MeanSummary, ProportionInterval } from "./intervals.ts";
export {
  clopperPearsonInterval,
  meanWithStandardError,
  normalInterval,
  studentTInterval,
  wilsonInterval,
} from "./intervals.ts";
export type { ItemAnalysisResult } from "./items.ts";
export { itemAnalysis } from "./items.ts";
export { kolmogorovLimitSf, kolmogorovSf, ksTwoSampleExactSf, smirnovSf } from "./kolmogorov.ts";
export type {
  McNemarResult,
  McNemarTable,
  PairedDifferenceSummary,
  PairedTTestResult,
  SignTestResult,
  WilcoxonOptions,
  WilcoxonResult,
} from "./paired.ts";
export {
  mcnemarTable,
  mcnemarTest,
  pairedDifference,
  pairedTTest,
  signTest,
  wilcoxonSignedRank,
} from "./paired.ts";
export type { PercentileMethod } from "./percentile.ts";
export { percentile, percentiles, quantile, quantileSorted } from "./percentile.ts";
export type { MdeResult, PairedDesign, SampleSizeResult } from "./power.ts";
export {
  pairedMinimumDetectableEffect,
  pairedNormalPower,
  pairedSampleSize,
  pairedTTestPower,
} from "./power.ts";
export type { Seed } from "./random.ts";
export { createRng, seedToUint32, Xoshiro128 } from "./random.ts";
export { RunningMoments } from "./running.ts";
export {
  incompleteBetaPair,
  incompleteGammaPair,
  logBeta,
  logGamma,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
} from "./special.ts";
