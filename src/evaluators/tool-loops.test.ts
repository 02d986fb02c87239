import { describe, expect, it } from "vitest";
import type { ToolCall } from "../core/case.ts";
import { configError, output, score } from "./test-support.ts";
import { canonicalJson } from "./tool-loops.ts";

const withCalls = (calls: ToolCall[]) => output("done", { trace: { toolCalls: calls } });

describe("tool-loops", () => {
  it("scores 1 while identical calls stay within maxRepeats (default 2)", async () => {
    const s = await score(
      "tool-loops",
      {},
      withCalls([
        { name: "search", arguments: { q: "a", n: 1 } },
        { name: "search", arguments: { n: 1, q: "a" } },
        { name: "search", arguments: { q: "b" } },
      ]),
    );
    expect(s.score).toBe(1);
    expect(s.reason).toBe("no repeated tool call beyond 2 (most: 2 identical calls)");
  });

  it("scores 0 naming the tool when the same call repeats more than maxRepeats times", async () => {
    const calls = [
      { name: "lookup_order", arguments: { id: "A1" } },
      { name: "lookup_order", arguments: '{"id":"A1"}' },
      { name: "lookup_order", arguments: { id: "A1" } },
      { name: "refund", arguments: {} },
    ];
    const s = await score("tool-loops", {}, withCalls(calls));
    expect(s.score).toBe(0);
    expect(s.reason).toBe('tool loop: lookup_order({"id":"A1"}) called 3 times (max 2 identical calls)');
    expect(s.details?.loops).toEqual([{ name: "lookup_order", arguments: { id: "A1" }, count: 3 }]);
    expect((await score("tool-loops", { maxRepeats: 3 }, withCalls(calls))).score).toBe(1);
  });

  it("scores 1 with no tool calls and is unscored without a trace", async () => {
    const none = await score("tool-loops", {}, withCalls([]));
    expect([none.score, none.reason]).toEqual([1, "no tool calls"]);
    expect((await score("tool-loops", {}, "plain")).score).toBeNull();
  });

  it("compares arguments as JSON values", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it("validates maxRepeats", async () => {
    expect((await configError("tool-loops", { maxRepeats: 0 })).field).toBe("maxRepeats");
    expect((await configError("tool-loops", { maxRepeats: "2" })).field).toBe("maxRepeats");
  });
});
