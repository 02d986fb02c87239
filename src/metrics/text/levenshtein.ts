import { codePoints } from "./tokenize.ts";

/**
 * Levenshtein edit distance with unit costs (insertion, deletion, substitution), as
 * python-Levenshtein's `Levenshtein.distance`: counted in Unicode code points, not UTF-16 code
 * units, so an emoji outside the BMP is one character, not two.
 *
 * Normalised similarity = 1 − distance / max(len(a), len(b)) in code points; 1 for two empty
 * strings.
 *
 * Inputs are NFC-normalised first by default, so "naïve" typed with a precomposed ï (U+00EF) and
 * with i + combining diaeresis (U+0069 U+0308) are the same string; pass `normalize: "none"` to
 * compare the raw code points exactly as python-Levenshtein does.
 */

export interface LevenshteinOptions {
  normalize?: "NFC" | "none";
}

export interface LevenshteinResult {
  distance: number;
  /** 1 − distance / max length, in [0, 1] */
  similarity: number;
  /** lengths in code points, after normalisation */
  lengthA: number;
  lengthB: number;
}

export function levenshtein(a: string, b: string, options: LevenshteinOptions = {}): LevenshteinResult {
  const norm = options.normalize ?? "NFC";
  const ca = codePoints(norm === "NFC" ? a.normalize("NFC") : a);
  const cb = codePoints(norm === "NFC" ? b.normalize("NFC") : b);
  const distance = editDistance(ca, cb);
  const longest = Math.max(ca.length, cb.length);
  return {
    distance,
    similarity: longest === 0 ? 1 : 1 - distance / longest,
    lengthA: ca.length,
    lengthB: cb.length,
  };
}

/** Unit-cost edit distance between two sequences (of code points, tokens, …). */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  // A shared prefix and suffix never change the distance; trimming them keeps the common
  // "almost equal" case fast.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = new Uint32Array(y.length + 1);
  let cur = new Uint32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1] + (xi === y[j - 1] ? 0 : 1);
      const del = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      cur[j] = Math.min(sub, del, ins);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}
