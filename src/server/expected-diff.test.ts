import { describe, expect, it } from "vitest";
import type { StoredOutput } from "../store/types.ts";
import { expectedDiffs } from "./expected-diff.ts";

const output = (epoch: number, text: string, extra: Partial<StoredOutput> = {}): StoredOutput => ({
  runId: "r",
  caseId: "c",
  epoch,
  createdAt: "2025-01-01T00:00:00.000Z",
  text,
  latencyMs: 1,
  attempts: 1,
  ...extra,
});

const side = (diff: Array<[-1 | 0 | 1, string]>, keep: -1 | 1) =>
  diff
    .filter(([op]) => op !== -keep)
    .map(([, t]) => t)
    .join("");

describe("expectedDiffs", () => {
  it("diffs expected text against the output word by word", () => {
    const [d] = expectedDiffs("the task is done", [output(0, "the task is not done")]);
    expect(d.epoch).toBe(0);
    expect(d.diff).toEqual([
      [0, "the task is "],
      [1, "not "],
      [0, "done"],
    ]);
  });

  it("compares expected fields with the output's JSON, both indented alike", () => {
    const [d] = expectedDiffs({ action: "complete", due: null }, [
      output(0, '{"action":"create","due":null}'),
    ]);
    // compact output JSON is re-indented: only the changed value differs
    expect(d.diff.filter(([op]) => op !== 0).map(([op, t]) => [op, t.trim()])).toEqual([
      [-1, '"complete",'],
      [1, '"create",'],
    ]);
    expect(side(d.diff, 1)).toBe('{\n  "action": "create",\n  "due": null\n}');
  });

  it("leaves out failed outputs and returns nothing without an expected value", () => {
    const failed = output(1, "", { error: { class: "timeout", message: "took too long" } });
    expect(expectedDiffs("x", [output(0, "x"), failed]).map((d) => d.epoch)).toEqual([0]);
    expect(expectedDiffs(undefined, [output(0, "x")])).toEqual([]);
  });

  it("shows non-JSON output as its text against expected fields", () => {
    const [d] = expectedDiffs({ a: 1 }, [output(0, "not json at all")]);
    expect(side(d.diff, 1)).toBe("not json at all");
    expect(side(d.diff, -1)).toBe('{\n  "a": 1\n}');
  });
});
