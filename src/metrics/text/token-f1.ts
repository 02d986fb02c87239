import { pythonSplit } from "./tokenize.ts";

/**
 * Token-level F1 as in the official SQuAD evaluation scripts (evaluate-v1.1.py / v2.0).
 *
 * Normalisation (`normalize_answer`): lowercase → delete ASCII punctuation (Python's
 * `string.punctuation`; deleted, not replaced by a space, so "U.S.A." becomes "usa") → replace
 * the articles a/an/the (whole words) by a space → collapse whitespace. Tokens are compared as a
 * bag (Counter intersection), so duplicates count only as often as they appear on both sides.
 *
 * Against several golds, exact match and F1 are the maximum over golds; precision and recall are
 * those of the gold with the best F1 (the first on ties).
 *
 * Empty answers: v1.1 scores F1 = 0 whenever there is no overlap, even empty vs empty; v2.0 scores
 * F1 = 1 when both are empty (no-answer agreement) and 0 when only one is. Precision and recall
 * are 0 whenever there is no overlapping token, under either rule. `emptyRule` defaults to v2.0.
 */

export type SquadEmptyRule = "v1.1" | "v2.0";

export interface TokenF1Options {
  emptyRule?: SquadEmptyRule;
}

export interface TokenF1Result {
  precision: number;
  recall: number;
  f1: number;
  /** 1 when the normalised prediction equals some normalised gold, else 0 */
  exactMatch: number;
  normalizedPrediction: string;
  normalizedGolds: string[];
  /** index of the gold whose F1 is reported */
  bestGold: number;
}

const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
// Python's `\b` is Unicode-aware (word characters are letters, digits and "_"); JavaScript's is
// ASCII-only, so the word boundaries are spelled out with look-arounds.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** SQuAD's `normalize_answer`. */
export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase();
  const noPunct = lowered.replace(ASCII_PUNCTUATION, "");
  const noArticles = noPunct.replace(ARTICLES, " ");
  return pythonSplit(noArticles).join(" ");
}

interface PairScore {
  precision: number;
  recall: number;
  f1: number;
}

function pairScore(predTokens: string[], goldTokens: string[], rule: SquadEmptyRule): PairScore {
  if (rule === "v2.0" && (predTokens.length === 0 || goldTokens.length === 0)) {
    const agree = predTokens.length === goldTokens.length ? 1 : 0;
    return { precision: 0, recall: 0, f1: agree };
  }
  const counts = new Map<string, number>();
  for (const t of goldTokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predTokens) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = (1.0 * same) / predTokens.length;
  const recall = (1.0 * same) / goldTokens.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

/** SQuAD token F1 of `prediction` against one gold answer or the best of several. */
export function tokenF1(
  prediction: string,
  golds: string | readonly string[],
  options: TokenF1Options = {},
): TokenF1Result {
  const rule = options.emptyRule ?? "v2.0";
  const goldList = typeof golds === "string" ? [golds] : [...golds];
  if (goldList.length === 0) throw new Error("tokenF1 needs at least one gold answer");
  const normalizedPrediction = normalizeAnswer(prediction);
  const normalizedGolds = goldList.map(normalizeAnswer);
  const predTokens = pythonSplit(normalizedPrediction);
  let best = pairScore(predTokens, pythonSplit(normalizedGolds[0]), rule);
  let bestGold = 0;
  for (let i = 1; i < normalizedGolds.length; i++) {
    const s = pairScore(predTokens, pythonSplit(normalizedGolds[i]), rule);
    if (s.f1 > best.f1) {
      best = s;
      bestGold = i;
    }
  }
  const exactMatch = normalizedGolds.includes(normalizedPrediction) ? 1 : 0;
  return { ...best, exactMatch, normalizedPrediction, normalizedGolds, bestGold };
}
