import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

describe("token-f1", () => {
  it("scores SQuAD token F1 against the expected text", async () => {
    const s = await score("token-f1", {}, "the cat cat sat", "a cat sat on the mat");
    expect(s.score).toBeCloseTo(0.5714285714285715, 12);
    expect(s.details).toMatchObject({ precision: 2 / 3, recall: 0.5, exactMatch: 0 });
    expect(s.reason).toBe("token F1 0.57 (precision 0.67, recall 0.50)");
  });

  it("is 1 for an exact match after normalisation", async () => {
    const s = await score("token-f1", {}, "The Eiffel Tower", "Eiffel tower.");
    expect(s.score).toBe(1);
    expect(s.reason).toContain("exact match");
  });

  it("takes the best of several references", async () => {
    const s = await score("token-f1", {}, "Barack Obama", ["Obama", "President Barack Hussein Obama"]);
    expect(s.score).toBeCloseTo(2 / 3, 12);
    expect(s.details?.reference).toBe(0);
  });

  it("applies the SQuAD v2.0 empty rule by default, v1.1 on request", async () => {
    expect((await score("token-f1", {}, "", "")).score).toBe(1);
    expect((await score("token-f1", { emptyRule: "v1.1" }, "", "")).score).toBe(0);
    expect((await score("token-f1", {}, "something", "")).score).toBe(0);
  });

  it("picks a field of the expected object, and is unscored without text to compare", async () => {
    expect(
      (await score("token-f1", { field: "answer" }, "Paris", { answer: "Paris, France" })).score,
    ).toBeCloseTo(2 / 3, 12);
    expect((await score("token-f1", {}, "x", undefined)).reason).toBe("no expected value");
    const obj = await score("token-f1", {}, "x", { answer: "Paris" });
    expect(obj.score).toBeNull();
    expect(obj.reason).toContain('pick a field of it with "field"');
    expect((await score("token-f1", {}, "42", 42)).score).toBe(1);
  });

  it("validates options", async () => {
    expect((await configError("token-f1", { emptyRule: "v3" })).field).toBe("emptyRule");
    expect((await make("token-f1", { field: "answer" })).config).toEqual({
      field: "answer",
      emptyRule: "v2.0",
    });
  });
});
