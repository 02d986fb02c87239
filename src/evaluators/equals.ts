import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { deepEqual, makeEvaluator, mapStrings, outputJson, scored, show, unscored } from "./base.ts";
import { expectedWhere, readExpectedSource, resolveExpected, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `equals`: 1 when the output equals the expected value, else 0.
 *
 * A string expected value is compared with the output text (or with the output's JSON when that
 * is a string, e.g. `"complete"` in quotes), after the configured normalisation: `trim` (default
 * on), `caseInsensitive`, `collapseWhitespace`, `stripPunctuation` (Unicode punctuation). Both
 * sides are NFC-normalised. Any other expected value (object, list, number, boolean, null) is
 * compared with the output parsed as JSON, deeply, key order ignored, with the same
 * normalisation applied to every string inside.
 */

const KIND = "equals";
const VERSION = "1";

const OPTIONS = z.strictObject({
  expected: z
    .unknown()
    .optional()
    .describe(
      "the value the output must equal, for every case (default: the case's expected value). A string " +
        "is compared with the output text; any other value with the output parsed as JSON",
    ),
  field: z
    .string()
    .optional()
    .describe(
      "a dotted path (e.g. `answer.text`) into the case's expected value that holds the value to " +
        "compare with; not with `expected`",
    ),
  trim: z.boolean().default(true).describe("ignore whitespace around the text (and every string in JSON)"),
  caseInsensitive: z.boolean().default(false).describe("compare ignoring case (Unicode)"),
  collapseWhitespace: z.boolean().default(false).describe("treat every run of whitespace as one space"),
  stripPunctuation: z.boolean().default(false).describe("remove Unicode punctuation before comparing"),
});

export interface TextNormalization {
  trim: boolean;
  caseInsensitive: boolean;
  collapseWhitespace: boolean;
  stripPunctuation: boolean;
}

export function normalizeText(s: string, o: TextNormalization): string {
  let t = s.normalize("NFC");
  if (o.stripPunctuation) t = t.replace(/\p{P}+/gu, "");
  if (o.caseInsensitive) t = t.toLowerCase();
  if (o.collapseWhitespace) t = t.replace(/\s+/gu, " ");
  if (o.trim) t = t.trim();
  return t;
}

export const equalsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output equals the expected value (text after normalisation, or JSON deeply)",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const norm: TextNormalization = {
      trim: r.boolean("trim", true),
      caseInsensitive: r.boolean("caseInsensitive", false),
      collapseWhitespace: r.boolean("collapseWhitespace", false),
      stripPunctuation: r.boolean("stripPunctuation", false),
    };
    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), ...norm }, (input) => {
      const expected = resolveExpected(input, source);
      if (expected === undefined) return unscored(expectedWhere(source), { unscored: UNSCORED.noExpected });
      if (typeof expected === "string") {
        const want = normalizeText(expected, norm);
        const candidates = [input.output.text];
        if (typeof input.output.json === "string") candidates.push(input.output.json);
        if (candidates.some((c) => normalizeText(c, norm) === want))
          return scored(1, `output equals ${show(expected)}`);
        return scored(0, `expected ${show(expected)}, got ${show(input.output.text)}`);
      }
      const parsed = outputJson(input.output);
      if (!parsed.ok) return scored(0, `expected the JSON value ${show(expected)}, output is not JSON`);
      const fold = (v: unknown) => mapStrings(v, (s) => normalizeText(s, norm));
      if (deepEqual(fold(expected), fold(parsed.value))) return scored(1, `output equals ${show(expected)}`);
      return scored(0, `expected ${show(expected)}, got ${show(parsed.value)}`);
    });
  },
};
