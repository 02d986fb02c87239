import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { type Document, isNode, LineCounter, parseDocument, type Scalar, type ScalarTag } from "yaml";
import { ImportError } from "../types.ts";

/**
 * lm-eval task YAML: `include:` resolution (an included file's keys are overridden by the
 * including file's, as lm-eval's `load_yaml_config` does), `!function module.name` tags kept as
 * markers (never resolved, never executed) and the line of every key, for the import report.
 */

/** What `!function utils.process_docs` parses to: a reference to Python code, kept only to report it. */
export interface PyFunction {
  $function: string;
}

export function isPyFunction(v: unknown): v is PyFunction {
  return v !== null && typeof v === "object" && typeof (v as PyFunction).$function === "string";
}

const FUNCTION_TAG: ScalarTag = {
  tag: "!function",
  resolve: (value: string): PyFunction => ({ $function: value }),
  identify: () => false,
};

interface SourceFile {
  /** as shown in the report (relative to where the import was run, when inside it) */
  shown: string;
  doc: Document;
  lines: LineCounter;
}

/** One task config, merged over its includes, with where each key came from. */
export interface TaskYaml {
  /** the merged config (lm-eval's dict) */
  config: Record<string, unknown>;
  /** every file read, the source first */
  files: string[];
  /** the directory of the source file: data files and includes resolve against it */
  dir: string;
  /** `file:line` of a key (or of a node under it: `where("filter_list", 0, "filter", 1)`) */
  where(key: string, ...path: Array<string | number>): { file: string; line?: number };
}

/**
 * Reads a task YAML and the files it includes (recursively, relative to the including file).
 * @throws ImportError when the file cannot be read or parsed, or an include is missing or circular
 */
export function loadTaskYaml(file: string, show: (abs: string) => string): TaskYaml {
  const owner = new Map<string, SourceFile>();
  const files: string[] = [];
  const config = load(resolve(file), show, owner, files, []);
  return {
    config,
    files,
    dir: dirname(resolve(file)),
    where(key, ...path) {
      const src = owner.get(key);
      if (!src) return { file: files[0] };
      const node = src.doc.getIn([key, ...path], true) ?? src.doc.getIn([key], true);
      const keyNode = findKeyNode(src.doc, key);
      const at = path.length === 0 ? keyNode : isNode(node) ? node : keyNode;
      const offset = at?.range?.[0];
      return offset === undefined
        ? { file: src.shown }
        : { file: src.shown, line: src.lines.linePos(offset).line };
    },
  };
}

function findKeyNode(doc: Document, key: string): Scalar | undefined {
  const contents = doc.contents as { items?: Array<{ key?: unknown }> } | null;
  for (const pair of contents?.items ?? []) {
    const k = pair.key as Scalar | undefined;
    if (k && isNode(k) && (k as Scalar).value === key) return k;
  }
  return undefined;
}

function load(
  abs: string,
  show: (abs: string) => string,
  owner: Map<string, SourceFile>,
  files: string[],
  chain: string[],
): Record<string, unknown> {
  if (chain.includes(abs)) {
    throw new ImportError(`circular include: ${[...chain, abs].map(show).join(" → ")}`, show(abs));
  }
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "no such file" : `cannot read: ${(err as Error).message}`,
      show(abs),
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, customTags: [FUNCTION_TAG] });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ImportError(
      `not valid YAML: ${e.message.split("\n")[0]}`,
      show(abs),
      lines.linePos(e.pos[0]).line,
    );
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ImportError(
      "an lm-eval task YAML is a mapping of keys (task, dataset_path, doc_to_text, …)",
      show(abs),
    );
  }
  files.push(show(abs));
  const own = raw as Record<string, unknown>;
  const src: SourceFile = { shown: show(abs), doc, lines };
  let merged: Record<string, unknown> = {};
  const include = own.include;
  if (include !== undefined) {
    const list = Array.isArray(include) ? include : [include];
    for (const inc of list) {
      if (typeof inc !== "string") {
        const line = lines.linePos(
          (doc.getIn(["include"], true) as Scalar | undefined)?.range?.[0] ?? 0,
        ).line;
        throw new ImportError("include must name a YAML file", show(abs), line);
      }
      const target = isAbsolute(inc) ? inc : resolve(dirname(abs), inc);
      if (!existsSync(target)) {
        const keyLine = findKeyNode(doc, "include")?.range?.[0];
        throw new ImportError(
          `include "${inc}" not found (looked for ${show(target)})`,
          show(abs),
          keyLine === undefined ? undefined : lines.linePos(keyLine).line,
        );
      }
      merged = { ...merged, ...load(target, show, owner, files, [...chain, abs]) };
    }
  }
  for (const key of Object.keys(own)) {
    if (key === "include") continue;
    owner.set(key, src);
    merged[key] = own[key];
  }
  if (include !== undefined && !owner.has("include")) owner.set("include", src);
  return merged;
}
