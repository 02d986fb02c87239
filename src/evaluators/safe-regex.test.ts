import { describe, expect, it } from "vitest";
import {
  compileSafeRegex,
  safeRegExpEngine,
  UnsafePatternError,
  unsupportedConstruct,
} from "./safe-regex.ts";

function failure(pattern: string, flags = ""): UnsafePatternError {
  try {
    compileSafeRegex(pattern, flags);
  } catch (err) {
    if (err instanceof UnsafePatternError) return err;
    throw err;
  }
  throw new Error(`/${pattern}/${flags} compiled`);
}

describe("safe-regex", () => {
  it("matches a catastrophic-backtracking pattern in linear time", () => {
    // Native RegExp takes minutes on this; the test timeout is the guard.
    const re = compileSafeRegex("^(a+)+$");
    expect(re.test(`${"a".repeat(40)}!`)).toBe(false);
    expect(re.test("a".repeat(40))).toBe(true);
  });

  it("translates JavaScript syntax and reports matches with UTF-16 indices", () => {
    expect(compileSafeRegex("(?<id>INV-\\d{4})").exec("see INV-2031")).toEqual({
      match: "INV-2031",
      index: 4,
    });
    expect(compileSafeRegex("\\u0041\\u{1F600}").test("A😀")).toBe(true);
    expect(compileSafeRegex("é").exec("😀é")).toEqual({ match: "é", index: 2 });
    expect(compileSafeRegex("(?<=\\$)\\d+").exec("cost $42")).toEqual({ match: "42", index: 6 });
  });

  it("applies the i, m, s and y flags as JavaScript does; g, d and u change nothing", () => {
    expect(compileSafeRegex("^hello", "i").test("Hello")).toBe(true);
    expect(compileSafeRegex("^b$", "m").test("a\nb")).toBe(true);
    expect(compileSafeRegex("^b$").test("a\nb")).toBe(false);
    expect(compileSafeRegex("a.b", "s").test("a\nb")).toBe(true);
    expect(compileSafeRegex("a.b").test("a\nb")).toBe(false);
    expect(compileSafeRegex("b|c", "y").test("ab")).toBe(false);
    expect(compileSafeRegex("b|c", "y").test("cb")).toBe(true);
    const g = compileSafeRegex("a", "gdu");
    expect([g.test("a"), g.test("a"), g.test("a")]).toEqual([true, true, true]);
  });

  it("refuses backreferences and lookahead with the reason, naming the pattern", () => {
    for (const p of ["(a)\\1", "(?<x>a)\\k<x>", "a(?=b)", "a(?!b)"]) {
      const err = failure(p);
      expect(err.part).toBe("pattern");
      expect(err.message).toContain(JSON.stringify(p));
      expect(err.message).toContain("linear-time engine");
    }
    expect(failure("(a)\\1").message).toContain("backreference");
    expect(failure("a(?=b)").message).toContain("lookahead");
    // escaped or inside a class these are plain characters
    expect(unsupportedConstruct("\\\\1")).toBeUndefined();
    expect(unsupportedConstruct("[(?=]")).toBeUndefined();
    expect(compileSafeRegex("[(?=]").test("=")).toBe(true);
  });

  it("reports syntax errors and bad flags", () => {
    expect(failure("(unclosed").message).toContain("does not compile");
    expect(failure("a", "x").part).toBe("flags");
    expect(failure("a", "ii").part).toBe("flags");
    expect(failure("a", "v").message).toContain("set notation");
  });

  it("serves as ajv's regExp engine, keyed by source and flags", () => {
    const re = safeRegExpEngine("^a+$", "u");
    expect(re.test("aaa")).toBe(true);
    expect(String(re)).toBe("/^a+$/u");
    expect(typeof safeRegExpEngine.code).toBe("string");
  });
});
