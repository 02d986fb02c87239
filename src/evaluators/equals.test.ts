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
