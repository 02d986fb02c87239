import { describe, expect, it } from "vitest";
import { bleuStatistics, brevityPenalty, corpusBleu, corpusBleuFromStats, sentenceBleu } from "./bleu.ts";
import { editDistance, levenshtein } from "./levenshtein.ts";
import { lcsLength, rougeL, rougeN, rougeTokenize } from "./rouge.ts";
import { normalizeAnswer, tokenF1 } from "./token-f1.ts";
import { codePoints, fsum, pythonSplit } from "./tokenize.ts";

describe("tokenize helpers", () => {
  it("splits on Python's whitespace set", () => {
    expect(pythonSplit("  a\tb\n\nc  ")).toEqual(["a", "b", "c"]);
    // U+001C and U+0085 are whitespace to Python, U+FEFF is not
    expect(pythonSplit("a\u001cb\u0085c\ufeffd")).toEqual(["a", "b", "c\ufeffd"]);
    expect(pythonSplit("")).toEqual([]);
  });

  it("counts code points", () => {
    expect("👍".length).toBe(2);
    expect(codePoints("a👍b")).toEqual(["a", "👍", "b"]);
  });

  it("sums exactly, like math.fsum", () => {
    expect(fsum([1e100, 1, -1e100])).toBe(1);
    expect(fsum(new Array(10).fill(0.1))).toBe(1);
    expect(fsum([])).toBe(0);
  });
});

describe("tokenF1 / normalizeAnswer", () => {
  it("deletes ASCII punctuation rather than replacing it", () => {
    expect(normalizeAnswer("U.S.A.")).toBe("usa");
    expect(normalizeAnswer("The  state-of-the-art model!")).toBe("stateoftheart model");
  });

  it("removes articles only as whole words, with Unicode word boundaries", () => {
    expect(normalizeAnswer("A theory, an answer, the end")).toBe("theory answer end");
    expect(normalizeAnswer("Anna and the theatre")).toBe("anna and theatre");
    // "éa" is one word to Python's Unicode \b: its "a" is not an article
    expect(normalizeAnswer("éa b")).toBe("éa b");
    expect(normalizeAnswer("über a")).toBe("über");
  });

  it("counts duplicate tokens as a bag", () => {
    const r = tokenF1("cat cat cat", "cat");
    expect(r.precision).toBeCloseTo(1 / 3, 15);
    expect(r.recall).toBe(1);
    expect(r.f1).toBe(0.5);
  });

  it("reports the best gold and rejects an empty gold list", () => {
    const r = tokenF1("blue whale", ["red fox", "blue whale"]);
    expect(r.bestGold).toBe(1);
    expect(r.exactMatch).toBe(1);
    expect(() => tokenF1("x", [])).toThrow(/at least one gold/);
  });

  it("applies the empty rules", () => {
    expect(tokenF1("", "answer", { emptyRule: "v2.0" }).f1).toBe(0);
    expect(tokenF1("the", "a", { emptyRule: "v2.0" }).f1).toBe(1);
    expect(tokenF1("the", "a", { emptyRule: "v1.1" }).f1).toBe(0);
  });
});

describe("levenshtein", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(levenshtein("👍", "👎")).toMatchObject({ distance: 1, similarity: 0, lengthA: 1, lengthB: 1 });
    expect(levenshtein("a😀b", "ab")).toMatchObject({ distance: 1, lengthA: 3 });
    expect(levenshtein("🇫🇷", "🇩🇪").distance).toBe(2); // flags are two regional-indicator code points
  });

  it("NFC-normalises by default and can compare raw code points", () => {
    const nfd = "nai\u0308ve";
    expect(levenshtein(nfd, "naïve").distance).toBe(0);
    expect(levenshtein(nfd, "naïve", { normalize: "none" })).toMatchObject({
      distance: 2,
      lengthA: 6,
      lengthB: 5,
    });
  });

  it("handles empty strings and shared prefixes/suffixes", () => {
    expect(levenshtein("", "")).toMatchObject({ distance: 0, similarity: 1 });
    expect(levenshtein("", "abc")).toMatchObject({ distance: 3, similarity: 0 });
    expect(editDistance([..."prefix-abc-suffix"], [..."prefix-xbcy-suffix"])).toBe(2);
    expect(editDistance(["the", "cat"], ["a", "cat"])).toBe(1);
  });
});

describe("rouge", () => {
  it("tokenises like rouge_score, dropping non-ASCII letters", () => {
    expect(rougeTokenize("Café au lait, s'il vous plaît!")).toEqual([
      "caf",
      "au",
      "lait",
      "s",
      "il",
      "vous",
      "pla",
      "t",
    ]);
    expect(rougeTokenize("Café au lait", "unicode")).toEqual(["café", "au", "lait"]);
  });

  it("scores 0 for an empty side, never NaN", () => {
    expect(rougeL("", "a b")).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    expect(rougeN("a b", "", 2)).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    expect(() => rougeN("a", "a", 0)).toThrow(RangeError);
  });

  it("clips repeated n-grams and computes the LCS", () => {
    expect(rougeN("the cat", "the the the", 1)).toMatchObject({ precision: 1 / 3, recall: 0.5 });
    expect(lcsLength(["a", "b", "c", "d"], ["a", "c", "b", "d"])).toBe(3);
  });
});

describe("bleu", () => {
  it("uses max(1, count) denominators and clipped matches", () => {
    expect(bleuStatistics(["a b c"], "a")).toEqual({
      matches: [1, 0, 0, 0],
      totals: [1, 1, 1, 1],
      hypLength: 1,
      refLength: 3,
    });
    expect(bleuStatistics(["the cat"], "the the the").matches[0]).toBe(1);
  });

  it("picks the closest reference length, the shorter on ties", () => {
    expect(bleuStatistics(["a b", "a b c d"], "a b c").refLength).toBe(2);
    expect(bleuStatistics(["a b c d e f", "a b c d"], "a b c").refLength).toBe(4);
    expect(brevityPenalty(4, 3)).toBeCloseTo(Math.exp(1 - 4 / 3), 15);
    expect(brevityPenalty(2, 3)).toBe(1);
    expect(brevityPenalty(2, 0)).toBe(0);
  });

  it("returns exactly 0 without unigram matches, ~0 with a missing higher order (no smoothing)", () => {
    expect(sentenceBleu(["a b c d"], "x y z w").bleu).toBe(0);
    expect(sentenceBleu(["a b c d"], "").bleu).toBe(0);
    const tiny = sentenceBleu(["the cat sat down"], "the cat sat").bleu;
    expect(tiny).toBeGreaterThan(0);
    expect(tiny).toBeLessThan(1e-70);
    expect(sentenceBleu(["a b c d"], "a b c d").bleu).toBe(1);
  });

  it("applies nltk's smoothing methods 1–3", () => {
    const bp = Math.exp(1 - 4 / 3);
    const short = (smoothing: "method1" | "method2" | "method3") =>
      sentenceBleu(["the cat sat down"], "the cat sat", { smoothing }).bleu;
    expect(short("method1")).toBeCloseTo(bp * Math.exp(0.25 * Math.log(0.1)), 14);
    expect(short("method2")).toBeCloseTo(bp * Math.exp(0.25 * Math.log(0.5)), 14);
    const m3 = sentenceBleu(["a b x d e"], "a b c d e", { smoothing: "method3" }).bleu;
    expect(m3).toBeCloseTo(
      Math.exp(0.25 * (Math.log(0.8) + Math.log(0.5) + Math.log(1 / 6) + Math.log(1 / 8))),
      14,
    );
    const m1 = sentenceBleu(["a b x d e"], "a b c d e", { smoothing: "method1", epsilon: 0.2 }).bleu;
    expect(m1).toBeCloseTo(
      Math.exp(0.25 * (Math.log(0.8) + Math.log(0.5) + Math.log(0.2 / 3) + Math.log(0.2 / 2))),
      14,
    );
  });

  it("supports other orders and weights", () => {
    const r = sentenceBleu(["a b x d e"], "a b c d e", { weights: [0.5, 0.5] });
    expect(r.bleu).toBeCloseTo(Math.sqrt(0.8 * 0.5), 14);
    expect(r.precisions).toEqual([0.8, 0.5]);
    expect(() => sentenceBleu(["a"], "a", { maxN: 2, weights: [1] })).toThrow(RangeError);
  });

  it("pools corpus statistics instead of averaging sentence scores", () => {
    const refs = [["a b c d"], ["e f g h"]];
    const hyps = ["a b c d", "e f x y"];
    const stats = hyps.map((h, i) => bleuStatistics(refs[i], h));
    const pooled = corpusBleuFromStats(stats);
    expect(pooled.matches).toEqual([6, 4, 2, 1]);
    expect(pooled.totals).toEqual([8, 6, 4, 2]);
    expect(pooled.bleu).toBeCloseTo(
      Math.exp(0.25 * (Math.log(6 / 8) + Math.log(4 / 6) + Math.log(2 / 4) + Math.log(1 / 2))),
      14,
    );
    expect(corpusBleu(refs, hyps).bleu).toBe(pooled.bleu);
    expect(() => corpusBleu(refs, ["a"])).toThrow(/one reference list per hypothesis/);
  });

  it("accepts pre-tokenised sentences", () => {
    expect(sentenceBleu([["New York", "is", "big"]], ["New York", "is", "big"], { maxN: 3 }).bleu).toBe(1);
  });
});
