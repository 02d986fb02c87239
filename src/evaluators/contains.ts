import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { makeEvaluator, scored, show, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { getPath, isValidPath } from "./path.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `contains`: whether the output text contains a substring (`value`) or several (`values`), in
 * `mode` `any` (default: one is enough) or `all` (every one is needed). Without `value`/`values`
 * the expected value is used (a string or a list of strings). Score 1 or 0; the details list
 * which values were found and which were missing. `caseInsensitive` folds case (Unicode).
 * `field` picks the values from a field of the expected value; `position` asks for them at the
 * start or the end of the output (starts-with / ends-with). Text is NFC-normalised on both sides.
 */

const KIND = "contains";
const VERSION = "1";

const OPTIONS = z.strictObject({
  value: z.string().min(1).optional().describe("the substring the output must contain"),
  values: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe("several substrings; `mode` says whether any or all of them are needed. Not with `value`"),
  mode: z
    .enum(["any", "all"])
    .default("any")
    .describe("`any`: one of the values is enough; `all`: every one is needed"),
  caseInsensitive: z.boolean().default(false).describe("compare ignoring case (Unicode)"),
  expected: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe(
      "the substring(s) to look for in every case, in place of the case's expected value (which is " +
        "used when neither value, values nor expected is given); not with `value`/`values`",
    ),
  field: z
    .string()
    .optional()
    .describe(
      "a dotted path into the case's expected value that holds the substring(s) (a string or a list); " +
        "not with `value`, `values` or `expected`",
    ),
  position: z
    .enum(["anywhere", "start", "end"])
    .default("anywhere")
    .describe("where a value must appear: `anywhere` in the output, at its `start` or at its `end`"),
});

export const containsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output contains the given value(s): any or all of them",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    if (r.has("value") && r.has("values")) r.fail("values", 'cannot be combined with "value"');
    if (r.has("expected") && (r.has("value") || r.has("values"))) {
      r.fail("expected", 'cannot be combined with "value" or "values"');
    }
    let fixed: string[] | undefined;
    if (r.has("value")) {
      const v = r.string("value") as string;
      if (v === "") r.fail("value", "must not be empty");
      fixed = [v];
    } else if (r.has("values")) {
      const vs = r.raw.values;
      if (!Array.isArray(vs) || vs.length === 0) r.fail("values", "must be a non-empty list of strings");
      vs.forEach((v, i) => {
        if (typeof v !== "string" || v === "")
          r.fail(`values.${i}`, `must be a non-empty string, got ${show(v)}`);
      });
      fixed = vs as string[];
    } else if (r.has("expected")) {
      const e = r.raw.expected;
      const list = typeof e === "string" ? [e] : e;
      if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== "string" || v === "")) {
        r.fail("expected", "must be a non-empty string or a list of them");
      }
      fixed = list as string[];
    }
    const field = r.string("field");
    if (field !== undefined) {
      if (fixed) r.fail("field", 'cannot be combined with "value", "values" or "expected"');
      if (!isValidPath(field)) r.fail("field", `is not a dotted path: ${JSON.stringify(field)}`);
    }
    const position = r.oneOf("position", ["anywhere", "start", "end"] as const, "anywhere");
    const mode = r.oneOf("mode", ["any", "all"] as const, "any");
    const caseInsensitive = r.boolean("caseInsensitive", false);
    const fold = (s: string) => (caseInsensitive ? s.normalize("NFC").toLowerCase() : s.normalize("NFC"));
    // newer options enter the config only when set, so existing suites keep their evaluator ids
    const config = {
      ...(fixed ? { values: fixed } : {}),
      mode,
      caseInsensitive,
      ...(field !== undefined ? { field } : {}),
      ...(position !== "anywhere" ? { position } : {}),
    };
    const has = (text: string, value: string): boolean =>
      position === "start"
        ? text.startsWith(value)
        : position === "end"
          ? text.endsWith(value)
          : text.includes(value);
    const where = position === "anywhere" ? "contains" : position === "start" ? "starts with" : "ends with";

    return makeEvaluator(KIND, VERSION, config, (input) => {
      let values = fixed;
      if (!values) {
        const e = field === undefined ? input.expected : getPath(input.expected, field);
        if (e === undefined)
          return unscored(
            field === undefined
              ? "no expected value and no value/values option"
              : `no expected value for ${field}`,
            { unscored: UNSCORED.noExpected },
          );
        const list = typeof e === "string" ? [e] : e;
        if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
          return unscored(`expected value ${show(e)} is not a string or a list of strings`, {
            unscored: UNSCORED.badExpected,
          });
        }
        values = (list as string[]).filter((v) => v !== "");
        if (values.length === 0)
          return unscored("expected value has no non-empty string to look for", {
            unscored: UNSCORED.badExpected,
          });
      }
      const text = fold(input.output.text);
      const found = values.filter((v) => has(text, fold(v)));
      const missing = values.filter((v) => !has(text, fold(v)));
      const details = { found, missing, mode };
      if (mode === "any") {
        return found.length > 0
          ? scored(1, `output ${where} ${show(found[0])}`, details)
          : scored(0, `output ${where} none of ${missing.map((v) => show(v)).join(", ")}`, details);
      }
      return missing.length === 0
        ? scored(
            1,
            values.length === 1
              ? `output ${where} ${show(values[0])}`
              : `output ${where} all ${values.length} values`,
            details,
          )
        : scored(
            0,
            position === "anywhere"
              ? `output is missing ${missing.map((v) => show(v)).join(", ")}`
              : `output does not ${where === "starts with" ? "start" : "end"} with ${missing.map((v) => show(v)).join(", ")}`,
            details,
          );
    });
  },
};
