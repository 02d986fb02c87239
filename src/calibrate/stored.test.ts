import { describe, expect, it } from "vitest";
import type { StoredScore } from "../store/types.ts";
import { BINARY_SCALE, parseScale } from "./scale.ts";
import { judgeRating } from "./stored.ts";

const s = (score: number | null, passed: boolean | null, details?: Record<string, unknown>): StoredScore => ({
  runId: "r",
  caseId: "c",
  epoch: 0,
  dimension: "d",
  evaluator: "llm-judge@1",
  score,
  passed,
  reason: "",
  details,
});

describe("judgeRating: a stored score on the human scale", () => {
  it("binary uses the stored verdict", () => {
    expect(judgeRating(s(0.4, true), BINARY_SCALE, 0.5)).toBe(1);
    expect(judgeRating(s(0.9, false), BINARY_SCALE, 0.5)).toBe(0);
    expect(judgeRating(s(0.9, null), BINARY_SCALE, 0.5)).toBe(1);
    expect(judgeRating(s(null, null), BINARY_SCALE, 0.5)).toBeNull();
  });

  it("ordinal prefers the judge's raw score, else de-normalises", () => {
    const scale = parseScale("1-5");
    expect(judgeRating(s(0.5, true, { rawScore: 4 }), scale, 0.5)).toBe(4);
    expect(judgeRating(s(0.5, true, { rawScores: [4, 5, 5] }), scale, 0.5)).toBe(5); // mean 4.67 → 5
    expect(judgeRating(s(0.5, true, { scores: [2, 3] }), scale, 0.5)).toBe(2); // 2.5: the lower on a tie
    expect(judgeRating(s(0.75, true), scale, 0.5)).toBe(4);
    expect(judgeRating(s(0.75, true, { rawScores: ["pass"] }), scale, 0.5)).toBe(4);
  });

  it("nominal reads a label from the details", () => {
    const scale = parseScale("nominal:refund,exchange");
    expect(judgeRating(s(1, true, { label: "refund" }), scale, 0.5)).toBe("refund");
    expect(judgeRating(s(1, true, { label: "other" }), scale, 0.5)).toBeNull();
  });
});
