import { describe, expect, it } from "vitest";
import { configError, output, score } from "./test-support.ts";

describe("json-valid", () => {
  it("scores valid JSON 1 and anything else 0", async () => {
    expect((await score("json-valid", {}, '{"a": 1}')).score).toBe(1);
    expect((await score("json-valid", {}, " [1, 2] \n")).score).toBe(1);
    expect((await score("json-valid", {}, "42")).score).toBe(1);
    const bad = await score("json-valid", {}, '{"a": 1,}');
    expect(bad).toEqual({ score: 0, reason: "output is not JSON" });
    expect((await score("json-valid", {}, "")).score).toBe(0);
    expect((await score("json-valid", {}, '```json\n{"a":1}\n```')).score).toBe(0);
  });

  it("uses the engine's parsed json when present", async () => {
    expect((await score("json-valid", {}, output("ignored", { json: { a: 1 } }))).score).toBe(1);
  });

  it("can require an object or an array", async () => {
    expect((await score("json-valid", { type: "object" }, '{"a": 1}')).score).toBe(1);
    const arr = await score("json-valid", { type: "object" }, "[1]");
    expect(arr.score).toBe(0);
    expect(arr.reason).toBe("output is JSON but an array, not an object");
    expect((await score("json-valid", { type: "object" }, '"x"')).reason).toBe(
      "output is JSON but a string, not an object",
    );
    expect((await score("json-valid", { type: "array" }, "[]")).score).toBe(1);
    expect((await configError("json-valid", { type: "list" })).field).toBe("type");
  });
});
