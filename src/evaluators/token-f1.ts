import { z } from "zod";
import { tokenF1 } from "../metrics/text/token-f1.ts";
import { makeEvaluator, scored, unscored } from "./base.ts";
import { readExpectedSource, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { candidateText, fmt, referencesFor, textSourceShape } from "./text-reference.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `token-f1`: SQuAD token F1 of the output text against the expected text (best of several
 * references), with SQuAD normalisation (lowercase, no punctuation, no articles, collapsed
 * whitespace). `emptyRule`: `v2.0` (default; empty vs empty scores 1) or `v1.1` (scores 0).
 */

const KIND = "token-f1";
const VERSION = "1";

const OPTIONS = z.strictObject({
  ...textSourceShape,
  emptyRule: z
    .enum(["v2.0", "v1.1"])
    .default("v2.0")
    .describe("SQuAD's rule for empty texts: `v2.0` scores empty against empty 1, `v1.1` scores it 0"),
});

export const tokenF1Evaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "SQuAD token F1 between the output and the expected text",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const emptyRule = r.oneOf("emptyRule", ["v2.0", "v1.1"] as const, "v2.0");
    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), emptyRule }, (input) => {
      const refs = referencesFor(input, source);
      if (!refs.ok) return unscored(refs.reason, refs.details);
      const res = tokenF1(candidateText(input, source), refs.refs, { emptyRule });
      const details = {
        precision: res.precision,
        recall: res.recall,
        f1: res.f1,
        exactMatch: res.exactMatch,
        reference: res.bestGold,
      };
      const reason =
        res.exactMatch === 1
          ? `token F1 ${fmt(res.f1)} (exact match after normalisation)`
          : `token F1 ${fmt(res.f1)} (precision ${fmt(res.precision)}, recall ${fmt(res.recall)})`;
      return scored(res.f1, reason, details);
    });
  },
};
