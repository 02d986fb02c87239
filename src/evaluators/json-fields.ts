import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { isPlainObject, makeEvaluator, outputJson, scored, show, unscored } from "./base.ts";
import { matchOptionShape, readMatchOptions, valuesMatch } from "./compare.ts";
import { optionNames } from "./option-schema.ts";
import { checkNumber, OptionReader } from "./options.ts";
import { getPath, isValidPath } from "./path.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `json-fields`: partial credit over several fields of the output's JSON. `fields` lists names
 * (dotted paths) or `{name, weight}` objects (weight default 1). The score is the weighted share
 * of matching fields among the fields that have an expected value; fields whose expected value is
 * absent are skipped, and a case with none is unscored. Expected values come from `with.expected`
 * (an object) when given, else the case's expected object. Matching is as in `json-field`
 * (`coerce`, `trim`, `caseInsensitive`; expected `null` is met by an absent field).
 *
 * `details.fields[name]` holds `{expected, actual, match, weight}` for every compared field
 * (`missing: true` when the output lacks it), from which a per-field confusion report of
 * categorical fields can be built; `details.skipped` lists fields without an expected value.
 */

const KIND = "json-fields";
const VERSION = "1";

const OPTIONS = z.strictObject({
  fields: z
    .array(
      z.union([
        z.string(),
        z.strictObject({
          name: z.string().describe("dotted path of the field (e.g. `due.date`)"),
          weight: z.number().min(0).default(1).describe("the field's share of the score (default 1)"),
        }),
      ]),
    )
    .min(1)
    .describe(
      "the fields to compare: dotted paths (e.g. `title`, `due.date`) or `{name, weight}`; the score is " +
        "the weighted share that match, over the fields the case has an expected value for",
    ),
  expected: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("an object of field values to expect in every case (default: the case's expected object)"),
  ...matchOptionShape,
});

interface FieldSpec {
  name: string;
  weight: number;
}

export interface FieldResult {
  expected: unknown;
  actual?: unknown;
  match: boolean;
  weight: number;
  missing?: true;
}

function readFields(r: OptionReader): FieldSpec[] {
  const raw = r.required("fields");
  if (!Array.isArray(raw) || raw.length === 0)
    r.fail("fields", "must be a non-empty list of field names or {name, weight}");
  const specs: FieldSpec[] = [];
  raw.forEach((item, i) => {
    let name: unknown;
    let weight = 1;
    if (typeof item === "string") {
      name = item;
    } else if (isPlainObject(item)) {
      for (const key of Object.keys(item)) {
        if (key !== "name" && key !== "weight")
          r.fail(`fields.${i}.${key}`, "is not a field option (name, weight)");
      }
      name = item.name;
      if (item.weight !== undefined) weight = checkNumber(r, `fields.${i}.weight`, item.weight, { min: 0 });
      if (typeof name !== "string") r.fail(`fields.${i}.name`, "is required and must be a string");
    } else {
      r.fail(`fields.${i}`, `must be a field name or {name, weight}, got ${show(item)}`);
    }
    if (typeof name !== "string" || !isValidPath(name))
      r.fail(`fields.${i}`, `is not a dotted path: ${show(name)}`);
    if (specs.some((s) => s.name === name)) r.fail(`fields.${i}`, `repeats the field "${name}"`);
    specs.push({ name, weight });
  });
  if (specs.every((s) => s.weight === 0)) r.fail("fields", "needs at least one field with a weight above 0");
  return specs;
}

export const jsonFieldsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "weighted share of fields of the output's JSON that equal their expected values",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const specs = readFields(r);
    let fixed: { value: Record<string, unknown> } | undefined;
    if (r.has("expected")) {
      const e = r.raw.expected;
      if (!isPlainObject(e)) r.fail("expected", "must be an object of field values");
      fixed = { value: e };
    }
    const match = readMatchOptions(r);
    const uniform = specs.every((s) => s.weight === specs[0].weight);
    const config = { fields: specs, ...(fixed ? { expected: fixed.value } : {}), ...match };
    const names = specs.map((s) => s.name).join(", ");

    return makeEvaluator(KIND, VERSION, config, (input) => {
      const exp = fixed ? fixed.value : input.expected;
      if (exp === undefined || exp === null)
        return unscored(`no expected values for ${names}`, { unscored: UNSCORED.noExpected });
      if (!isPlainObject(exp))
        return unscored(`expected value ${show(exp)} is not an object of fields`, {
          unscored: UNSCORED.badExpected,
        });
      const compared = specs.filter((s) => getPath(exp, s.name) !== undefined);
      const skipped = specs.filter((s) => !compared.includes(s)).map((s) => s.name);
      if (compared.length === 0)
        return unscored(`no expected value for any of ${names}`, { unscored: UNSCORED.noExpected });
      const parsed = outputJson(input.output);
      const fields: Record<string, FieldResult> = {};
      for (const s of compared) {
        const expected = getPath(exp, s.name);
        const actual = parsed.ok ? getPath(parsed.value, s.name) : undefined;
        const ok = parsed.ok && valuesMatch(expected, actual, match);
        fields[s.name] = {
          expected,
          actual,
          match: ok,
          weight: s.weight,
          ...(actual === undefined ? { missing: true } : {}),
        };
      }
      const details = { fields, skipped, outputIsJson: parsed.ok };
      const total = compared.reduce((n, s) => n + s.weight, 0);
      if (total === 0)
        return unscored(
          `only zero-weight fields have expected values (${compared.map((s) => s.name).join(", ")})`,
          { ...details, unscored: UNSCORED.notApplicable },
        );
      if (!parsed.ok) return scored(0, "output is not JSON", details);
      const gained = compared.reduce((n, s) => n + (fields[s.name].match ? s.weight : 0), 0);
      const score = gained / total;
      const wrong = compared.filter((s) => !fields[s.name].match);
      const matched = compared.length - wrong.length;
      if (wrong.length === 0) {
        return scored(
          1,
          compared.length === 1 ? `${compared[0].name} matches` : `all ${compared.length} fields match`,
          details,
        );
      }
      const head = `${matched}/${compared.length} fields match${uniform ? "" : ` (weighted ${score.toFixed(2)})`}`;
      const misses = wrong.map(
        (s) => `${s.name}: expected ${show(fields[s.name].expected)}, got ${show(fields[s.name].actual)}`,
      );
      return scored(score, `${head}; ${misses.join("; ")}`, details);
    });
  },
};
