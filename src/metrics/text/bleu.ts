import { fsum, pythonSplit } from "./tokenize.ts";

/**
 * BLEU as computed by nltk 3.8 (`nltk.translate.bleu_score.sentence_bleu` / `corpus_bleu`), not
 * sacreBLEU (which tokenises differently and scales to 0–100):
 *
 * - a sentence given as a string is tokenised with Python's `str.split()`; tokens are
 *   case-sensitive. Pass token arrays to tokenise differently.
 * - modified precision: hypothesis n-gram counts clipped by the maximum count of that n-gram in
 *   any single reference; the denominator is max(1, number of hypothesis n-grams), so a
 *   hypothesis shorter than n contributes 1 to the denominator (nltk's convention; it changes
 *   corpus BLEU, which pools these denominators).
 * - brevity penalty with the closest reference length (ties → the shorter reference): 1 when the
 *   hypothesis is longer, 0 when it is empty, else exp(1 − r/c); corpus BLEU sums r and c first.
 * - corpus BLEU pools clipped matches and totals over all sentences before the geometric mean
 *   (it is not the mean of sentence BLEUs); sentence BLEU is corpus BLEU of one sentence.
 * - if no unigram matches at all, BLEU is 0. Otherwise smoothing applies:
 *   `none` (nltk's method0) replaces a zero precision by the smallest normal double
 *   (2.2250738585072014e-308), which makes BLEU ≈ 0 but not exactly 0;
 *   `method1` adds epsilon (default 0.1) to zero numerators; `method2` adds 1 to numerator and
 *   denominator for n > 1; `method3` is NIST geometric smoothing 1/(2^k · denominator).
 * - weights default to uniform 1/maxN with maxN = 4; the log-sum is exactly rounded (`math.fsum`).
 *
 * `bleuStatistics` returns the per-sentence sufficient statistics (clipped matches and totals per
 * n, hypothesis length, closest reference length), from which `corpusBleuFromStats` recomputes
 * corpus BLEU exactly.
 */

export type Sentence = string | readonly string[];
export type BleuSmoothing = "none" | "method1" | "method2" | "method3";

export interface BleuOptions {
  /** highest n-gram order; default 4, or the length of `weights` when given */
  maxN?: number;
  /** weight of each order 1..maxN; default uniform */
  weights?: readonly number[];
  smoothing?: BleuSmoothing;
  /** for method1; default 0.1 */
  epsilon?: number;
}

/** Sufficient statistics of one hypothesis against its references. */
export interface BleuStats {
  /** clipped n-gram matches for n = 1..maxN */
  matches: number[];
  /** nltk denominators: max(1, number of hypothesis n-grams) for n = 1..maxN */
  totals: number[];
  /** hypothesis length in tokens */
  hypLength: number;
  /** length of the reference closest to the hypothesis length (ties → shorter) */
  refLength: number;
}

export interface BleuResult {
  bleu: number;
  /** modified precisions matches/totals per n, before smoothing */
  precisions: number[];
  brevityPenalty: number;
  matches: number[];
  totals: number[];
  hypLength: number;
  refLength: number;
}

const FLOAT_MIN = 2.2250738585072014e-308;

function tokens(s: Sentence): readonly string[] {
  return typeof s === "string" ? pythonSplit(s) : s;
}

function ngramCounts(toks: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= toks.length; i++) {
    // JSON keeps n-grams of arbitrary tokens distinct (tokens may contain any character).
    const key = n === 1 ? toks[i] : JSON.stringify(toks.slice(i, i + n));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function resolveOrders(options: BleuOptions): { maxN: number; weights: number[] } {
  const maxN = options.maxN ?? options.weights?.length ?? 4;
  if (!Number.isInteger(maxN) || maxN < 1)
    throw new RangeError(`BLEU maxN must be a positive integer, got ${maxN}`);
  const weights = options.weights ? [...options.weights] : Array.from({ length: maxN }, () => 1 / maxN);
  if (weights.length !== maxN) {
    throw new RangeError(`BLEU weights has ${weights.length} entries but maxN is ${maxN}`);
  }
  if (weights.some((w) => !Number.isFinite(w) || w < 0))
    throw new RangeError("BLEU weights must be non-negative numbers");
  return { maxN, weights };
}

/** Per-sentence sufficient statistics (nltk's modified precision numerators and denominators). */
export function bleuStatistics(references: readonly Sentence[], hypothesis: Sentence, maxN = 4): BleuStats {
  if (references.length === 0) throw new Error("BLEU needs at least one reference");
  const hyp = tokens(hypothesis);
  const refs = references.map(tokens);
  const matches: number[] = [];
  const totals: number[] = [];
  for (let n = 1; n <= maxN; n++) {
    const counts = ngramCounts(hyp, n);
    const maxRef = new Map<string, number>();
    for (const ref of refs) {
      for (const [gram, c] of ngramCounts(ref, n)) {
        if (counts.has(gram) && c > (maxRef.get(gram) ?? 0)) maxRef.set(gram, c);
      }
    }
    let clipped = 0;
    let total = 0;
    for (const [gram, c] of counts) {
      clipped += Math.min(c, maxRef.get(gram) ?? 0);
      total += c;
    }
    matches.push(clipped);
    totals.push(Math.max(1, total));
  }
  let refLength = refs[0].length;
  for (const ref of refs) {
    const d = Math.abs(ref.length - hyp.length);
    const best = Math.abs(refLength - hyp.length);
    if (d < best || (d === best && ref.length < refLength)) refLength = ref.length;
  }
  return { matches, totals, hypLength: hyp.length, refLength };
}

/** nltk's brevity penalty. */
export function brevityPenalty(refLength: number, hypLength: number): number {
  if (hypLength > refLength) return 1;
  if (hypLength === 0) return 0;
  return Math.exp(1 - refLength / hypLength);
}

/** Corpus BLEU from pooled per-sentence statistics (all computed with at least `maxN` orders). */
export function corpusBleuFromStats(stats: readonly BleuStats[], options: BleuOptions = {}): BleuResult {
  const { maxN, weights } = resolveOrders(options);
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;
  for (const s of stats) {
    if (s.matches.length < maxN || s.totals.length < maxN) {
      throw new RangeError(`BLEU statistics cover ${s.matches.length} orders, ${maxN} needed`);
    }
    for (let i = 0; i < maxN; i++) {
      matches[i] += s.matches[i];
      totals[i] += s.totals[i];
    }
    hypLength += s.hypLength;
    refLength += s.refLength;
  }
  const bp = brevityPenalty(refLength, hypLength);
  const precisions = matches.map((m, i) => (totals[i] === 0 ? 0 : m / totals[i]));
  const base = { precisions, brevityPenalty: bp, matches, totals, hypLength, refLength };
  if (stats.length === 0 || matches[0] === 0) return { bleu: 0, ...base };
  const smoothed = smooth(matches, totals, options.smoothing ?? "none", options.epsilon ?? 0.1);
  const logSum = fsum(weights.map((w, i) => w * Math.log(smoothed[i])));
  return { bleu: bp * Math.exp(logSum), ...base };
}

function smooth(matches: number[], totals: number[], method: BleuSmoothing, epsilon: number): number[] {
  switch (method) {
    case "none":
      return matches.map((m, i) => (m !== 0 ? m / totals[i] : FLOAT_MIN));
    case "method1":
      return matches.map((m, i) => (m === 0 ? (m + epsilon) / totals[i] : m / totals[i]));
    case "method2":
      return matches.map((m, i) => (i === 0 ? m / totals[i] : (m + 1) / (totals[i] + 1)));
    case "method3": {
      let k = 1;
      return matches.map((m, i) => {
        if (m !== 0) return m / totals[i];
        const p = 1 / (2 ** k * totals[i]);
        k++;
        return p;
      });
    }
  }
}

/** Sentence BLEU of one hypothesis against its references (nltk `sentence_bleu`). */
export function sentenceBleu(
  references: readonly Sentence[],
  hypothesis: Sentence,
  options: BleuOptions = {},
): BleuResult {
  const { maxN } = resolveOrders(options);
  return corpusBleuFromStats([bleuStatistics(references, hypothesis, maxN)], options);
}

/** Corpus BLEU over hypotheses, each with its list of references (nltk `corpus_bleu`). */
export function corpusBleu(
  references: readonly (readonly Sentence[])[],
  hypotheses: readonly Sentence[],
  options: BleuOptions = {},
): BleuResult {
  if (references.length !== hypotheses.length) {
    throw new Error(
      `corpus BLEU needs one reference list per hypothesis (${references.length} vs ${hypotheses.length})`,
    );
  }
  const { maxN } = resolveOrders(options);
  return corpusBleuFromStats(
    hypotheses.map((h, i) => bleuStatistics(references[i], h, maxN)),
    options,
  );
}
