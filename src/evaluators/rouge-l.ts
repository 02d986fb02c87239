import { z } from "zod";
import { rougeLTokens } from "../metrics/text/rouge.ts";
import { makeEvaluator } from "./base.ts";
import { readExpectedSource, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { readRougeSettings, rougeShape, scoreRouge } from "./rouge-shared.ts";
import { textSourceShape } from "./text-reference.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `rouge-l`: sentence-level ROUGE-L (longest common subsequence of tokens) of the output against
 * the expected text, rouge_score conventions (see metrics/text/rouge.ts). Options: `measure`
 * (fmeasure | precision | recall, default fmeasure), `tokenizer` (rouge-score | unicode; the
 * default rouge-score tokenizer keeps only ASCII letters and digits).
 */

const KIND = "rouge-l";
const VERSION = "1";

const OPTIONS = z.strictObject({ ...textSourceShape, ...rougeShape });

export const rougeLEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "ROUGE-L (LCS) between the output and the expected text",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const settings = readRougeSettings(r);
    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), ...settings }, (input) =>
      scoreRouge(input, source, settings, "ROUGE-L", 1, rougeLTokens),
    );
  },
};
