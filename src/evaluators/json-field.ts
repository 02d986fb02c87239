import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { isPlainObject, makeEvaluator, outputJson, scored, show, unscored } from "./base.ts";
import { matchOptionShape, readMatchOptions, valuesMatch } from "./compare.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { getPath, isValidPath } from "./path.ts";
import type { EvaluationInput, EvaluatorFactory } from "./types.ts";

/**
 * `json-field`: 1 when one field of the output's JSON (`field`, a dotted path such as `action`
 * or `due.date`) equals the expected value, else 0.
 *
 * The expected value is `with.expected` when given, else the same field of the case's expected
 * object. (If the caller already passed the field's own value as `expected`, it is used as is.)
 * Options: `coerce` (none | string | number | boolean) converts scalars on both sides first, e.g.
 * "3" = 3 with `number`; `trim` and `caseInsensitive` apply to strings. An expected `null` is
 * also met by an absent field.
 *
 * Output that is not JSON scores 0 ("output is not JSON"); a case without an expected value for
 * the field is unscored.
 */

const KIND = "json-field";
const VERSION = "1";

const OPTIONS = z.strictObject({
  field: z
    .string()
    .describe(
      "dotted path of the field in the output's JSON (e.g. `action`, `due.date`); the expected value " +
        "is the same field of the case's expected object",
    ),
  expected: z
    .unknown()
    .optional()
    .describe(
      "the value the field must have, for every case (default: the same field of the case's expected value)",
    ),
  ...matchOptionShape,
});

/** The expected value of `field` for this input (see the module comment). */
export function expectedField(input: EvaluationInput, field: string, fixed?: { value: unknown }): unknown {
  if (fixed) return fixed.value;
  const e = input.expected;
  if (e === input.case.expected) return getPath(e, field);
  if (e !== null && typeof e === "object") {
    const v = getPath(e, field);
    if (v !== undefined) return v;
  }
  return e;
}

export const jsonFieldEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when a field of the output's JSON equals the expected value",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const field = r.string("field");
    if (field === undefined) r.fail("field", "is required");
    if (!isValidPath(field)) r.fail("field", `is not a dotted path: ${JSON.stringify(field)}`);
    const fixed = r.has("expected") ? { value: r.raw.expected } : undefined;
    const match = readMatchOptions(r);
    const config = { field, ...(fixed ? { expected: fixed.value } : {}), ...match };
    return makeEvaluator(KIND, VERSION, config, (input) => {
      const expected = expectedField(input, field, fixed);
      if (expected === undefined)
        return unscored(`no expected value for ${field}`, { unscored: UNSCORED.noExpected });
      const parsed = outputJson(input.output);
      if (!parsed.ok) return scored(0, "output is not JSON", { field, expected, match: false });
      const actual = getPath(parsed.value, field);
      const ok = valuesMatch(expected, actual, match);
      const details = { field, expected, actual, match: ok };
      if (ok) return scored(1, `${field}: ${show(actual ?? null)} as expected`, details);
      const where = actual === undefined && !isPlainObject(parsed.value) && !Array.isArray(parsed.value);
      return scored(
        0,
        `${field}: expected ${show(expected)}, got ${show(actual)}${where ? " (output JSON is not an object)" : ""}`,
        details,
      );
    });
  },
};
