import { describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

describe("contains", () => {
  it("finds a single value", async () => {
    expect((await score("contains", { value: "refund" }, "We will refund you.")).score).toBe(1);
    const s = await score("contains", { value: "refund" }, "We cannot help.");
    expect(s.score).toBe(0);
    expect(s.reason).toBe('output contains none of "refund"');
  });

  it("mode any needs one value, mode all needs every value", async () => {
    const text = "Order 123 shipped via DHL";
    expect((await score("contains", { values: ["UPS", "DHL"] }, text)).score).toBe(1);
    const all = await score("contains", { values: ["123", "UPS", "DHL"], mode: "all" }, text);
    expect(all.score).toBe(0);
    expect(all.reason).toBe('output is missing "UPS"');
    expect(all.details).toEqual({ found: ["123", "DHL"], missing: ["UPS"], mode: "all" });
    expect((await score("contains", { values: ["123", "DHL"], mode: "all" }, text)).score).toBe(1);
  });

  it("is case-sensitive unless caseInsensitive", async () => {
    expect((await score("contains", { value: "dhl" }, "via DHL")).score).toBe(0);
    expect((await score("contains", { value: "dhl", caseInsensitive: true }, "via DHL")).score).toBe(1);
    expect((await score("contains", { value: "ÉTÉ", caseInsensitive: true }, "un bel été")).score).toBe(1);
  });

  it("falls back to the case's expected string or list", async () => {
    expect((await score("contains", {}, "the answer is Paris", "Paris")).score).toBe(1);
    expect((await score("contains", { mode: "all" }, "red and blue", ["red", "blue"])).score).toBe(1);
    const none = await score("contains", {}, "x", undefined);
    expect(none.score).toBeNull();
    const obj = await score("contains", {}, "x", { a: 1 });
    expect(obj.score).toBeNull();
    expect(obj.reason).toContain("is not a string or a list of strings");
  });

  it("rejects bad options with their path", async () => {
    expect((await configError("contains", { values: [] })).field).toBe("values");
    expect((await configError("contains", { values: ["a", 3] })).field).toBe("values.1");
    expect((await configError("contains", { value: "" })).field).toBe("value");
    expect((await configError("contains", { value: "a", values: ["b"] })).field).toBe("values");
    const mode = await configError("contains", { value: "a", mode: "some" });
    expect(mode.field).toBe("mode");
    expect(mode.message).toContain('must be one of "any", "all"');
  });

  it("pins values and mode", async () => {
    expect((await make("contains", { value: "a" })).config).toEqual({
      values: ["a"],
      mode: "any",
      caseInsensitive: false,
    });
  });
  it("reads the values from a field of the expected value, and checks the start or the end on request", async () => {
    const exp = { match: ["Paris", "paris"], other: "x" };
    expect((await score("contains", { field: "match" }, "It is Paris.", exp)).score).toBe(1);
    const missing = await score("contains", { field: "nope" }, "Paris", exp);
    expect(missing.score).toBeNull();
    expect(missing.reason).toBe("no expected value for nope");
    expect((await score("contains", { position: "start" }, "Paris, France", ["Lyon", "Paris"])).score).toBe(
      1,
    );
    const late = await score("contains", { position: "start" }, "It is Paris", "Paris");
    expect(late.score).toBe(0);
    expect(late.reason).toContain("starts with none of");
    expect((await score("contains", { position: "end", value: "." }, "Done.", undefined)).score).toBe(1);
    expect((await score("contains", { position: "end", value: "." }, "Done!", undefined)).score).toBe(0);
    expect((await configError("contains", { field: "a", value: "b" })).field).toBe("field");
    expect((await configError("contains", { position: "middle" })).field).toBe("position");
    expect((await make("contains", { field: "a", position: "start" })).config).toEqual({
      mode: "any",
      caseInsensitive: false,
      field: "a",
      position: "start",
    });
  });
});
