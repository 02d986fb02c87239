import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

describe("levenshtein", () => {
  it("scores normalised similarity", async () => {
    const s = await score("levenshtein", {}, "kitten", "sitting");
    expect(s.score).toBeCloseTo(1 - 3 / 7, 12);
    expect(s.details).toMatchObject({ distance: 3, outputLength: 6, expectedLength: 7 });
    expect(s.reason).toBe("edit distance 3 over 7 characters (similarity 0.57)");
    expect((await score("levenshtein", {}, "same", "same")).reason).toBe("output equals the expected text");
  });

  it("counts emoji and accented letters as one character each (code points, NFC)", async () => {
    // "👍" is two UTF-16 units; one substitution in a 3-character string
    const emoji = await score("levenshtein", {}, "ok👍", "ok👎");
    expect(emoji.details).toMatchObject({ distance: 1, outputLength: 3 });
    expect(emoji.score).toBeCloseTo(2 / 3, 12);
    const accents = await score("levenshtein", {}, "café", "cafe");
    expect(accents.details).toMatchObject({ distance: 1, outputLength: 4 });
    // NFD ("e" + combining acute) equals NFC after normalisation
    expect((await score("levenshtein", {}, "cafe\u0301", "caf\u00e9")).score).toBe(1);
    const cjk = await score("levenshtein", {}, "東京都", "京都");
    expect(cjk.details).toMatchObject({ distance: 1 });
  });

  it("trims by default and folds case on request", async () => {
    expect((await score("levenshtein", {}, "  hello\n", "hello")).score).toBe(1);
    expect((await score("levenshtein", { trim: false }, " hello", "hello")).score).toBeCloseTo(5 / 6, 12);
    expect((await score("levenshtein", {}, "HELLO", "hello")).score).toBe(0);
    expect((await score("levenshtein", { caseInsensitive: true }, "HELLO", "hello")).score).toBe(1);
  });

  it("takes the best reference and handles empty text", async () => {
    const s = await score("levenshtein", {}, "colour", ["color", "colour"]);
    expect(s.score).toBe(1);
    expect(s.details?.reference).toBe(1);
    expect((await score("levenshtein", {}, "", "")).score).toBe(1);
    expect((await score("levenshtein", {}, "", "abc")).score).toBe(0);
  });

  it("is unscored without an expected text and validates options", async () => {
    expect((await score("levenshtein", {}, "x", undefined)).score).toBeNull();
    expect((await configError("levenshtein", { caseInsensitive: "no" })).field).toBe("caseInsensitive");
    expect((await make("levenshtein", { expected: "x" })).config).toEqual({
      expected: "x",
      trim: true,
      caseInsensitive: false,
    });
  });
});
