import { describe, expect, it } from "vitest";
import { formatLocated, InputError } from "./errors.ts";

describe("InputError", () => {
  it("formats file:line:column field: message", () => {
    const err = new InputError("expected number, got string", {
      file: "/tmp/x/assay.yaml",
      line: 12,
      column: 5,
      field: "dimensions.tone.weight",
    });
    expect(err.message).toBe("/tmp/x/assay.yaml:12:5 dimensions.tone.weight: expected number, got string");
    expect(err.name).toBe("InputError");
    expect(err).toBeInstanceOf(Error);
    expect([err.file, err.line, err.column, err.field]).toEqual([
      "/tmp/x/assay.yaml",
      12,
      5,
      "dimensions.tone.weight",
    ]);
  });

  it("leaves out what is not known", () => {
    expect(formatLocated("bad", { file: "a.jsonl", line: 3 })).toBe("a.jsonl:3 bad");
    expect(formatLocated("bad", { file: "a.jsonl" })).toBe("a.jsonl bad");
    expect(formatLocated("bad", { file: "a.jsonl", field: "id" })).toBe("a.jsonl id: bad");
    expect(formatLocated("bad", { field: "id" })).toBe("id: bad");
    expect(formatLocated("bad", {})).toBe("bad");
    // a column without a line means nothing
    expect(formatLocated("bad", { file: "a.yaml", column: 4 })).toBe("a.yaml bad");
    // a line without a file cannot be located
    expect(new InputError("bad", { line: 2 }).message).toBe("bad");
  });
});
