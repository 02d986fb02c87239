import { describe, expect, it } from "vitest";
import { getPath, isValidPath, parsePath } from "./path.ts";

describe("getPath", () => {
  const obj = { a: { b: [{ c: 1 }, { c: 2, d: null }] }, "0": "zero", list: ["x", "y"] };

  it("follows dotted paths through objects and arrays", () => {
    expect(getPath(obj, "a.b.0.c")).toBe(1);
    expect(getPath(obj, "a.b.1.c")).toBe(2);
    expect(getPath(obj, "list.1")).toBe("y");
    expect(getPath(obj, "a.b.1.d")).toBeNull();
  });

  it("gives undefined for missing steps, out-of-range and non-numeric indices", () => {
    expect(getPath(obj, "a.x.c")).toBeUndefined();
    expect(getPath(obj, "a.b.2.c")).toBeUndefined();
    expect(getPath(obj, "list.first")).toBeUndefined();
    expect(getPath(obj, "list.01")).toBeUndefined();
    expect(getPath(obj, "a.b.0.c.d")).toBeUndefined();
    expect(getPath("text", "length")).toBeUndefined();
    expect(getPath(undefined, "a")).toBeUndefined();
  });

  it("reads numeric keys of objects and never reaches the prototype", () => {
    expect(getPath(obj, "0")).toBe("zero");
    expect(getPath(obj, "constructor")).toBeUndefined();
    expect(getPath(obj, "a.__proto__")).toBeUndefined();
    expect(getPath(obj, "a.toString")).toBeUndefined();
  });

  it("returns the value itself for the empty path, and accepts segment lists", () => {
    expect(getPath(obj, "")).toBe(obj);
    expect(getPath({ "a.b": 1 }, ["a.b"])).toBe(1);
    expect(parsePath("a.b.0")).toEqual(["a", "b", "0"]);
  });

  it("validates paths", () => {
    expect(isValidPath("a.b.0")).toBe(true);
    expect(isValidPath("")).toBe(false);
    expect(isValidPath("a..b")).toBe(false);
    expect(isValidPath(".a")).toBe(false);
  });
});
