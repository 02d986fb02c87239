import { describe, expect, it } from "vitest";
import { wordDiff } from "./word-diff.ts";

const rebuild = (diff: Array<[-1 | 0 | 1, string]>, keep: -1 | 1) =>
  diff
    .filter(([op]) => op === 0 || op === keep)
    .map(([, t]) => t)
    .join("");

const PAIRS: Array<[string, string]> = [
  ["", ""],
  ["", "brand new text"],
  ["all of this goes", ""],
  ["the quick brown fox", "the quick brown fox"],
  ["the quick brown fox jumps", "the slow brown dog jumps high"],
  ['{"action": "complete", "title": "taxes"}', '{"action": "create", "title": "taxes"}'],
  ["  leading and trailing  ", "leading and\ttrailing\n"],
  ["line one\nline two\n\nline four", "line one\nline 2\n\nline four\nline five"],
  ["café naïve — 東京 に 行く 🚀 done", "café naive — 東京 へ 行く 🚀🚀 done"],
  ["a\r\nb\r\n", "a\nb\n"],
  ["x x x x", "x x"],
  ["same", "same "],
];

describe("wordDiff", () => {
  it.each(PAIRS)("rebuilds both sides: %j → %j", (a, b) => {
    const diff = wordDiff(a, b);
    expect(rebuild(diff, -1)).toBe(a);
    expect(rebuild(diff, 1)).toBe(b);
    for (const [op, t] of diff) {
      expect([-1, 0, 1]).toContain(op);
      expect(t.length).toBeGreaterThan(0);
    }
    // adjacent ops are merged
    for (let i = 1; i < diff.length; i++) expect(diff[i][0]).not.toBe(diff[i - 1][0]);
  });

  it("marks only what changed and keeps the rest", () => {
    expect(wordDiff("the quick brown fox", "the quick brown fox")).toEqual([[0, "the quick brown fox"]]);
    const diff = wordDiff("pay the rent today", "pay the bill today");
    expect(diff).toEqual([
      [0, "pay the "],
      [-1, "rent "],
      [1, "bill "],
      [0, "today"],
    ]);
  });

  it("bounds the work on long outputs: each side is cut at 400 words, marked with an ellipsis", () => {
    // 5,000 words each: without the cut the table would hold 25 million cells
    const words = Array.from({ length: 5000 }, (_, i) => `w${i % 97}`);
    const long = words.join(" ");
    const diff = wordDiff(long, `${long} extra`);
    // the change lies past the cut, so both cut sides are equal
    expect(diff).toEqual([[0, `${words.slice(0, 400).join(" ")} …`]]);
    const early = wordDiff(`changed ${long}`, long);
    expect(rebuild(early, -1)).toBe(`changed ${words.slice(0, 399).join(" ")} …`);
    expect(rebuild(early, 1)).toBe(`${words.slice(0, 400).join(" ")} …`);
  });
});
