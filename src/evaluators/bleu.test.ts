import { describe, expect, it } from "vitest";
import { corpusBleu } from "../metrics/text/bleu.ts";
import { corpusBleuFromDetails } from "./bleu.ts";
import { configError, make, score } from "./test-support.ts";

const refs = [
  "It is a guide to action that ensures that the military will forever heed Party commands",
  "It is the guiding principle which guarantees the military forces always being under the command of the Party",
  "It is the practical guide for the army always to heed the directions of the party",
];
const hyp = "It is a guide to action which ensures that the military always obeys the commands of the party";
const refs2 = ["he was interested in world history because he read the book"];
const hyp2 = "he read the book because he was interested in world history";

describe("bleu", () => {
  it("scores sentence BLEU against several references (nltk's doc example)", async () => {
    const s = await score("bleu", { smoothing: "none" }, hyp, refs);
    expect(s.score).toBeCloseTo(0.5045666840058485, 12);
    expect(s.details).toMatchObject({ hypLength: 18, refLength: 18, maxN: 4, smoothing: "none" });
    expect(s.reason).toMatch(/^BLEU 0\.50 \(precisions /);
  });

  it("smooths with method1 by default, so a missing 4-gram does not zero a short answer", async () => {
    const smoothed = await score("bleu", {}, "the cat sat", "the cat sat down");
    const raw = await score("bleu", { smoothing: "none" }, "the cat sat", "the cat sat down");
    expect(raw.score).toBeLessThan(1e-50);
    expect(smoothed.score).toBeGreaterThan(0.1);
    expect((await make("bleu", {})).config).toEqual({
      maxN: 4,
      weights: [0.25, 0.25, 0.25, 0.25],
      smoothing: "method1",
      epsilon: 0.1,
      lowercase: false,
    });
  });

  it("is case-sensitive unless lowercase", async () => {
    expect((await score("bleu", { maxN: 1 }, "Paris", "paris")).score).toBe(0);
    expect((await score("bleu", { maxN: 1, lowercase: true }, "Paris", "paris")).score).toBe(1);
  });

  it("scores an empty output 0 and is unscored for an empty reference", async () => {
    const empty = await score("bleu", {}, "", "the cat");
    expect(empty.score).toBe(0);
    expect(empty.reason).toBe("output is empty");
    expect((await score("bleu", {}, "the cat", "   ")).score).toBeNull();
    expect((await score("bleu", {}, "the cat", undefined)).score).toBeNull();
  });

  it("corpusBleuFromDetails recomputes nltk's corpus BLEU from the per-case details", async () => {
    const a = await score("bleu", { smoothing: "none" }, hyp, refs);
    const b = await score("bleu", { smoothing: "none" }, hyp2, refs2);
    const corpus = corpusBleuFromDetails([a.details, undefined, b.details]);
    expect(corpus?.bleu).toBeCloseTo(0.5920778868801042, 12);
    expect(corpus?.sentences).toBe(2);
    // the same as scoring the corpus directly, and not the mean of the sentence scores
    expect(corpus?.bleu).toBe(corpusBleu([refs, refs2], [hyp, hyp2]).bleu);
    expect(corpus?.bleu).not.toBeCloseTo(((a.score as number) + (b.score as number)) / 2, 3);
    // details survive a JSON round trip through the store
    expect(
      corpusBleuFromDetails([JSON.parse(JSON.stringify(a.details)), JSON.parse(JSON.stringify(b.details))])
        ?.bleu,
    ).toBe(corpus?.bleu);
  });

  it("corpusBleuFromDetails refuses mixed settings and malformed details", async () => {
    const a = await score("bleu", { smoothing: "none" }, hyp, refs);
    const b = await score("bleu", { smoothing: "method1" }, hyp2, refs2);
    expect(() => corpusBleuFromDetails([a.details, b.details])).toThrow(/different settings/);
    expect(() => corpusBleuFromDetails([{ matches: [1] }])).toThrow(/sufficient statistics/);
    expect(corpusBleuFromDetails([undefined, null])).toBeUndefined();
  });

  it("validates options", async () => {
    expect((await configError("bleu", { maxN: 0 })).field).toBe("maxN");
    expect((await configError("bleu", { weights: [0.5, "x"] })).field).toBe("weights.1");
    expect((await configError("bleu", { maxN: 2, weights: [1, 0, 0] })).field).toBe("weights");
    expect((await configError("bleu", { smoothing: "method7" })).field).toBe("smoothing");
    expect((await configError("bleu", { epsilon: 0 })).field).toBe("epsilon");
    expect((await make("bleu", { weights: [0.5, 0.5] })).config.maxN).toBe(2);
  });
});
