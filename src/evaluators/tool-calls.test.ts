import { describe, expect, it } from "vitest";
import type { Output } from "../core/output.ts";
import { configError, make, output, score } from "./test-support.ts";

const withCalls = (calls: { name: string; arguments: unknown }[]): Output =>
  output("done", { trace: { toolCalls: calls } });

describe("tool-calls", () => {
  const expected = [
    { name: "search", arguments: { query: "budget" } },
    { name: "update_task", arguments: { id: 7, status: "done" } },
  ];

  it("scores 1 when every expected call was made (any order, argument subset)", async () => {
    const out = withCalls([
      { name: "update_task", arguments: { id: 7, status: "done", note: "ok" } },
      { name: "search", arguments: { query: "budget", limit: 5 } },
    ]);
    const s = await score("tool-calls", {}, out, expected);
    expect(s.score).toBe(1);
    expect(s.reason).toBe("2/2 expected tool calls made");
  });

  it("gives partial credit and lists missing and unexpected calls", async () => {
    const out = withCalls([
      { name: "search", arguments: { query: "budget" } },
      { name: "delete_task", arguments: { id: 7 } },
    ]);
    const s = await score("tool-calls", {}, out, expected);
    expect(s.score).toBe(0.5);
    expect(s.reason).toBe(
      '1/2 expected tool calls made; missing: update_task({"id":7,"status":"done"}); unexpected: delete_task({"id":7})',
    );
    const penalized = await score("tool-calls", { extra: "penalize" }, out, expected);
    expect(penalized.score).toBeCloseTo(1 / 3, 12);
  });

  it("matches arguments exactly, as a subset, or not at all", async () => {
    const out = withCalls([{ name: "search", arguments: { query: "budget", limit: 5 } }]);
    const exp = [{ name: "search", arguments: { query: "budget" } }];
    expect((await score("tool-calls", {}, out, exp)).score).toBe(1);
    expect((await score("tool-calls", { arguments: "exact" }, out, exp)).score).toBe(0);
    expect(
      (await score("tool-calls", { arguments: "ignore" }, out, [{ name: "search", arguments: { q: 1 } }]))
        .score,
    ).toBe(1);
    expect(
      (await score("tool-calls", {}, out, [{ name: "search", arguments: { query: "other" } }])).score,
    ).toBe(0);
    expect((await score("tool-calls", {}, out, ["search"])).score).toBe(1);
  });

  it("parses JSON-string arguments (OpenAI style)", async () => {
    const out = withCalls([{ name: "search", arguments: '{"query":"budget","limit":5}' }]);
    expect(
      (await score("tool-calls", {}, out, [{ name: "search", arguments: { query: "budget" } }])).score,
    ).toBe(1);
  });

  it("finds the best assignment when calls could be paired greedily the wrong way", async () => {
    // The first expected call (no arguments) could take either actual call; a greedy pairing that
    // gives it search(q=a) leaves search(q=a) expected unmatched.
    const out = withCalls([
      { name: "search", arguments: { q: "a" } },
      { name: "search", arguments: { q: "b" } },
    ]);
    const s = await score("tool-calls", {}, out, [
      { name: "search" },
      { name: "search", arguments: { q: "a" } },
    ]);
    expect(s.score).toBe(1);
  });

  it("requires the expected order with ordered: true", async () => {
    const out = withCalls([
      { name: "update_task", arguments: { id: 7, status: "done" } },
      { name: "search", arguments: { query: "budget" } },
    ]);
    expect((await score("tool-calls", {}, out, expected)).score).toBe(1);
    const s = await score("tool-calls", { ordered: true }, out, expected);
    expect(s.score).toBe(0.5);
    expect(s.reason).toContain("1/2 expected tool calls made in order");
    const inOrder = withCalls([
      { name: "search", arguments: { query: "budget" } },
      { name: "noop", arguments: {} },
      { name: "update_task", arguments: { id: 7, status: "done" } },
    ]);
    expect((await score("tool-calls", { ordered: true }, inOrder, expected)).score).toBe(1);
  });

  it("reads tool calls from trace steps and from assistant messages", async () => {
    const steps = output("done", {
      trace: {
        steps: [
          { type: "message", message: { role: "assistant", content: "let me look" } },
          { type: "tool-call", toolCall: { name: "search", arguments: { query: "budget" } } },
          { type: "tool-result", result: [] },
        ],
      },
    });
    expect((await score("tool-calls", {}, steps, ["search"])).score).toBe(1);
    const messages = output("done", {
      trace: {
        messages: [{ role: "assistant", content: "", toolCalls: [{ name: "search", arguments: {} }] }],
      },
    });
    expect((await score("tool-calls", {}, messages, ["search"])).score).toBe(1);
  });

  it("finds expected calls in the case's toolCalls member or a chosen field", async () => {
    const out = withCalls([{ name: "search", arguments: {} }]);
    expect((await score("tool-calls", {}, out, { answer: "x", toolCalls: ["search"] })).score).toBe(1);
    expect(
      (await score("tool-calls", { field: "plan.calls" }, out, { plan: { calls: ["search"] } })).score,
    ).toBe(1);
    expect((await score("tool-calls", { expected: ["search"] }, out, undefined)).score).toBe(1);
  });

  it("treats an empty expected list as 'no tool calls'", async () => {
    expect((await score("tool-calls", {}, withCalls([]), [])).score).toBe(1);
    const s = await score("tool-calls", {}, withCalls([{ name: "rm", arguments: {} }]), []);
    expect(s.score).toBe(0);
    expect(s.reason).toBe("no tool calls expected, 1 made; unexpected: rm({})");
  });

  it("is unscored without expected calls, without a trace, or with malformed expected calls", async () => {
    expect((await score("tool-calls", {}, withCalls([]), undefined)).reason).toBe("no expected tool calls");
    expect((await score("tool-calls", {}, withCalls([]), { answer: "x" })).score).toBeNull();
    const noTrace = await score("tool-calls", {}, output("done"), ["search"]);
    expect(noTrace.score).toBeNull();
    expect(noTrace.reason).toContain("no trace");
    const bad = await score("tool-calls", {}, withCalls([]), [{ tool: "search" }]);
    expect(bad.score).toBeNull();
    expect(bad.reason).toContain("expected tool call 0");
  });

  it("validates options with their path", async () => {
    expect((await configError("tool-calls", { expected: [{ name: "a" }, { args: {} }] })).field).toBe(
      "expected.1",
    );
    expect((await configError("tool-calls", { expected: [{ name: "a", args: {} }] })).field).toBe(
      "expected.0.args",
    );
    expect((await configError("tool-calls", { expected: "search" })).field).toBe("expected");
    expect((await configError("tool-calls", { arguments: "loose" })).field).toBe("arguments");
    expect((await configError("tool-calls", { ordered: "yes" })).field).toBe("ordered");
    expect((await make("tool-calls", {})).config).toEqual({
      ordered: false,
      arguments: "subset",
      extra: "ignore",
    });
  });
});
