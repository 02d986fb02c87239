import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { BUILTIN_RUBRICS_DIR } from "../evaluators/judge/rubric.ts";
import type { RunRecord } from "../store/types.ts";

const BUILTIN_NAME = /^[a-z0-9][a-z0-9-]*$/i;
const RUBRIC_EXT = new Set([".md", ".markdown", ".txt"]);

/**
 * The rubric a dimension's evaluator grades by, for reviewers: `with.rubric` is either the text
 * itself, the name of a built-in rubric (`rubrics/NAME.md`), or a Markdown/text file relative to
 * the run's suite file. Notes for people (`<!-- … -->`) are left out. Null when there is none.
 */
export async function rubricOf(
  run: RunRecord,
  dimension: string,
): Promise<{ ref: string | null; text: string | null }> {
  const spec = run.dimensions[dimension]?.with?.rubric;
  if (spec && typeof spec === "object" && typeof (spec as { text?: unknown }).text === "string") {
    return { ref: null, text: clean((spec as { text: string }).text) };
  }
  if (typeof spec !== "string" || spec.trim() === "") return { ref: null, text: null };
  if (spec.includes("\n")) return { ref: null, text: clean(spec) };
  const candidates: string[] = [];
  if (BUILTIN_NAME.test(spec)) candidates.push(resolve(BUILTIN_RUBRICS_DIR, `${spec}.md`));
  else if (RUBRIC_EXT.has(extname(spec).toLowerCase())) {
    const suiteFile = run.lineage.suiteFile;
    if (suiteFile) candidates.push(resolve(dirname(suiteFile), spec));
  }
  for (const file of candidates) {
    try {
      return { ref: spec, text: clean(await readFile(file, "utf8")) };
    } catch {
      // not there (moved, or another machine): show the reference alone
    }
  }
  return { ref: spec, text: null };
}

function clean(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, "").trim();
}
