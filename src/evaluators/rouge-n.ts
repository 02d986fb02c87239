import { z } from "zod";
import { rougeNTokens } from "../metrics/text/rouge.ts";
import { makeEvaluator } from "./base.ts";
import { readExpectedSource, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { readRougeSettings, rougeShape, scoreRouge } from "./rouge-shared.ts";
import { textSourceShape } from "./text-reference.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `rouge-n`: ROUGE-N (clipped n-gram overlap) of the output against the expected text, rouge_score
 * conventions (see metrics/text/rouge.ts). Options: `n` (default 1), `measure` (fmeasure |
 * precision | recall, default fmeasure), `tokenizer` (rouge-score | unicode).
 */

const KIND = "rouge-n";
const VERSION = "1";

const OPTIONS = z.strictObject({
  ...textSourceShape,
  n: z.number().int().min(1).max(9).default(1).describe("the n-gram length (ROUGE-1, ROUGE-2, …)"),
  ...rougeShape,
});

export const rougeNEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "ROUGE-N (n-gram overlap) between the output and the expected text",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const n = r.number("n", { integer: true, min: 1, max: 9 }) ?? 1;
    const settings = readRougeSettings(r);
    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), n, ...settings }, (input) =>
      scoreRouge(input, source, settings, `ROUGE-${n}`, n, (t, p) => rougeNTokens(t, p, n)),
    );
  },
};
