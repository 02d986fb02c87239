export type { Case, CaseInput, CaseSource, ChatMessage, SourcedCase, ToolCall } from "../core/case.ts";
export {
  type DatasetSummary,
  type ReadOptions,
  readDataset,
  resolveDatasetFiles,
  summarizeDataset,
} from "./dataset.ts";
export { normalizeCase } from "./normalize.ts";
export { DATASET_EXTENSIONS, readRecords } from "./readers.ts";
export { groupBySlice } from "./slices.ts";
export * from "./upkeep/index.ts";
