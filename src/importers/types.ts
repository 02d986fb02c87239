import type { SuiteInput } from "../config/schema.ts";

/**
 * Importers turn another tool's evaluation config (promptfoo, OpenAI Evals, lm-eval) into a
 * runnable assay suite. Each is a pure-ish function of the source files: it reads them, returns
 * the suite and the files beside it, and lists every feature it could not translate (never
 * dropped in silence). `write.ts` puts the result on disk; nothing here calls a model or runs the
 * source's code (inline JavaScript, Python, `!function` are reported, never executed).
 */
export type ImportKind = "promptfoo" | "openai-evals" | "lm-eval";

/** Something in the source that the suite does not carry over, and why. */
export interface ImportNote {
  /** the source file (relative to where the import was run, or absolute) */
  file: string;
  /** 1-based line in that file, when known */
  line?: number;
  /** what it is, in the source's own words (`assert[2].type: python`, `process_results`) */
  feature: string;
  /** why it was not translated, and what to do about it */
  reason: string;
}

export interface ImportOptions {
  /** `--data SPLIT=FILE`: the rows of a dataset that lives on a hub (no network here) */
  data: Record<string, string>;
  /** `--model provider:name`: the target for sources that name none (lm-eval tasks) */
  model?: string;
  /** where relative paths on the command line resolve */
  cwd: string;
  /**
   * `--out`, absolute: where the suite will be written, so generated modules can import the
   * source's files by a relative path (absent: absolute paths)
   */
  outDir?: string;
}

export interface ImportedSuite {
  /** the suite file's content (written as assay.yaml); dataset paths relative to the out dir */
  suite: SuiteInput;
  /** files to write beside it: path relative to the out dir → content (datasets, rubrics, modules) */
  files: Record<string, string>;
  /** what was not translated */
  notes: ImportNote[];
  /** one line per source file read, for the report's header */
  sources: string[];
  /** counts for the report: cases, targets, dimensions */
  counts: { cases: number; targets: number; dimensions: number };
}

/** Nothing in the source could be imported (exit 2): unreadable, the wrong kind, no tests. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ""}: ${message}` : message);
    this.name = "ImportError";
  }
}

export type Importer = (source: string, opts: ImportOptions) => Promise<ImportedSuite>;
