import { z } from "zod";
import { levenshtein } from "../metrics/text/levenshtein.ts";
import { makeEvaluator, scored, unscored } from "./base.ts";
import { readExpectedSource, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { candidateText, fmt, referencesFor, textSourceShape } from "./text-reference.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `levenshtein`: normalised edit similarity 1 − distance / max(length) between the output text and
 * the expected text (best of several references), counted in Unicode code points after NFC
 * normalisation. Options: `trim` (default true), `caseInsensitive` (default false).
 */

const KIND = "levenshtein";
const VERSION = "1";

const OPTIONS = z.strictObject({
  ...textSourceShape,
  trim: z.boolean().default(true).describe("ignore whitespace around both texts"),
  caseInsensitive: z.boolean().default(false).describe("compare ignoring case (Unicode)"),
});

export const levenshteinEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "normalised Levenshtein similarity (code points) between the output and the expected text",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const trim = r.boolean("trim", true);
    const caseInsensitive = r.boolean("caseInsensitive", false);
    const prep = (s: string) => {
      let t = s.normalize("NFC");
      if (trim) t = t.trim();
      return caseInsensitive ? t.toLowerCase() : t;
    };
    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), trim, caseInsensitive }, (input) => {
      const refs = referencesFor(input, source);
      if (!refs.ok) return unscored(refs.reason, refs.details);
      const out = prep(candidateText(input, source));
      let best = levenshtein(out, prep(refs.refs[0]));
      let bestRef = 0;
      for (let i = 1; i < refs.refs.length; i++) {
        const res = levenshtein(out, prep(refs.refs[i]));
        if (res.similarity > best.similarity) {
          best = res;
          bestRef = i;
        }
      }
      const details = {
        distance: best.distance,
        similarity: best.similarity,
        outputLength: best.lengthA,
        expectedLength: best.lengthB,
        reference: bestRef,
      };
      const reason =
        best.distance === 0
          ? "output equals the expected text"
          : `edit distance ${best.distance} over ${Math.max(best.lengthA, best.lengthB)} characters (similarity ${fmt(best.similarity)})`;
      return scored(best.similarity, reason, details);
    });
  },
};
