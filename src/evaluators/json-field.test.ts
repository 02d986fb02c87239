import { describe, expect, it } from "vitest";
import { configError, make, output, score, testCase } from "./test-support.ts";

describe("json-field", () => {
  const exp = { action: "complete", priority: 3, due: { date: "2025-03-01" }, done: true };

  it("compares one field with the same field of the case's expected object", async () => {
    const ok = await score("json-field", { field: "action" }, '{"action":"complete","title":"x"}', exp);
    expect(ok.score).toBe(1);
    expect(ok.details).toEqual({ field: "action", expected: "complete", actual: "complete", match: true });
    const bad = await score("json-field", { field: "action" }, '{"action":"create"}', exp);
    expect(bad.score).toBe(0);
    expect(bad.reason).toBe('action: expected "complete", got "create"');
  });

  it("follows dotted paths on both sides", async () => {
    expect(
      (await score("json-field", { field: "due.date" }, '{"due":{"date":"2025-03-01"}}', exp)).score,
    ).toBe(1);
    const missing = await score("json-field", { field: "due.date" }, '{"due":"2025-03-01"}', exp);
    expect(missing.score).toBe(0);
    expect(missing.reason).toBe('due.date: expected "2025-03-01", got nothing');
  });

  it("with.expected overrides the case", async () => {
    expect(
      (await score("json-field", { field: "action", expected: "delete" }, '{"action":"delete"}', exp)).score,
    ).toBe(1);
    expect(
      (await score("json-field", { field: "action", expected: "delete" }, '{"action":"complete"}', exp))
        .score,
    ).toBe(0);
  });

  it("accepts an expected value that is already the field's value", async () => {
    const ev = await make("json-field", { field: "action" });
    const s = await ev.evaluate({
      case: testCase(exp),
      output: output('{"action":"complete"}'),
      expected: "complete",
    });
    expect(s.score).toBe(1);
  });

  it("is strict about types unless coerced", async () => {
    expect((await score("json-field", { field: "priority" }, '{"priority":"3"}', exp)).score).toBe(0);
    expect(
      (await score("json-field", { field: "priority", coerce: "number" }, '{"priority":" 3 "}', exp)).score,
    ).toBe(1);
    expect(
      (await score("json-field", { field: "priority", coerce: "string" }, '{"priority":"3"}', exp)).score,
    ).toBe(1);
    expect(
      (await score("json-field", { field: "done", coerce: "boolean" }, '{"done":"Yes"}', exp)).score,
    ).toBe(1);
    expect(
      (await score("json-field", { field: "done", coerce: "boolean" }, '{"done":"maybe"}', exp)).score,
    ).toBe(0);
    expect(
      (await score("json-field", { field: "priority", coerce: "number" }, '{"priority":"three"}', exp)).score,
    ).toBe(0);
  });

  it("trims and folds case on request", async () => {
    expect((await score("json-field", { field: "action" }, '{"action":" Complete "}', exp)).score).toBe(0);
    expect(
      (
        await score(
          "json-field",
          { field: "action", trim: true, caseInsensitive: true },
          '{"action":" Complete "}',
          exp,
        )
      ).score,
    ).toBe(1);
  });

  it("matches an expected null by null or by an absent field", async () => {
    expect((await score("json-field", { field: "due" }, '{"due":null}', { due: null })).score).toBe(1);
    expect((await score("json-field", { field: "due" }, "{}", { due: null })).score).toBe(1);
    expect((await score("json-field", { field: "due" }, '{"due":"2025"}', { due: null })).score).toBe(0);
  });

  it("scores 0 for output that is not JSON", async () => {
    const s = await score("json-field", { field: "action" }, "I completed it", exp);
    expect(s.score).toBe(0);
    expect(s.reason).toBe("output is not JSON");
  });

  it("says so when the output JSON is not an object", async () => {
    const s = await score("json-field", { field: "action" }, '"complete"', exp);
    expect(s.score).toBe(0);
    expect(s.reason).toContain("output JSON is not an object");
  });

  it("is unscored when the case has no expected value for the field", async () => {
    const s = await score("json-field", { field: "title" }, '{"title":"x"}', exp);
    expect(s).toEqual({
      score: null,
      reason: "no expected value for title",
      details: { unscored: "no-expected" },
    });
    expect((await score("json-field", { field: "title" }, '{"title":"x"}', undefined)).score).toBeNull();
  });

  it("rejects bad options with their path", async () => {
    expect((await configError("json-field", {})).field).toBe("field");
    expect((await configError("json-field", { field: "" })).field).toBe("field");
    expect((await configError("json-field", { field: 3 })).message).toContain('"field" must be a string');
    expect((await configError("json-field", { field: "a", coerce: "int" })).field).toBe("coerce");
    expect((await configError("json-field", { field: "a", trim: 1 })).field).toBe("trim");
  });

  it("pins its options", async () => {
    expect((await make("json-field", { field: "action", coerce: "string" })).config).toEqual({
      field: "action",
      coerce: "string",
      caseInsensitive: false,
      trim: false,
    });
  });
});
