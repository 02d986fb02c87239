import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

describe("regex", () => {
  it("scores 1 when the pattern matches", async () => {
    const s = await score("regex", { pattern: "\\bINV-\\d{4}\\b" }, "Your invoice INV-2031 is ready");
    expect(s.score).toBe(1);
    expect(s.details).toEqual({ match: "INV-2031", index: 13 });
    expect((await score("regex", { pattern: "\\bINV-\\d{4}\\b" }, "no invoice")).score).toBe(0);
  });

  it("honours flags", async () => {
    expect((await score("regex", { pattern: "^hello" }, "Hello")).score).toBe(0);
    expect((await score("regex", { pattern: "^hello", flags: "i" }, "Hello")).score).toBe(1);
    expect((await score("regex", { pattern: "^b", flags: "m" }, "a\nb")).score).toBe(1);
    expect((await score("regex", { pattern: "\\p{Emoji_Presentation}", flags: "u" }, "ok 👍")).score).toBe(1);
  });

  it("is stateless with the g flag across evaluations", async () => {
    const ev = await make("regex", { pattern: "a", flags: "g" });
    const c = { id: "c", input: "", tags: {} };
    const out = { text: "a", latencyMs: 1, attempts: 1 };
    for (let i = 0; i < 3; i++)
      expect((await ev.evaluate({ case: c, output: out, expected: undefined })).score).toBe(1);
  });

  it("expected: false means the output must not match", async () => {
    const s = await score(
      "regex",
      { pattern: "as an AI", flags: "i", expected: false },
      "As an AI model, I cannot",
    );
    expect(s.score).toBe(0);
    expect(s.reason).toContain("but must not");
    expect((await score("regex", { pattern: "as an AI", expected: false }, "Sure, here it is")).score).toBe(
      1,
    );
  });

  it("rejects bad patterns and flags at load time", async () => {
    const bad = await configError("regex", { pattern: "(unclosed" });
    expect(bad.field).toBe("pattern");
    expect(bad.message).toContain("does not compile");
    expect((await configError("regex", {})).field).toBe("pattern");
    expect((await configError("regex", { pattern: "a", flags: "x" })).field).toBe("flags");
    expect((await configError("regex", { pattern: "a", flags: "ii" })).field).toBe("flags");
    expect((await configError("regex", { pattern: "a", expected: "no" })).field).toBe("expected");
  });
});

describe("regex on the linear-time engine", () => {
  it("returns promptly on a pattern that backtracks catastrophically in JavaScript", async () => {
    const s = await score("regex", { pattern: "^(a+)+$" }, `${"a".repeat(40)}!`);
    expect(s.score).toBe(0);
  });

  it("rejects backreferences and lookahead at load time, naming the field", async () => {
    const backref = await configError("regex", { pattern: "(a)\\1" });
    expect(backref.field).toBe("pattern");
    expect(backref.message).toContain("backreference");
    expect((await configError("regex", { pattern: "a(?!b)" })).message).toContain("lookahead");
    expect((await configError("regex", { pattern: "a", flags: "v" })).field).toBe("flags");
  });

  it("is version 2", async () => {
    expect((await make("regex", { pattern: "a" })).version).toBe("2");
  });
});
