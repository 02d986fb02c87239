import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../../src/core/case.ts";
import { createLlmTarget, type LlmTargetSpec } from "../../../src/targets/llm/index.ts";
import { ctxFor, makeCase } from "../support/helpers.ts";
import { FakeChatClient, fakeFactory, RUNTIME, reply } from "./support.ts";

const SYSTEM = { role: "system" as const, content: "You are a support agent." };

function build(spec: Partial<LlmTargetSpec>, clients: FakeChatClient[]) {
  const { factory } = fakeFactory(Object.fromEntries(clients.map((c) => [`${c.provider}:${c.model}`, c])));
  return createLlmTarget(
    { id: "agent", provider: "openai:gpt-4o-mini", messages: [SYSTEM], ...spec },
    { baseDir: process.cwd(), runtime: RUNTIME, clientFactory: factory },
  );
}

describe("scripted turns", () => {
  it("plays each turn in order, calling the model after each, keeping the conversation", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [reply("A1"), reply("A2"), reply("A3")]);
    const t = build({}, [model]);
    const res = await t.call(ctxFor(makeCase({ input: { turns: ["U1", "U2", "U3"] } })));
    expect(model.requests).toHaveLength(3);
    const u = (content: string): ChatMessage => ({ role: "user", content });
    const a = (content: string): ChatMessage => ({ role: "assistant", content });
    expect(model.requests.map((r) => r.messages)).toEqual([
      [SYSTEM, u("U1")],
      [SYSTEM, u("U1"), a("A1"), u("U2")],
      [SYSTEM, u("U1"), a("A1"), u("U2"), a("A2"), u("U3")],
    ]);
    // the session is the output: the final answer, with every turn in the trace
    expect(res.output).toBe("A3");
    expect(res.trace?.messages).toEqual([SYSTEM, u("U1"), a("A1"), u("U2"), a("A2"), u("U3"), a("A3")]);
    expect(res.trace?.steps?.map((s) => s.message?.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    expect(res.usage).toEqual({ inputTokens: 30, outputTokens: 15 });
  });

  it("continues a { messages } history with scripted turns", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [reply("A2")]);
    const t = build({}, [model]);
    const history: ChatMessage[] = [
      { role: "user", content: "U1" },
      { role: "assistant", content: "A1" },
    ];
    const res = await t.call(ctxFor(makeCase({ input: { messages: history, turns: ["U2"] } })));
    expect(model.requests.map((r) => r.messages)).toEqual([
      [SYSTEM, ...history, { role: "user", content: "U2" }],
    ]);
    expect(res.output).toBe("A2");
  });
});

describe("simulated user", () => {
  const user = {
    provider: "openai:gpt-4o",
    persona: "an impatient customer",
    goal: "find out where order A1 is",
    maxTurns: 5,
    stop: "[DONE]",
  };

  it("talks until it says the stop token; its usage is not the target's", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      reply("Which order?", { usage: { inputTokens: 10, outputTokens: 3 }, costUsd: 0.001 }),
      reply("A1 has shipped.", { usage: { inputTokens: 20, outputTokens: 4 }, costUsd: 0.002 }),
    ]);
    const sim = new FakeChatClient("openai:gpt-4o", [
      reply("Order A1, please.", { usage: { inputTokens: 100, outputTokens: 5 }, costUsd: 0.01 }),
      reply("Great, thanks! [DONE]", { usage: { inputTokens: 120, outputTokens: 4 }, costUsd: 0.02 }),
    ]);
    const t = build({ user }, [model, sim]);
    const res = await t.call(ctxFor(makeCase({ input: "Where is my order?" })));
    expect(model.requests).toHaveLength(2);
    expect(sim.requests).toHaveLength(2);
    expect(res.output).toBe("A1 has shipped.");
    expect(res.trace?.messages?.map((m) => `${m.role}: ${m.content}`)).toEqual([
      "system: You are a support agent.",
      "user: Where is my order?",
      "assistant: Which order?",
      "user: Order A1, please.",
      "assistant: A1 has shipped.",
    ]);
    expect(res.usage).toEqual({ inputTokens: 30, outputTokens: 7 });
    expect(res.costUsd).toBeCloseTo(0.003, 12);
    expect(res.trace?.simulatedUser).toEqual({
      provider: "openai:gpt-4o",
      turns: 1,
      stoppedBy: "stop",
      usage: { inputTokens: 220, outputTokens: 9 },
      costUsd: 0.03,
    });
    // the simulated user sees its persona, goal and stop token, and the conversation so far
    const first = sim.requests[0].messages;
    expect(first[0].role).toBe("system");
    expect(first[0].content).toContain("an impatient customer");
    expect(first[0].content).toContain("find out where order A1 is");
    expect(first[0].content).toContain("[DONE]");
    expect(first[1].content).toContain("USER: Where is my order?\n\nASSISTANT: Which order?");
    expect(first[1].content).not.toContain("You are a support agent.");
    expect(sim.requests[1].messages[1].content).toContain("ASSISTANT: A1 has shipped.");
  });

  it("stops at maxTurns user turns, the opening message included", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini");
    model.fallback = reply("Could you say more?");
    const sim = new FakeChatClient("openai:gpt-4o");
    sim.fallback = reply("I still need help.");
    const t = build({ user: { ...user, maxTurns: 3 } }, [model, sim]);
    const res = await t.call(ctxFor(makeCase({ input: "Help" })));
    expect(model.requests).toHaveLength(3);
    expect(sim.requests).toHaveLength(2);
    expect(res.trace?.simulatedUser).toMatchObject({ turns: 2, stoppedBy: "max-turns" });
    expect(res.trace?.messages?.filter((m) => m.role === "user")).toHaveLength(3);
  });

  it("plays scripted turns first and counts them toward maxTurns; an empty reply ends the session", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini");
    model.fallback = reply("ok");
    const sim = new FakeChatClient("openai:gpt-4o", [reply("One more thing."), reply("  ")]);
    const t = build({ user: { ...user, maxTurns: 10 } }, [model, sim]);
    const res = await t.call(ctxFor(makeCase({ input: { turns: ["a", "b"] } })));
    expect(model.requests).toHaveLength(3);
    expect(res.trace?.simulatedUser).toMatchObject({ turns: 1, stoppedBy: "empty" });
  });
});
