/**
 * ROUGE-N and ROUGE-L (sentence-level LCS, not ROUGE-Lsum) following google-research's
 * `rouge_score` package, whose conventions the reference vectors use:
 *
 * - tokenisation: lowercase, replace every run of characters outside `[a-z0-9]` by a space, split
 *   on whitespace, keep tokens matching `^[a-z0-9]+$`. Non-ASCII letters are therefore dropped
 *   ("café" → "caf"); `tokenizer: "unicode"` keeps letters and digits of every script instead.
 *   No stemming.
 * - argument order is `(target, prediction)`: precision is over prediction tokens, recall over
 *   target tokens, F = 2PR / (P + R) (0 when P + R = 0).
 * - ROUGE-N counts clipped n-gram overlap (multiset intersection); its denominators are
 *   max(count, 1), so an empty side gives 0, not NaN. ROUGE-L scores 0 when either side is empty.
 */

export type RougeTokenizer = "rouge-score" | "unicode";

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export interface RougeOptions {
  tokenizer?: RougeTokenizer;
}

/** rouge_score's tokenizer (or its Unicode-aware variant). */
export function rougeTokenize(text: string, tokenizer: RougeTokenizer = "rouge-score"): string[] {
  const lower = text.toLowerCase();
  if (tokenizer === "unicode") {
    return lower
      .normalize("NFC")
      .replace(/[^\p{L}\p{N}\p{M}]+/gu, " ")
      .split(/\s+/u)
      .filter((t) => t.length > 0);
  }
  return lower
    .replace(/[^a-z0-9]+/g, " ")
    .split(/\s+/)
    .filter((t) => /^[a-z0-9]+$/.test(t));
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** ROUGE-L over already tokenised text. */
export function rougeLTokens(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N over already tokenised text. */
export function rougeNTokens(
  target: readonly string[],
  prediction: readonly string[],
  n: number,
): RougeScore {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ROUGE-N needs a positive integer n, got ${n}`);
  const t = ngramCounts(target, n);
  const p = ngramCounts(prediction, n);
  let overlap = 0;
  for (const [gram, c] of p) overlap += Math.min(c, t.get(gram) ?? 0);
  const predTotal = Math.max(prediction.length - n + 1, 0);
  const targetTotal = Math.max(target.length - n + 1, 0);
  const precision = overlap / Math.max(predTotal, 1);
  const recall = overlap / Math.max(targetTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** ROUGE-L of `prediction` against `target` (rouge_score's `score(target, prediction)`). */
export function rougeL(target: string, prediction: string, options: RougeOptions = {}): RougeScore {
  return rougeLTokens(rougeTokenize(target, options.tokenizer), rougeTokenize(prediction, options.tokenizer));
}

/** ROUGE-N of `prediction` against `target`. */
export function rougeN(
  target: string,
  prediction: string,
  n: number,
  options: RougeOptions = {},
): RougeScore {
  return rougeNTokens(
    rougeTokenize(target, options.tokenizer),
    rougeTokenize(prediction, options.tokenizer),
    n,
  );
}
