import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { type RougeScore, type RougeTokenizer, rougeTokenize } from "../metrics/text/rouge.ts";
import { scored, unscored } from "./base.ts";
import type { ExpectedSource } from "./expected.ts";
import type { OptionReader } from "./options.ts";
import { candidateText, fmt, referencesFor } from "./text-reference.ts";
import type { EvaluationInput, Score } from "./types.ts";

export const ROUGE_MEASURES = ["fmeasure", "precision", "recall"] as const;
export type RougeMeasure = (typeof ROUGE_MEASURES)[number];

const ROUGE_TOKENIZERS = ["rouge-score", "unicode"] as const;

/** The `with:` options shared by rouge-l and rouge-n. */
export const rougeShape = {
  measure: z
    .enum(ROUGE_MEASURES)
    .default("fmeasure")
    .describe("which ROUGE figure is the score: F-measure, precision or recall"),
  tokenizer: z
    .enum(ROUGE_TOKENIZERS)
    .default("rouge-score")
    .describe(
      "`rouge-score`: Google's rouge-score tokenizer (lowercase, only a-z and 0-9 kept); " +
        "`unicode`: lowercase Unicode letters and digits, for text that is not English",
    ),
};

export interface RougeSettings {
  tokenizer: RougeTokenizer;
  measure: RougeMeasure;
}

export function readRougeSettings(r: OptionReader): RougeSettings {
  return {
    tokenizer: r.oneOf("tokenizer", ROUGE_TOKENIZERS, "rouge-score"),
    measure: r.oneOf("measure", ROUGE_MEASURES, "fmeasure"),
  };
}

/**
 * Scores the output against each reference and keeps the best by the chosen measure. A reference
 * with too few tokens to form one n-gram cannot judge anything: if every reference is like that,
 * the case is unscored.
 */
export function scoreRouge(
  input: EvaluationInput,
  source: ExpectedSource,
  settings: RougeSettings,
  label: string,
  minTokens: number,
  fn: (target: string[], prediction: string[]) => RougeScore,
): Score {
  const refs = referencesFor(input, source);
  if (!refs.ok) return unscored(refs.reason, refs.details);
  const prediction = rougeTokenize(candidateText(input, source), settings.tokenizer);
  let best: { score: RougeScore; ref: number } | undefined;
  for (let i = 0; i < refs.refs.length; i++) {
    const target = rougeTokenize(refs.refs[i], settings.tokenizer);
    if (target.length < minTokens) continue;
    const s = fn(target, prediction);
    if (!best || s[settings.measure] > best.score[settings.measure]) best = { score: s, ref: i };
  }
  if (!best) {
    const hint =
      settings.tokenizer === "rouge-score"
        ? " (the rouge-score tokenizer keeps only a-z and 0-9; try tokenizer: unicode)"
        : "";
    return unscored(
      minTokens > 1
        ? `expected text has fewer than ${minTokens} tokens${hint}`
        : `expected text has no tokens${hint}`,
      { unscored: UNSCORED.badExpected },
    );
  }
  const { score, ref } = best;
  const value = score[settings.measure];
  return scored(
    value,
    `${label} ${settings.measure === "fmeasure" ? "F" : settings.measure} ${fmt(value)} (precision ${fmt(score.precision)}, recall ${fmt(score.recall)})`,
    { ...score, reference: ref },
  );
}
