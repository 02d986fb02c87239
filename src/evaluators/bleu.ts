import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import {
  type BleuResult,
  type BleuSmoothing,
  type BleuStats,
  bleuStatistics,
  corpusBleuFromStats,
  pythonSplit,
} from "../metrics/text/index.ts";
import { isPlainObject, makeEvaluator, scored, unscored } from "./base.ts";
import { readExpectedSource, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { checkNumber, OptionReader } from "./options.ts";
import { candidateText, fmt, referencesFor, textSourceShape } from "./text-reference.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `bleu`: sentence BLEU (nltk conventions, see metrics/text/bleu.ts) of the output text against the
 * expected text(s); a list of expected strings is a set of references. Tokens are
 * whitespace-separated and case-sensitive unless `lowercase: true`.
 *
 * Options: `maxN` (default 4), `weights` (default uniform), `smoothing` (none | method1 | method2
 * | method3; default **method1**, epsilon 0.1 — unlike nltk's default `none`, because unsmoothed
 * sentence BLEU is ~0 whenever some 4-gram is missing, which is most short outputs), `epsilon`.
 *
 * The details carry the sentence's sufficient statistics (clipped matches and totals per n,
 * hypothesis and closest reference length) and the settings, so `corpusBleuFromDetails` computes
 * corpus BLEU over a run exactly as nltk's `corpus_bleu` would.
 */

const KIND = "bleu";
const VERSION = "1";
const SMOOTHINGS = ["none", "method1", "method2", "method3"] as const;

const OPTIONS = z.strictObject({
  ...textSourceShape,
  maxN: z.number().int().min(1).max(9).default(4).describe("the longest n-gram counted (BLEU-4 by default)"),
  weights: z
    .array(z.number().min(0))
    .min(1)
    .optional()
    .describe("the weight of each n-gram order, one per order up to maxN (default: uniform)"),
  smoothing: z
    .enum(SMOOTHINGS)
    .default("method1")
    .describe(
      "nltk's smoothing: `method1` (default; add epsilon to zero counts), `method2`, `method3`, or " +
        "`none` (nltk's default: sentence BLEU is ~0 whenever some 4-gram is missing)",
    ),
  epsilon: z.number().gt(0).default(0.1).describe("what method1 adds to zero n-gram counts"),
  lowercase: z.boolean().default(false).describe("compare tokens ignoring case"),
});

export interface BleuDetails extends BleuStats {
  maxN: number;
  weights: number[];
  smoothing: BleuSmoothing;
  epsilon: number;
  precisions: number[];
  brevityPenalty: number;
}

export const bleuEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "sentence BLEU between the output and the expected text(s); corpus BLEU from the details",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    let maxN = r.number("maxN", { integer: true, min: 1, max: 9 });
    let weights: number[] | undefined;
    if (r.has("weights")) {
      const w = r.raw.weights;
      if (!Array.isArray(w) || w.length === 0) r.fail("weights", "must be a non-empty list of numbers");
      weights = w.map((x, i) => checkNumber(r, `weights.${i}`, x, { min: 0 }));
      if (maxN !== undefined && weights.length !== maxN)
        r.fail("weights", `has ${weights.length} entries but maxN is ${maxN}`);
      if (weights.every((x) => x === 0)) r.fail("weights", "must not all be 0");
    }
    maxN = maxN ?? weights?.length ?? 4;
    weights = weights ?? Array.from({ length: maxN }, () => 1 / maxN);
    const smoothing = r.oneOf("smoothing", SMOOTHINGS, "method1");
    const epsilon = r.number("epsilon", { min: 0, exclusiveMin: true }) ?? 0.1;
    const lowercase = r.boolean("lowercase", false);
    const tok = (s: string) => pythonSplit(lowercase ? s.toLowerCase() : s);
    const settings = { maxN, weights, smoothing, epsilon };

    return makeEvaluator(KIND, VERSION, { ...sourceConfig(source), ...settings, lowercase }, (input) => {
      const refs = referencesFor(input, source);
      if (!refs.ok) return unscored(refs.reason, refs.details);
      const refTokens = refs.refs.map(tok);
      if (refTokens.every((t) => t.length === 0))
        return unscored("expected text is empty", { unscored: UNSCORED.badExpected });
      const stats = bleuStatistics(refTokens, tok(candidateText(input, source)), maxN);
      const res = corpusBleuFromStats([stats], settings);
      const details: BleuDetails = {
        ...stats,
        ...settings,
        precisions: res.precisions,
        brevityPenalty: res.brevityPenalty,
      };
      const reason =
        stats.hypLength === 0
          ? "output is empty"
          : `BLEU ${fmt(res.bleu)} (precisions ${res.precisions.map(fmt).join("/")}, brevity penalty ${fmt(res.brevityPenalty)})`;
      return scored(res.bleu, reason, { ...details });
    });
  },
};

function isNumberList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
}

/**
 * Corpus BLEU over the `details` of `bleu` scores (one per case and epoch): clipped matches,
 * totals and lengths are pooled before the geometric mean. Entries without details (unscored
 * cases) are skipped; mixed settings (maxN, weights, smoothing) are an error. Returns undefined
 * when no entry has statistics.
 */
export function corpusBleuFromDetails(
  details: readonly (Record<string, unknown> | null | undefined)[],
): (BleuResult & { sentences: number }) | undefined {
  const stats: BleuStats[] = [];
  let settings: { maxN: number; weights: number[]; smoothing: BleuSmoothing; epsilon: number } | undefined;
  for (let i = 0; i < details.length; i++) {
    const d = details[i];
    if (d === null || d === undefined) continue;
    if (!isPlainObject(d)) throw new Error(`BLEU details ${i} is not an object`);
    const { matches, totals, hypLength, refLength, maxN, weights, smoothing, epsilon } = d;
    if (
      !isNumberList(matches) ||
      !isNumberList(totals) ||
      typeof hypLength !== "number" ||
      typeof refLength !== "number" ||
      typeof maxN !== "number" ||
      !isNumberList(weights) ||
      typeof smoothing !== "string" ||
      !(SMOOTHINGS as readonly string[]).includes(smoothing) ||
      typeof epsilon !== "number"
    ) {
      throw new Error(
        `BLEU details ${i} lacks the sufficient statistics (matches, totals, hypLength, refLength)`,
      );
    }
    const s = { maxN, weights, smoothing: smoothing as BleuSmoothing, epsilon };
    if (!settings) settings = s;
    else if (
      settings.maxN !== s.maxN ||
      settings.smoothing !== s.smoothing ||
      settings.epsilon !== s.epsilon ||
      settings.weights.join() !== s.weights.join()
    ) {
      throw new Error(
        `BLEU details ${i} were computed with different settings; corpus BLEU needs one configuration`,
      );
    }
    stats.push({ matches, totals, hypLength, refLength });
  }
  if (!settings) return undefined;
  return { ...corpusBleuFromStats(stats, settings), sentences: stats.length };
}
