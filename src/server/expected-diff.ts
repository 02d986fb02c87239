import { wordDiff } from "../compare/word-diff.ts";
import type { StoredOutput } from "../store/types.ts";
import { parseJsonStructure } from "../util/json.ts";
import type { WordDiff } from "./api-types.ts";

/** A value as the case page shows it: text as it is, anything else as indented JSON. */
export function displayText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}

/**
 * Word diffs of a case's expected value against each output without error, for the case page.
 * Expected text is compared with the output's text; expected fields (an object) with the output's
 * JSON, both indented the same way, so layout differences do not show as changes.
 */
export function expectedDiffs(
  expected: unknown,
  outputs: StoredOutput[],
): Array<{ epoch: number; diff: WordDiff }> {
  if (expected === undefined) return [];
  const left = displayText(expected);
  const out: Array<{ epoch: number; diff: WordDiff }> = [];
  for (const o of outputs) {
    if (o.error) continue;
    let right = o.text;
    if (typeof expected !== "string") {
      const json = o.json !== undefined && o.json !== null ? o.json : parseJsonStructure(o.text);
      if (json !== undefined) right = displayText(json);
    }
    out.push({ epoch: o.epoch, diff: wordDiff(left, right) });
  }
  return out;
}
