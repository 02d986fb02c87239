import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import { packagePath } from "../../util/package-root.ts";
import { EvaluatorConfigError } from "../types.ts";

/**
 * Rubrics: Markdown files with the criterion and one anchor line per score level.
 *
 * A rubric is named either by a path (relative to the suite's directory) or by the bare name of a
 * built-in rubric in `rubrics/` at the package root (`grounding` → `rubrics/grounding.md`): a
 * reference without a slash and without an extension is a built-in name.
 *
 * Parsing is deliberately minimal: the text is kept as written and sent to the judge (HTML
 * comments `<!-- … -->` are notes for people and are left out of the prompt); the only check is
 * that every level of the scale has an anchor line such as `5: …`, `- 5 — …`, `**4** – …`,
 * `### 3 - …` or `pass: …`.
 */

/** Directory of the built-in rubrics (`rubrics/` at the package root). */
export const BUILTIN_RUBRICS_DIR: string = `${packagePath("rubrics")}${sep}`;

const BUILTIN_NAME = /^[a-z0-9][a-z0-9-]*$/i;

export interface Rubric {
  /** the reference as written in `with.rubric` */
  ref: string;
  /** absolute path of the file read */
  file: string;
  builtin: boolean;
  /** the file's text as read (hashed into the evaluator version) */
  raw: string;
  /** the text sent to the judge: HTML comments removed, trimmed */
  text: string;
}

/** The names of the built-in rubrics, sorted. */
export async function builtinRubricNames(): Promise<string[]> {
  try {
    const files = await readdir(BUILTIN_RUBRICS_DIR);
    return files
      .filter((f) => f.endsWith(".md"))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

/** Whether a rubric reference names a built-in rubric rather than a file. */
export function isBuiltinRef(ref: string): boolean {
  return BUILTIN_NAME.test(ref);
}

/**
 * Reads a rubric: a built-in name or a file relative to `baseDir`. Throws EvaluatorConfigError
 * (field `field`) when it cannot be read or is empty.
 */
export async function loadRubric(
  ref: string,
  baseDir: string,
  field = "rubric",
  kind = "llm-judge",
): Promise<Rubric> {
  const builtin = isBuiltinRef(ref);
  const file = builtin
    ? resolve(BUILTIN_RUBRICS_DIR, `${ref}.md`)
    : isAbsolute(ref)
      ? ref
      : resolve(baseDir, ref);
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (builtin) {
      const known = await builtinRubricNames();
      throw new EvaluatorConfigError(
        `${kind}: "${field}" names no built-in rubric "${ref}" (built-in: ${known.join(", ") || "none"}; a file needs its path with the .md extension)`,
        field,
      );
    }
    const why = code === "ENOENT" ? "no such file" : String((err as Error).message ?? err);
    throw new EvaluatorConfigError(`${kind}: "${field}" cannot read rubric file ${file}: ${why}`, field);
  }
  const text = rubricPromptText(raw);
  if (text === "") throw new EvaluatorConfigError(`${kind}: rubric file ${file} is empty`, field);
  return { ref, file, builtin, raw, text };
}

/** The rubric as the judge sees it: HTML comments (notes for people) removed, trimmed. */
export function rubricPromptText(raw: string): string {
  return raw
    .replace(/\r\n?/g, "\n")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** An anchor line for `level`: optional list/heading marker, optional bold, the level, then `:`, `—`, `–`, `-` or `=`. */
function anchorPattern(level: string): RegExp {
  const l = escapeRegExp(level);
  return new RegExp(
    `^[ \\t]*(?:#{1,6}[ \\t]+|[-*+][ \\t]+)?(?:\\*\\*|__)?(?:score[ \\t]+)?${l}(?:\\*\\*|__)?[ \\t]*(?:[:=—–]|-(?!\\d))(?:\\*\\*|__)?[ \\t]*\\S`,
    "im",
  );
}

/** The levels among `levels` that have an anchor line in the rubric text. */
export function anchoredLevels(text: string, levels: readonly string[]): string[] {
  return levels.filter((level) => anchorPattern(level).test(text));
}

/** Throws EvaluatorConfigError naming the rubric file when a level of the scale has no anchor line. */
export function checkAnchors(
  rubric: Rubric,
  levels: readonly string[],
  field = "rubric",
  kind = "llm-judge",
): void {
  const found = new Set(anchoredLevels(rubric.text, levels));
  const missing = levels.filter((l) => !found.has(l));
  if (missing.length === 0) return;
  const example = missing[0];
  throw new EvaluatorConfigError(
    `${kind}: rubric file ${rubric.file} has no anchor for score level${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
      `(each level of the scale needs a line such as "${example}: …" or "- ${example} — …")`,
    field,
  );
}
