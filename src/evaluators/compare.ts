import { z } from "zod";
import { deepEqual, isPlainObject, mapStrings } from "./base.ts";
import type { OptionReader } from "./options.ts";

/**
 * Value comparison shared by `json-field` and `json-fields`: optional coercion of scalars, then
 * optional trimming and case folding of strings, then deep equality.
 */

export const COERCIONS = ["none", "string", "number", "boolean"] as const;
export type Coercion = (typeof COERCIONS)[number];

/** The `with:` options of the matching, shared by json-field and json-fields. */
export const matchOptionShape = {
  coerce: z
    .enum(COERCIONS)
    .default("none")
    .describe(
      'convert scalars on both sides before comparing: `number` ("3" = 3), `string` (3 = "3"), ' +
        '`boolean` ("yes", "true", "1" = true; "no", "false", "0" = false), or `none`',
    ),
  caseInsensitive: z
    .boolean()
    .default(false)
    .describe("compare strings ignoring case (Unicode case folding)"),
  trim: z.boolean().default(false).describe("ignore whitespace around strings"),
};

export interface MatchOptions {
  coerce: Coercion;
  caseInsensitive: boolean;
  trim: boolean;
}

export function readMatchOptions(r: OptionReader): MatchOptions {
  return {
    coerce: r.oneOf("coerce", COERCIONS, "none"),
    caseInsensitive: r.boolean("caseInsensitive", false),
    trim: r.boolean("trim", false),
  };
}

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

/** Converts a scalar to the target type when it unambiguously represents one; else leaves it. */
export function coerceScalar(value: unknown, to: Coercion): unknown {
  switch (to) {
    case "none":
      return value;
    case "string":
      return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
    case "number": {
      if (typeof value === "string" && value.trim() !== "") {
        const n = Number(value.trim());
        return Number.isFinite(n) ? n : value;
      }
      if (typeof value === "boolean") return value ? 1 : 0;
      return value;
    }
    case "boolean": {
      if (typeof value === "string") {
        const w = value.trim().toLowerCase();
        if (TRUE_WORDS.has(w)) return true;
        if (FALSE_WORDS.has(w)) return false;
      }
      if (value === 1) return true;
      if (value === 0) return false;
      return value;
    }
  }
}

function coerceDeep(value: unknown, to: Coercion): unknown {
  if (to === "none") return value;
  if (Array.isArray(value)) return value.map((v) => coerceDeep(v, to));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = coerceDeep(v, to);
    return out;
  }
  return coerceScalar(value, to);
}

/** The value as it is compared: coerced, then strings trimmed / case-folded as configured. */
export function normalizeForMatch(value: unknown, o: MatchOptions): unknown {
  const coerced = coerceDeep(value, o.coerce);
  if (!o.trim && !o.caseInsensitive) return coerced;
  return mapStrings(coerced, (s) => {
    let t = o.trim ? s.trim() : s;
    if (o.caseInsensitive) t = t.normalize("NFC").toLowerCase();
    return t;
  });
}

/**
 * Whether `actual` matches `expected`. An expected `null` is also met by an absent field: both
 * say "no value" (e.g. no due date).
 */
export function valuesMatch(expected: unknown, actual: unknown, o: MatchOptions): boolean {
  if (expected === null && actual === undefined) return true;
  return deepEqual(normalizeForMatch(expected, o), normalizeForMatch(actual, o));
}
