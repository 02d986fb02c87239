import { describe, expect, it } from "vitest";
import type { Trace } from "../core/output.ts";
import { configError, output, score } from "./test-support.ts";

const a = (content = "") => ({ role: "assistant" as const, content });
const traced = (trace: Trace) => output("answer", { trace });

const agentTrace: Trace = {
  steps: [
    { type: "message", message: a() },
    { type: "tool-call", toolCall: { name: "search", arguments: {} } },
    { type: "tool-result", toolCall: { name: "search", arguments: {} }, result: "x", isError: true },
    { type: "message", message: a() },
    { type: "tool-call", toolCall: { name: "search", arguments: {} } },
    { type: "tool-result", toolCall: { name: "search", arguments: {} }, result: "y" },
    { type: "message", message: a("done") },
  ],
  toolCalls: [
    { name: "search", arguments: {} },
    { name: "search", arguments: {} },
  ],
};

describe("trace-steps", () => {
  it("scores 1 when the model calls are within maxSteps, 0 beyond, with the counts", async () => {
    const ok = await score("trace-steps", { maxSteps: 3 }, traced(agentTrace));
    expect(ok.score).toBe(1);
    expect(ok.reason).toBe("3 model calls, within 3");
    expect(ok.details).toEqual({
      counted: "model-calls",
      maxSteps: 3,
      modelCalls: 3,
      toolCalls: 2,
      toolErrors: 1,
      steps: 7,
    });
    const over = await score("trace-steps", { maxSteps: 2 }, traced(agentTrace));
    expect(over.score).toBe(0);
    expect(over.reason).toBe("3 model calls, over the limit of 2");
  });

  it("counts tool calls or every step when asked", async () => {
    expect((await score("trace-steps", { maxSteps: 2, count: "tool-calls" }, traced(agentTrace))).score).toBe(
      1,
    );
    const steps = await score("trace-steps", { maxSteps: 6, count: "steps" }, traced(agentTrace));
    expect(steps.score).toBe(0);
    expect(steps.reason).toBe("7 steps, over the limit of 6");
  });

  it("counts assistant messages when the trace has no steps", async () => {
    const s = await score(
      "trace-steps",
      { maxSteps: 1 },
      traced({ messages: [{ role: "user", content: "q" }, a("x"), a("y")] }),
    );
    expect(s.score).toBe(0);
    expect(s.details?.modelCalls).toBe(2);
  });

  it("scores 0 when the target's loop ran out of steps", async () => {
    const s = await score("trace-steps", { maxSteps: 10 }, traced({ ...agentTrace, maxStepsReached: true }));
    expect(s.score).toBe(0);
    expect(s.reason).toContain("step limit");
  });

  it("is unscored without a trace, or without what it counts", async () => {
    expect((await score("trace-steps", { maxSteps: 3 }, "plain")).score).toBeNull();
    const s = await score("trace-steps", { maxSteps: 3, count: "steps" }, traced({ toolCalls: [] }));
    expect(s.score).toBeNull();
    expect(s.reason).toBe("the trace does not record its steps");
    expect((await score("trace-steps", { maxSteps: 3 }, traced({ toolCalls: [] }))).score).toBeNull();
  });

  it("validates its options", async () => {
    expect((await configError("trace-steps", {})).field).toBe("maxSteps");
    expect((await configError("trace-steps", { maxSteps: 0 })).field).toBe("maxSteps");
    expect((await configError("trace-steps", { maxSteps: 1.5 })).field).toBe("maxSteps");
    expect((await configError("trace-steps", { maxSteps: 2, count: "tokens" })).field).toBe("count");
  });
});
