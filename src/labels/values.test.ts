import { describe, expect, it } from "vitest";
import { parseScale } from "../calibrate/scale.ts";
import { parseLabelValue } from "./values.ts";

describe("parseLabelValue", () => {
  it("binary accepts 1/0, true/false and pass/fail", () => {
    for (const v of [1, "1", true, "true", "pass", "PASS", "Passed"])
      expect(parseLabelValue("binary", v)).toEqual({ ok: true, value: 1 });
    for (const v of [0, "0", false, "false", "fail", "Fail"])
      expect(parseLabelValue("binary", v)).toEqual({ ok: true, value: 0 });
    expect(parseLabelValue("binary", "4")).toMatchObject({ ok: false });
    expect(parseLabelValue("binary", "")).toEqual({ ok: false, message: "required" });
  });

  it("ordinal accepts numbers, on the scale when one is given", () => {
    expect(parseLabelValue("ordinal", "4")).toEqual({ ok: true, value: 4 });
    expect(parseLabelValue("ordinal", 2.5)).toEqual({ ok: true, value: 2.5 });
    expect(parseLabelValue("ordinal", "good")).toMatchObject({ ok: false });
    expect(parseLabelValue("ordinal", 6, parseScale("1-5"))).toMatchObject({ ok: false });
    expect(parseLabelValue("ordinal", "mid", parseScale("ordinal:low,mid,high"))).toEqual({
      ok: true,
      value: "mid",
    });
  });

  it("pairwise accepts a, b and tie; nominal any category", () => {
    expect(parseLabelValue("pairwise", "A")).toEqual({ ok: true, value: "a" });
    expect(parseLabelValue("pairwise", "tie")).toEqual({ ok: true, value: "tie" });
    expect(parseLabelValue("pairwise", "1")).toMatchObject({ ok: false });
    expect(parseLabelValue("nominal", "refund")).toEqual({ ok: true, value: "refund" });
    expect(parseLabelValue("nominal", "x", parseScale("nominal:a,b"))).toMatchObject({ ok: false });
  });
});
