import { describe, expect, it } from "vitest";
import { configError, make, output, score } from "./test-support.ts";

describe("equals", () => {
  it("compares text after trimming by default", async () => {
    expect((await score("equals", {}, "  complete\n", "complete")).score).toBe(1);
    const miss = await score("equals", {}, "create", "complete");
    expect(miss.score).toBe(0);
    expect(miss.reason).toBe('expected "complete", got "create"');
  });

  it("is case- and whitespace-sensitive unless told otherwise", async () => {
    expect((await score("equals", {}, "Complete", "complete")).score).toBe(0);
    expect((await score("equals", { caseInsensitive: true }, "Complete", "complete")).score).toBe(1);
    expect((await score("equals", {}, "a  b", "a b")).score).toBe(0);
    expect((await score("equals", { collapseWhitespace: true }, "a \n\t b", "a b")).score).toBe(1);
    expect((await score("equals", { trim: false }, " a", "a")).score).toBe(0);
  });

  it("strips Unicode punctuation on request", async () => {
    expect((await score("equals", { stripPunctuation: true }, "Done!", "done.")).score).toBe(0);
    expect(
      (await score("equals", { stripPunctuation: true, caseInsensitive: true }, "«Done!»", "done")).score,
    ).toBe(1);
  });

  it("treats NFC and NFD spellings as equal", async () => {
    expect((await score("equals", {}, "nai\u0308ve", "na\u00efve")).score).toBe(1);
  });

  it("accepts a JSON string output equal to the expected text", async () => {
    expect((await score("equals", {}, '"complete"', "complete")).score).toBe(1);
  });

  it("compares JSON values deeply when the expected value is not a string", async () => {
    const exp = { action: "complete", tags: ["a", "b"], n: 1 };
    expect((await score("equals", {}, '{"n":1,"tags":["a","b"],"action":"complete"}', exp)).score).toBe(1);
    expect((await score("equals", {}, '{"n":1,"tags":["b","a"],"action":"complete"}', exp)).score).toBe(0);
    expect(
      (await score("equals", {}, '{"n":1,"tags":["a","b"],"action":"complete","x":null}', exp)).score,
    ).toBe(0);
    expect(
      (await score("equals", { caseInsensitive: true }, '{"n":1,"tags":["A","B"],"action":"COMPLETE"}', exp))
        .score,
    ).toBe(1);
    expect((await score("equals", {}, "42", 42)).score).toBe(1);
    expect((await score("equals", {}, "true", false)).score).toBe(0);
  });

  it("scores 0 when an object is expected and the output is not JSON", async () => {
    const s = await score("equals", {}, "the action is complete", { action: "complete" });
    expect(s.score).toBe(0);
    expect(s.reason).toContain("output is not JSON");
  });

  it("uses with.expected over the case, and with.field to pick from the case", async () => {
    expect((await score("equals", { expected: "yes" }, "yes", "no")).score).toBe(1);
    expect(
      (await score("equals", { field: "answer.text" }, "Paris", { answer: { text: "Paris" } })).score,
    ).toBe(1);
  });

  it("is unscored without an expected value", async () => {
    const s = await score("equals", {}, "x", undefined);
    expect(s.score).toBeNull();
    expect(s.reason).toBe("no expected value");
    const f = await score("equals", { field: "answer" }, "x", { other: 1 });
    expect(f.score).toBeNull();
    expect(f.reason).toBe("no expected value for answer");
  });

  it("pins its normalisation in the config and rejects bad options", async () => {
    expect((await make("equals", { caseInsensitive: true })).config).toEqual({
      trim: true,
      caseInsensitive: true,
      collapseWhitespace: false,
      stripPunctuation: false,
    });
    const e = await configError("equals", { trim: "yes" });
    expect(e.field).toBe("trim");
    expect(e.message).toContain('"trim" must be true or false');
    expect((await configError("equals", { field: "a", expected: "b" })).field).toBe("field");
    expect((await configError("equals", { field: "a..b" })).field).toBe("field");
  });

  it("removes every match of the ignore patterns from both sides first (lm-eval regexes_to_ignore)", async () => {
    const gsm = { ignore: [",", "\\$", "(?s).*#### ", "\\.$"], caseInsensitive: true, trim: false };
    expect((await score("equals", gsm, "$1,200.", "She pays 2 * 600 = 1200\n#### 1,200")).score).toBe(1);
    expect((await score("equals", gsm, "1201", "#### 1200")).score).toBe(0);
    // only when asked: without the patterns the texts differ
    expect((await score("equals", { trim: false }, "$1,200.", "1200")).score).toBe(0);
    // a Python-style inline flag works on the linear-time engine; a backreference is refused
    expect((await configError("equals", { ignore: ["(a)\\1"] })).field).toBe("ignore.0");
  });

  it("extracts the selected match (first, last; first non-empty group) before comparing", async () => {
    const strict = { extract: { pattern: "#### (\\-?[0-9\\.\\,]+)" } };
    const s = await score("equals", strict, "12 + 60 = 72\n#### 72", "72");
    expect(s.score).toBe(1);
    expect(s.details).toEqual({ extracted: "72" });
    const none = await score("equals", strict, "The answer is 72", "72");
    expect(none.score).toBe(0);
    expect(none.reason).toContain("no match");
    // lm-eval's flexible-extract: the last match, as the first group that matched
    const flexible = { extract: { pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)", select: -1 } };
    expect((await score("equals", flexible, "48 then 24, so 7", "7")).score).toBe(1);
    expect((await score("equals", flexible, "48 then 24, so 7", "48")).score).toBe(0);
    expect(
      (await score("equals", { extract: { pattern: "[0-9]+", select: 1 } }, "a1 b22 c3", "22")).score,
    ).toBe(1);
    expect((await configError("equals", { extract: { pattern: "(" } })).field).toBe("extract.pattern");
    expect((await configError("equals", { extract: { pattern: "x", select: 0.5 } })).field).toBe(
      "extract.select",
    );
  });

  it("negates on request (1 when the output differs), and stays unscored without an expected value", async () => {
    expect((await score("equals", { negate: true }, "no", "yes")).score).toBe(1);
    const same = await score("equals", { negate: true }, "yes", "yes");
    expect(same.score).toBe(0);
    expect(same.reason).toContain("must not");
    expect((await score("equals", { negate: true }, "x", undefined)).score).toBeNull();
  });

  it("keeps the config (and so the evaluator id) of suites that use none of the newer options", async () => {
    expect(Object.keys((await make("equals", { negate: false })).config).sort()).toEqual(
      ["caseInsensitive", "collapseWhitespace", "stripPunctuation", "trim"].sort(),
    );
    expect((await make("equals", { negate: true, ignore: [","] })).config).toMatchObject({
      negate: true,
      ignore: [","],
    });
  });

  it("evaluates an output object directly", async () => {
    const ev = await make("equals", {});
    const s = await ev.evaluate({
      case: { id: "x", input: "", tags: {} },
      output: output("ok"),
      expected: "ok",
    });
    expect(s).toEqual({ score: 1, reason: 'output equals "ok"' });
  });
});
