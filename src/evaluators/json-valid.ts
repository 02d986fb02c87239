import { z } from "zod";
import { makeEvaluator, outputJson, scored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `json-valid`: 1 when the whole output (surrounding whitespace aside) is valid JSON, else 0.
 * `type: object` or `type: array` also requires that top-level type (default `any`).
 */

const KIND = "json-valid";
const VERSION = "1";

const OPTIONS = z.strictObject({
  type: z
    .enum(["any", "object", "array"])
    .default("any")
    .describe("the JSON value the output must be: any JSON, an object or an array"),
});

export const jsonValidEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output is valid JSON (optionally an object or an array)",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const type = r.oneOf("type", ["any", "object", "array"] as const, "any");
    return makeEvaluator(KIND, VERSION, { type }, ({ output }) => {
      const parsed = outputJson(output);
      if (!parsed.ok) return scored(0, "output is not JSON");
      const v = parsed.value;
      const actual = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
      if (type === "any" || actual === type) return scored(1, `output is valid JSON (${actual})`);
      const got = actual === "null" ? "null" : `${/^[ao]/.test(actual) ? "an" : "a"} ${actual}`;
      return scored(0, `output is JSON but ${got}, not an ${type}`);
    });
  },
};
