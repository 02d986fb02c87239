import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import type { ImportNote } from "../types.ts";
import { ImportError } from "../types.ts";

/**
 * A JSON or YAML source file (JSON is YAML) with the line of every node, so a note can say
 * `file:line` for `testing_criteria[2].type` or `my-eval.dev.v0.args.samples_jsonl`.
 */
export interface SourceDoc {
  /** absolute path */
  abs: string;
  /** as the report shows it */
  shown: string;
  value: unknown;
  /** the 1-based line of the node at `path` (of its nearest ancestor that exists) */
  line(path: ReadonlyArray<string | number>): number | undefined;
}

/** How a path is shown in the report: relative to the working directory when inside it. */
export function shower(cwd: string): (abs: string) => string {
  return (abs) => {
    const rel = relative(cwd, abs);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
  };
}

export function readSourceDoc(abs: string, shown: string): SourceDoc {
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "no such file" : `cannot read: ${(err as Error).message}`,
      shown,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ImportError(
      `not valid JSON or YAML: ${e.message.split("\n")[0]}`,
      shown,
      lines.linePos(e.pos[0]).line,
    );
  }
  return {
    abs,
    shown,
    value: doc.toJS({ maxAliasCount: 1000 }),
    line(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        // a key's own line (where `name:` is written), else the node's
        const last = path[depth - 1];
        if (depth > 0 && typeof last === "string") {
          const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
          if (isMap(parent)) {
            const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
            if (pair && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
          }
        }
        const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** A note at a node of a source document. */
export function noteAt(
  src: SourceDoc,
  path: ReadonlyArray<string | number>,
  feature: string,
  reason: string,
): ImportNote {
  const line = src.line(path);
  return { file: src.shown, ...(line !== undefined ? { line } : {}), feature, reason };
}

/** JSON Lines: one object per line (blank lines skipped), each with its line number. */
export function readJsonl(
  abs: string,
  shown: string,
): Array<{ value: Record<string, unknown>; line: number }> {
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "no such file" : `cannot read: ${(err as Error).message}`,
      shown,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: Array<{ value: Record<string, unknown>; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new ImportError(`malformed JSON: ${(err as Error).message}`, shown, i + 1);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new ImportError("each line must be a JSON object", shown, i + 1);
    }
    out.push({ value: v as Record<string, unknown>, line: i + 1 });
  });
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Letters, digits, `_`, `.` and `-` (dimension names, target and suite ids), starting with a letter or digit. */
export function safeName(s: string, fallback: string): string {
  const n = s
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/-+$/, "");
  return n === "" ? fallback : n;
}

/** A name not yet in `taken` (adds `-2`, `-3`, …), then taken. */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}
