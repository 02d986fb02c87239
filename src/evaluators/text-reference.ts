import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { isPlainObject, show } from "./base.ts";
import { type ExpectedSource, expectedWhere, resolveExpected } from "./expected.ts";
import { getPath } from "./path.ts";
import type { EvaluationInput } from "./types.ts";

/**
 * The reference text(s) of the text-similarity evaluators: the expected value (`with.expected`,
 * or the case's expected, or `with.field` of it) as a string, a number or boolean (as text), or a
 * list of strings (several acceptable references; metrics take the best, BLEU uses them all).
 */
export type References =
  | { ok: true; refs: string[] }
  | { ok: false; reason: string; details: { unscored: string } };

export function referencesFor(input: EvaluationInput, source: ExpectedSource): References {
  const v = resolveExpected(input, source);
  if (v === undefined || v === null)
    return { ok: false, reason: expectedWhere(source), details: { unscored: UNSCORED.noExpected } };
  if (typeof v === "string") return { ok: true, refs: [v] };
  if (typeof v === "number" || typeof v === "boolean") return { ok: true, refs: [String(v)] };
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"))
    return { ok: true, refs: v as string[] };
  if (isPlainObject(v)) {
    return {
      ok: false,
      reason: `expected value is an object, not text (pick a field of it with "field")`,
      details: { unscored: UNSCORED.badExpected },
    };
  }
  return {
    ok: false,
    reason: `expected value ${show(v)} is not text or a list of texts`,
    details: { unscored: UNSCORED.badExpected },
  };
}

/** Where the text-similarity evaluators find their reference text(s): the `with:` options. */
export const textSourceShape = {
  expected: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.string())])
    .optional()
    .describe(
      "the reference text, or a list of acceptable references, for every case (default: the case's " +
        "expected value); a number or boolean counts as its text",
    ),
  field: z
    .string()
    .optional()
    .describe(
      "a dotted path (e.g. `summary`) into the case's expected value that holds the reference text; " +
        "when the output is JSON, the same field of the output is compared. Not with `expected`",
    ),
};

/** Formats a metric in [0, 1] for reasons. */
export function fmt(x: number): string {
  return x.toFixed(2);
}

/**
 * The text under judgment: the whole output text, or — when `with.field` picks a field and the
 * output is JSON — the same field of the output, so `{field: title}` compares title with title.
 */
export function candidateText(input: EvaluationInput, source: ExpectedSource): string {
  const json = input.output.json;
  if (!source.field || json === null || typeof json !== "object") return input.output.text;
  const v = getPath(json, source.field);
  if (v === undefined || v === null) return "";
  return typeof v === "string"
    ? v
    : typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : JSON.stringify(v);
}
