import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

const target = "The quick brown fox jumps over the lazy dog";
const prediction = "The quick brown dog jumps on the log.";

describe("rouge-l", () => {
  it("scores the LCS F-measure (rouge_score conventions)", async () => {
    const s = await score("rouge-l", {}, prediction, target);
    expect(s.score).toBeCloseTo(0.5882352941176471, 12);
    expect(s.details).toMatchObject({ precision: 0.625, recall: 0.5555555555555556 });
    expect(s.reason).toBe("ROUGE-L F 0.59 (precision 0.63, recall 0.56)");
  });

  it("can report recall or precision instead", async () => {
    expect((await score("rouge-l", { measure: "recall" }, prediction, target)).score).toBeCloseTo(5 / 9, 12);
    expect((await score("rouge-l", { measure: "precision" }, prediction, target)).score).toBe(0.625);
  });

  it("is unscored when the expected text has no tokens, with a hint for non-ASCII text", async () => {
    const s = await score("rouge-l", {}, "東京", "東京");
    expect(s.score).toBeNull();
    expect(s.reason).toContain("tokenizer: unicode");
    expect((await score("rouge-l", { tokenizer: "unicode" }, "東京 大阪", "東京 大阪")).score).toBe(1);
    expect((await score("rouge-l", { tokenizer: "unicode" }, "Café crème", "café CRÈME")).score).toBe(1);
  });

  it("scores an empty output 0 and takes the best reference", async () => {
    expect((await score("rouge-l", {}, "", target)).score).toBe(0);
    const best = await score("rouge-l", {}, "a b c", ["x y z", "a b c"]);
    expect(best.score).toBe(1);
    expect(best.details?.reference).toBe(1);
  });

  it("validates options", async () => {
    expect((await configError("rouge-l", { measure: "f1" })).field).toBe("measure");
    expect((await configError("rouge-l", { tokenizer: "nltk" })).field).toBe("tokenizer");
  });
});

describe("rouge-n", () => {
  it("scores ROUGE-1 by default and ROUGE-2 with n: 2", async () => {
    expect((await score("rouge-n", {}, prediction, target)).score).toBeCloseTo(0.7058823529411765, 12);
    const r2 = await score("rouge-n", { n: 2 }, prediction, target);
    expect(r2.score).toBeCloseTo(0.26666666666666666, 12);
    expect(r2.reason).toMatch(/^ROUGE-2 F 0\.27/);
  });

  it("is unscored when the reference is shorter than n tokens", async () => {
    const s = await score("rouge-n", { n: 3 }, "a b c", "a b");
    expect(s.score).toBeNull();
    expect(s.reason).toContain("fewer than 3 tokens");
  });

  it("validates n", async () => {
    expect((await configError("rouge-n", { n: 0 })).field).toBe("n");
    expect((await configError("rouge-n", { n: 1.5 })).message).toContain("must be an integer");
    expect((await make("rouge-n", { n: 2 })).config).toEqual({
      n: 2,
      tokenizer: "rouge-score",
      measure: "fmeasure",
    });
  });
});
