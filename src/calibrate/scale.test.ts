import { describe, expect, it } from "vitest";
import { denormalise, numericValue, parseScale, scaleFromConfig } from "./scale.ts";

describe("parseScale", () => {
  it("reads the scales of the command line", () => {
    expect(parseScale("binary")).toMatchObject({ kind: "binary", values: [0, 1], level: "nominal" });
    expect(parseScale("pairwise").values).toEqual(["a", "b", "tie"]);
    expect(parseScale("nominal").values).toBeNull();
    expect(parseScale("nominal:x,y").values).toEqual(["x", "y"]);
    expect(parseScale("1-5")).toMatchObject({ kind: "ordinal", values: [1, 2, 3, 4, 5], level: "ordinal" });
    expect(parseScale("0-10").values).toHaveLength(11);
    expect(parseScale("1..7").values).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parseScale("interval:1-5").level).toBe("interval");
    expect(parseScale("ordinal:low,mid,high").values).toEqual(["low", "mid", "high"]);
    expect(parseScale("3,1,2").values).toEqual([1, 2, 3]);
  });

  it("rejects what it cannot read", () => {
    expect(() => parseScale("stars")).toThrow(/unknown scale/);
    expect(() => parseScale("5-1")).toThrow(/upper end/);
    expect(() => parseScale("interval:a,b")).toThrow(/numeric/);
    expect(() => parseScale("nominal:a,a")).toThrow(/duplicate/);
  });

  it("maps scores and configs onto scales", () => {
    const s = parseScale("1-5");
    expect(denormalise(s, 0)).toBe(1);
    expect(denormalise(s, 1)).toBe(5);
    expect(denormalise(s, 0.75)).toBe(4);
    expect(denormalise(s, 0.6)).toBe(3); // 3.4 → 3
    expect(numericValue(parseScale("ordinal:low,mid,high"), "mid")).toBe(1);
    expect(numericValue(parseScale("nominal:a,b"), "a")).toBeNull();
    expect(scaleFromConfig([1, 5])?.values).toEqual([1, 2, 3, 4, 5]);
    expect(scaleFromConfig("0-10")?.values).toHaveLength(11);
    expect(scaleFromConfig({ min: 1, max: 3 })?.values).toEqual([1, 2, 3]);
    expect(scaleFromConfig(undefined)).toBeNull();
  });
});
