import { z } from "zod";
import { makeEvaluator, scored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `length`: 1 when the output's length is within [`min`, `max`] (either may be omitted, not both),
 * else 0. `unit`: `chars` (default; Unicode code points after NFC, surrounding whitespace
 * ignored) or `words` (whitespace-separated).
 */

const KIND = "length";
const VERSION = "1";

const OPTIONS = z.strictObject({
  min: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("the shortest length that passes (at least one of min and max)"),
  max: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("the longest length that passes (at least one of min and max)"),
  unit: z
    .enum(["chars", "words"])
    .default("chars")
    .describe(
      "`chars`: Unicode code points after NFC, surrounding whitespace ignored; `words`: " +
        "whitespace-separated words",
    ),
});

export function measureLength(text: string, unit: "chars" | "words"): number {
  const t = text.normalize("NFC").trim();
  if (unit === "words") return t === "" ? 0 : t.split(/\s+/u).length;
  return Array.from(t).length;
}

export const lengthEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output's length in characters or words is within [min, max]",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const min = r.number("min", { integer: true, min: 0 });
    const max = r.number("max", { integer: true, min: 0 });
    if (min === undefined && max === undefined) r.fail("max", "or min is required");
    if (min !== undefined && max !== undefined && min > max)
      r.fail("min", `(${min}) is greater than max (${max})`);
    const unit = r.oneOf("unit", ["chars", "words"] as const, "chars");
    const label = unit === "chars" ? "characters" : "words";
    return makeEvaluator(KIND, VERSION, { min, max, unit }, ({ output }) => {
      const n = measureLength(output.text, unit);
      const details = { length: n, unit };
      if (min !== undefined && n < min) return scored(0, `${n} ${label}, below the minimum ${min}`, details);
      if (max !== undefined && n > max) return scored(0, `${n} ${label}, above the maximum ${max}`, details);
      const range =
        min !== undefined && max !== undefined
          ? `within ${min}–${max}`
          : min !== undefined
            ? `at least ${min}`
            : `at most ${max}`;
      return scored(1, `${n} ${label}, ${range}`, details);
    });
  },
};
