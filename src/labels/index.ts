/** Human labels: import and export, review queues, promotion of failures into the regression set. */
export { exportLabels, type LabelExportFormat } from "./export.ts";
export {
  FAILURE_FLAG,
  type FlaggedOutput,
  type FlagInput,
  failureFlag,
  flaggedOutputs,
  flagProvenance,
  isFailureFlag,
} from "./flags.ts";
export {
  importLabels,
  type LabelImportOptions,
  type LabelImportResult,
  labelKey,
  newLabelId,
} from "./import.ts";
export { type PromoteOptions, type PromoteResult, promoteCase } from "./promote.ts";
export { allocate, buildQueue, NO_TAG, type QueueSpec, type QueueSummary } from "./queue.ts";
export { isLabelKind, LABEL_KINDS, type LabelKind, type ParsedValue, parseLabelValue } from "./values.ts";
