import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { ToolDefinition } from "../../../src/llm/types.ts";
import { TargetConfigError } from "../../../src/targets/errors.ts";
import { createLlmTarget, faultDraw, type LlmTargetSpec, pickFault } from "../../../src/targets/llm/index.ts";
import type { TargetResponse } from "../../../src/targets/types.ts";
import { tempDir } from "../../support/temp.ts";
import { ctxFor, makeCase } from "../support/helpers.ts";
import { FakeChatClient, fakeFactory, RUNTIME, reply, toolReply } from "./support.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const tmp = tempDir("assay-llm-tools-");
afterAll(() => tmp.remove());

const obj = { type: "object" };
const TOOLS: ToolDefinition[] = [
  {
    name: "lookup_order",
    description: "Look up an order by id",
    parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
  },
  { name: "refund", parameters: obj },
  { name: "explode", parameters: obj },
  { name: "echo_context", parameters: obj },
];

function build(spec: Partial<LlmTargetSpec>, model: FakeChatClient, baseDir = HERE) {
  const { factory } = fakeFactory({ "openai:gpt-4o-mini": model });
  return createLlmTarget(
    {
      id: "agent",
      provider: "openai:gpt-4o-mini",
      tools: TOOLS,
      toolsModule: "fixtures/support-tools.ts",
      ...spec,
    },
    { baseDir, runtime: RUNTIME, clientFactory: factory },
  );
}

const results = (res: TargetResponse) =>
  (res.trace?.steps ?? [])
    .filter((s) => s.type === "tool-result")
    .map((s) => ({ result: s.result, isError: s.isError, fault: s.fault }));

describe("tool loop", () => {
  it("runs the tools of a .ts toolsModule and calls the model again with their results", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([{ id: "c1", name: "lookup_order", arguments: { id: "A1" } }]),
      toolReply([{ id: "c2", name: "refund", arguments: { id: "A1", amount: 42 } }]),
      reply("Refunded order A1 ($42)."),
    ]);
    const t = build({}, model);
    await t.prepare?.();
    const res = await t.call(ctxFor(makeCase({ input: "Refund order A1" })));
    expect(model.requests).toHaveLength(3);
    expect(model.requests[0].tools).toEqual(TOOLS);
    const second = model.requests[1].messages;
    expect(second.slice(-2)).toEqual([
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "c1", name: "lookup_order", arguments: { id: "A1" } }],
      },
      {
        role: "tool",
        content: '{"id":"A1","status":"shipped","total":42,"case":"act-017","call":0}',
        toolCallId: "c1",
        name: "lookup_order",
      },
    ]);
    expect(model.requests[2].messages.at(-1)).toEqual({
      role: "tool",
      content: '{"refunded":true,"args":{"id":"A1","amount":42}}',
      toolCallId: "c2",
      name: "refund",
    });
    expect(res.output).toBe("Refunded order A1 ($42).");
    expect(res.trace?.toolCalls).toEqual([
      { id: "c1", name: "lookup_order", arguments: { id: "A1" } },
      { id: "c2", name: "refund", arguments: { id: "A1", amount: 42 } },
    ]);
    expect(res.trace?.steps?.map((s) => s.type)).toEqual([
      "message",
      "tool-call",
      "tool-result",
      "message",
      "tool-call",
      "tool-result",
      "message",
    ]);
    const step = res.trace?.steps?.[2];
    expect(step?.isError).toBe(false);
    expect(step?.toolCall?.name).toBe("lookup_order");
    expect(typeof step?.startedAt).toBe("number");
    expect(step?.durationMs).toBeGreaterThanOrEqual(0);
    expect(res.trace?.maxStepsReached).toBeUndefined();
    expect(res.usage).toEqual({ inputTokens: 30, outputTokens: 15 });
  });

  it("gives tools a context without expected, and ids to tool calls that lack them", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([{ name: "echo_context", arguments: {} }]),
      reply("done"),
    ]);
    const res = await build({}, model).call(ctxFor(makeCase({ cluster: "k" }), { epoch: 3 }));
    const [r] = results(res);
    expect(r.result).toEqual({
      keys: ["call", "case", "epoch", "signal"],
      case: { id: "act-017", tags: { category: "action_recognition", lang: "en" }, cluster: "k" },
      epoch: 3,
    });
    expect(res.trace?.toolCalls?.[0].id).toBe("call_1");
    expect(model.requests[1].messages.at(-1)?.toolCallId).toBe("call_1");
  });

  it("stops at maxSteps model calls and records it", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini");
    model.fallback = toolReply([{ id: "x", name: "lookup_order", arguments: { id: "A1" } }]);
    const res = await build({ maxSteps: 3 }, model).call(ctxFor(makeCase()));
    expect(model.requests).toHaveLength(3);
    expect(res.trace?.maxStepsReached).toBe(true);
    expect(res.trace?.toolCalls).toHaveLength(3);
    // the tools of the last call are not run: nobody would read their results
    expect(results(res)).toHaveLength(2);
    expect(res.output).toBe("");
  });

  it("turns a throwing tool and an unknown tool into error results the model sees", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([
        { id: "a", name: "explode", arguments: {} },
        { id: "b", name: "delete_everything", arguments: {} },
        { id: "c", name: "constructor", arguments: {} },
        { id: "d", name: "lookup_order", arguments: { id: "nope" } },
      ]),
      reply("Sorry, something went wrong."),
    ]);
    const res = await build({}, model).call(ctxFor(makeCase()));
    expect(results(res)).toEqual([
      { result: { error: "database is down" }, isError: true, fault: undefined },
      { result: { error: 'unknown tool "delete_everything"' }, isError: true, fault: undefined },
      { result: { error: 'unknown tool "constructor"' }, isError: true, fault: undefined },
      { result: { error: "no order nope" }, isError: true, fault: undefined },
    ]);
    expect(model.requests[1].messages.slice(-4).map((m) => m.content)).toEqual([
      '{"error":"database is down"}',
      '{"error":"unknown tool \\"delete_everything\\""}',
      '{"error":"unknown tool \\"constructor\\""}',
      '{"error":"no order nope"}',
    ]);
  });

  it("without a toolsModule, the model's tool calls are its answer", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([{ id: "a", name: "lookup_order", arguments: { id: "A1" } }]),
    ]);
    const res = await build({ toolsModule: undefined }, model).call(ctxFor(makeCase()));
    expect(model.requests).toHaveLength(1);
    expect(res.trace?.toolCalls).toEqual([{ id: "a", name: "lookup_order", arguments: { id: "A1" } }]);
  });

  it("reads tool definitions from a YAML or JSON file", async () => {
    tmp.write("tools.yaml", "tools:\n  - name: lookup_order\n    parameters: { type: object }\n");
    tmp.write(
      "tools.json",
      JSON.stringify([{ type: "function", function: { name: "refund", parameters: obj } }]),
    );
    const model = new FakeChatClient("openai:gpt-4o-mini");
    model.fallback = reply("ok");
    for (const [file, name] of [
      ["tools.yaml", "lookup_order"],
      ["tools.json", "refund"],
    ]) {
      const t = build({ tools: file, toolsModule: undefined }, model, tmp.dir);
      await t.call(ctxFor(makeCase()));
      expect(model.requests.at(-1)?.tools).toEqual([{ name, parameters: obj }]);
      expect(t.describe().tools).toEqual({ file, sha256: expect.stringMatching(/^sha256:/) });
    }
    tmp.write("bad-tools.yaml", "- name: 'a b'\n");
    const err = await build({ tools: "bad-tools.yaml", toolsModule: undefined }, model, tmp.dir)
      .prepare?.()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).field).toBe("tools");
    expect((err as TargetConfigError).file).toBe(tmp.path("bad-tools.yaml"));
    expect((err as Error).message).toContain("tools.0.name");
  });

  it("prepare() fails for a toolsModule without an implementation of a declared tool", async () => {
    tmp.write("partial.ts", "export default { lookup_order: async () => ({}) };\n");
    const model = new FakeChatClient("openai:gpt-4o-mini");
    const err = await build({ toolsModule: "partial.ts" }, model, tmp.dir)
      .prepare?.()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).field).toBe("toolsModule");
    expect((err as TargetConfigError).file).toBe(tmp.path("partial.ts"));
    expect((err as Error).message).toContain('"refund", "explode", "echo_context"');
    const missing = await build({ toolsModule: "none.ts" }, model, tmp.dir)
      .prepare?.()
      .catch((e: unknown) => e);
    expect((missing as Error).message).toContain("toolsModule file not found");
  });

  it("loads a .ts toolsModule outside an ESM package (CommonJS interop)", async () => {
    tmp.write(
      "cjs-tools.ts",
      "const tools = { lookup_order: async (a: { id: string }) => ({ id: a.id }) };\nexport default tools;\n",
    );
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([{ id: "a", name: "lookup_order", arguments: { id: "Z" } }]),
      reply("ok"),
    ]);
    const t = build({ tools: [TOOLS[0]], toolsModule: "cjs-tools.ts" }, model, tmp.dir);
    const res = await t.call(ctxFor(makeCase()));
    expect(results(res)).toEqual([{ result: { id: "Z" }, isError: false, fault: undefined }]);
  });
});

describe("tool faults", () => {
  const call = toolReply([{ id: "c1", name: "lookup_order", arguments: { id: "A1" } }]);

  it.each([
    ["empty", "", false],
    ["auth", { error: "401 Unauthorized" }, true],
    ["timeout", { error: "timeout" }, true],
  ] as const)("%s replaces the result", async (fault, result, isError) => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [call, reply("Your order shipped.")]);
    const res = await build({ toolFaults: [{ tool: "lookup_order", fault, rate: 1 }] }, model).call(
      ctxFor(makeCase()),
    );
    expect(results(res)).toEqual([{ result, isError, fault }]);
    expect(model.requests[1].messages.at(-1)?.content).toBe(
      typeof result === "string" ? result : JSON.stringify(result),
    );
  });

  it("malformed sends a truncated JSON body", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [call, reply("ok")]);
    const res = await build({ toolFaults: [{ tool: "lookup_order", fault: "malformed" }] }, model).call(
      ctxFor(makeCase()),
    );
    const [r] = results(res);
    expect(r.fault).toBe("malformed");
    expect(r.isError).toBe(false);
    const full = '{"id":"A1","status":"shipped","total":42,"case":"act-017","call":0}';
    expect(r.result).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(() => JSON.parse(r.result as string)).toThrow();
    expect(model.requests[1].messages.at(-1)?.content).toBe(r.result);
  });

  it("a fault only hits its own tool", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      toolReply([{ id: "c1", name: "refund", arguments: {} }]),
      reply("ok"),
    ]);
    const res = await build({ toolFaults: [{ tool: "lookup_order", fault: "auth" }] }, model).call(
      ctxFor(makeCase()),
    );
    expect(results(res)[0].fault).toBeUndefined();
  });

  it("rate 0.5 picks a deterministic subset of calls: the same case gets the same faults", async () => {
    const run = async (caseId: string) => {
      const model = new FakeChatClient("openai:gpt-4o-mini");
      const calls = Array.from({ length: 40 }, (_, i) => ({
        id: `c${i}`,
        name: "lookup_order",
        arguments: { id: "A1" },
      }));
      model.push(toolReply(calls), reply("done"));
      const res = await build(
        { toolFaults: [{ tool: "lookup_order", fault: "timeout", rate: 0.5 }] },
        model,
      ).call(ctxFor(makeCase({ id: caseId })));
      return results(res).map((r) => (r.fault ? 1 : 0));
    };
    const a = await run("case-1");
    expect(await run("case-1")).toEqual(a);
    const hits = a.reduce((s: number, x) => s + x, 0);
    expect(hits).toBeGreaterThan(8);
    expect(hits).toBeLessThan(32);
    expect(await run("case-2")).not.toEqual(a);
    // the draw is a pure function of case, tool and call index
    expect(faultDraw("case-1", "lookup_order", 3)).toBe(faultDraw("case-1", "lookup_order", 3));
    const faults = [
      { tool: "t", fault: "empty" as const, rate: 0.3 },
      { tool: "t", fault: "auth" as const, rate: 0.3 },
    ];
    const kinds = Array.from({ length: 1000 }, (_, i) => pickFault(faults, "c", "t", i));
    const share = (k: string | undefined) => kinds.filter((x) => x === k).length / 1000;
    expect(share("empty")).toBeGreaterThan(0.24);
    expect(share("auth")).toBeGreaterThan(0.24);
    expect(share(undefined)).toBeGreaterThan(0.34);
    expect(pickFault([{ tool: "t", fault: "empty", rate: 0 }], "c", "t", 0)).toBeUndefined();
  });
});

describe("usage, cost and ttft", () => {
  it("sums usage and cost over every model call; ttft is the first call's", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [
      {
        ...toolReply([{ id: "a", name: "refund", arguments: {} }], {
          usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 50 },
          costUsd: 0.001,
        }),
        ttftMs: 120,
      },
      { ...reply("done", { usage: { inputTokens: 150, outputTokens: 20 }, costUsd: 0.002 }), ttftMs: 90 },
    ]);
    const res = await build({ stream: true }, model).call(ctxFor(makeCase()));
    expect(res.usage).toEqual({ inputTokens: 250, outputTokens: 30, cachedTokens: 50 });
    expect(res.costUsd).toBeCloseTo(0.003, 12);
    expect(res.ttftMs).toBe(120);
    expect(model.requests.every((r) => r.stream === true)).toBe(true);
  });

  it("leaves cost out when the client reports none", async () => {
    const model = new FakeChatClient("openai:gpt-4o-mini", [reply("x")]);
    const res = await build({}, model).call(ctxFor(makeCase()));
    expect(res.costUsd).toBeUndefined();
    expect(res.ttftMs).toBeUndefined();
  });
});
