export {
  type BaselineExport,
  BaselineExportError,
  baselineLines,
  collectBaseline,
  writeBaselineFile,
} from "./export.ts";
export { BASELINE_FORMAT, BASELINE_VERSION, type BaselineHeader } from "./format.ts";
export { type ImportOptions, type ImportOutcome, importBaseline } from "./import.ts";
export { type BaselineFile, readBaselineFile } from "./read.ts";
export { moveTag } from "./tag.ts";
