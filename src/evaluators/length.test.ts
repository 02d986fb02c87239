import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

describe("length", () => {
  it("scores 1 inside [min, max] characters and 0 outside", async () => {
    expect((await score("length", { min: 2, max: 5 }, "abcde")).score).toBe(1);
    expect((await score("length", { min: 2, max: 5 }, "ab")).reason).toBe("2 characters, within 2–5");
    const long = await score("length", { min: 2, max: 5 }, "abcdef");
    expect(long.score).toBe(0);
    expect(long.reason).toBe("6 characters, above the maximum 5");
    expect((await score("length", { min: 2 }, "a")).reason).toBe("1 characters, below the minimum 2");
  });

  it("counts code points, not UTF-16 units, and ignores surrounding whitespace", async () => {
    expect((await score("length", { max: 3 }, "👍👍👍")).score).toBe(1);
    expect((await score("length", { max: 3 }, "  abc \n")).score).toBe(1);
    expect((await score("length", { max: 4 }, "cafe\u0301")).details).toEqual({ length: 4, unit: "chars" });
  });

  it("counts words", async () => {
    const s = await score("length", { max: 3, unit: "words" }, "one two\tthree\nfour");
    expect(s.score).toBe(0);
    expect(s.details).toEqual({ length: 4, unit: "words" });
    expect((await score("length", { min: 1, unit: "words" }, "   ")).score).toBe(0);
  });

  it("validates options", async () => {
    expect((await configError("length", {})).field).toBe("max");
    expect((await configError("length", { min: 5, max: 2 })).field).toBe("min");
    expect((await configError("length", { max: -1 })).field).toBe("max");
    expect((await configError("length", { max: 2.5 })).field).toBe("max");
    expect((await configError("length", { max: 2, unit: "tokens" })).field).toBe("unit");
    expect((await make("length", { max: 10 })).config).toEqual({ max: 10, unit: "chars" });
  });
});
