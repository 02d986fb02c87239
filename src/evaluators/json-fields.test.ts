import { describe, expect, it } from "vitest";
import type { FieldResult } from "./json-fields.ts";
import { configError, make, score } from "./test-support.ts";

const exp = { title: "Budget review", priority: "high", due: "2025-03-01" };

describe("json-fields", () => {
  it("gives partial credit: the share of matching fields", async () => {
    const s = await score(
      "json-fields",
      { fields: ["title", "priority", "due"] },
      '{"title":"Budget review","priority":"low","due":"2025-03-01"}',
      exp,
    );
    expect(s.score).toBeCloseTo(2 / 3, 12);
    expect(s.reason).toBe('2/3 fields match; priority: expected "high", got "low"');
    const fields = (s.details as { fields: Record<string, FieldResult> }).fields;
    expect(fields.priority).toEqual({ expected: "high", actual: "low", match: false, weight: 1 });
    expect(fields.title.match).toBe(true);
  });

  it("weights fields", async () => {
    const s = await score(
      "json-fields",
      { fields: [{ name: "title", weight: 3 }, "priority"] },
      '{"title":"Budget review","priority":"low"}',
      exp,
    );
    expect(s.score).toBe(0.75);
    expect(s.reason).toContain("1/2 fields match (weighted 0.75)");
  });

  it("skips fields without an expected value", async () => {
    const s = await score(
      "json-fields",
      { fields: ["title", "assignee"] },
      '{"title":"Budget review","assignee":"bo"}',
      exp,
    );
    expect(s.score).toBe(1);
    expect(s.reason).toBe("title matches");
    expect((s.details as { skipped: string[] }).skipped).toEqual(["assignee"]);
  });

  it("is unscored when no field has an expected value", async () => {
    const s = await score("json-fields", { fields: ["assignee", "labels"] }, "{}", exp);
    expect(s.score).toBeNull();
    expect(s.reason).toBe("no expected value for any of assignee, labels");
    expect((await score("json-fields", { fields: ["a"] }, "{}", undefined)).score).toBeNull();
    expect((await score("json-fields", { fields: ["a"] }, "{}", "text")).reason).toContain(
      "is not an object",
    );
  });

  it("marks missing fields and scores non-JSON output 0 with per-field details", async () => {
    const missing = await score(
      "json-fields",
      { fields: ["title", "due"] },
      '{"title":"Budget review"}',
      exp,
    );
    expect(missing.score).toBe(0.5);
    expect((missing.details as { fields: Record<string, FieldResult> }).fields.due).toEqual({
      expected: "2025-03-01",
      actual: undefined,
      match: false,
      weight: 1,
      missing: true,
    });
    const notJson = await score(
      "json-fields",
      { fields: ["title", "due"] },
      "Budget review, due March 1",
      exp,
    );
    expect(notJson.score).toBe(0);
    expect(notJson.reason).toBe("output is not JSON");
    expect((notJson.details as { outputIsJson: boolean }).outputIsJson).toBe(false);
  });

  it("applies coercion and case options to every field", async () => {
    const s = await score(
      "json-fields",
      { fields: ["n", "flag"], coerce: "string", caseInsensitive: true },
      '{"n":3,"flag":"TRUE"}',
      { n: "3", flag: true },
    );
    expect(s.score).toBe(1);
  });

  it("uses with.expected as the object of expected values", async () => {
    expect(
      (await score("json-fields", { fields: ["a"], expected: { a: 1 } }, '{"a":1}', { a: 2 })).score,
    ).toBe(1);
    expect((await configError("json-fields", { fields: ["a"], expected: "x" })).field).toBe("expected");
  });

  it("rejects bad field lists with their path", async () => {
    expect((await configError("json-fields", {})).field).toBe("fields");
    expect((await configError("json-fields", { fields: [] })).field).toBe("fields");
    expect((await configError("json-fields", { fields: ["a", 2] })).field).toBe("fields.1");
    expect((await configError("json-fields", { fields: ["a", "a"] })).message).toContain(
      'repeats the field "a"',
    );
    expect((await configError("json-fields", { fields: [{ name: "a", weight: -1 }] })).field).toBe(
      "fields.0.weight",
    );
    expect((await configError("json-fields", { fields: [{ name: "a", wieght: 2 }] })).field).toBe(
      "fields.0.wieght",
    );
    expect((await configError("json-fields", { fields: [{ weight: 2 }] })).field).toBe("fields.0.name");
    expect((await configError("json-fields", { fields: [{ name: "a", weight: 0 }] })).field).toBe("fields");
  });

  it("pins normalised field specs", async () => {
    expect((await make("json-fields", { fields: ["a", { name: "b", weight: 2 }] })).config.fields).toEqual([
      { name: "a", weight: 1 },
      { name: "b", weight: 2 },
    ]);
  });
});
