import { afterAll, describe, expect, it } from "vitest";
import type { Case } from "../../../src/core/case.ts";
import { TargetFailure } from "../../../src/core/output.ts";
import { createTarget, TargetConfigError } from "../../../src/targets/index.ts";
import { createLlmTarget, type LlmTargetSpec } from "../../../src/targets/llm/index.ts";
import { callWithPolicy } from "../../../src/targets/policy.ts";
import { tempDir } from "../../support/temp.ts";
import { ctxFor, makeCase } from "../support/helpers.ts";
import { FakeChatClient, fakeFactory, RUNTIME, reply } from "./support.ts";

const tmp = tempDir("assay-llm-");
afterAll(() => tmp.remove());
tmp.write("task.md", "Task: {{ input }}\nCase {{ case.id }} ({{ case.tags.category }})");

function target(
  spec: Omit<LlmTargetSpec, "id" | "provider"> & { provider?: string },
  client: FakeChatClient,
) {
  const { factory, specs } = fakeFactory({ [client.provider + ":" + client.model]: client });
  const t = createLlmTarget(
    { id: "mini", provider: "openai:gpt-4o-mini", ...spec },
    { baseDir: tmp.dir, runtime: RUNTIME, clientFactory: factory },
  );
  return { t, specs };
}

describe("llm target: single turn", () => {
  it("renders the prompt file into the user message; expected never reaches the model", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", [reply("ok")]);
    const { t, specs } = target({ prompt: "task.md" }, client);
    await t.prepare?.();
    const res = await t.call(ctxFor(makeCase(), { epoch: 2 }));
    expect(client.requests).toHaveLength(1);
    expect(client.requests[0].messages).toEqual([
      { role: "user", content: "Task: Mark the budget review as done\nCase act-017 (action_recognition)" },
    ]);
    expect(client.calls[0].epoch).toBe(2);
    expect(JSON.stringify(client.calls)).not.toContain("EXPECTED-ANSWER-42");
    expect(res.output).toBe("ok");
    expect(res.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(res.trace?.messages).toEqual([
      { role: "user", content: "Task: Mark the budget review as done\nCase act-017 (action_recognition)" },
      { role: "assistant", content: "ok" },
    ]);
    expect(res.trace?.toolCalls).toEqual([]);
    expect(res.trace?.steps?.map((s) => s.type)).toEqual(["message"]);
    expect(res.trace?.steps?.[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(t.kind).toBe("llm");
    // the client is built from the suite-file keys, never with a key value
    expect(specs).toEqual([{ provider: "openai:gpt-4o-mini", cache: false }]);
  });

  it("renders messages templates per role; object inputs are template variables", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", [reply("a"), reply("b"), reply("c")]);
    const { t } = target(
      {
        messages: [
          { role: "system", content: "You turn commands into JSON. Language: {{ case.tags.lang }}." },
          { role: "user", content: "Example: add milk" },
          { role: "assistant", content: '{"action":"add"}' },
          { role: "user", content: "{{ title }} by {{ due | default: 'never' }}" },
        ],
      },
      client,
    );
    await t.call(ctxFor(makeCase({ input: { title: "Ship it", due: "Friday" } })));
    expect(client.requests[0].messages).toEqual([
      { role: "system", content: "You turn commands into JSON. Language: en." },
      { role: "user", content: "Example: add milk" },
      { role: "assistant", content: '{"action":"add"}' },
      { role: "user", content: "Ship it by Friday" },
    ]);
    // a template can print the whole object (as JSON); an `input` field is {{ input }}
    const c2 = new FakeChatClient("openai:gpt-4o-mini", [reply("x"), reply("y")]);
    const { t: t2 } = target({ messages: [{ role: "user", content: "{{ input }}|{{ case.input.n }}" }] }, c2);
    await t2.call(ctxFor(makeCase({ input: { n: 1, list: [1, 2] } })));
    await t2.call(ctxFor(makeCase({ input: { input: "the text", n: 2 } })));
    expect(c2.requests.map((r) => r.messages[0].content)).toEqual(['{"n":1,"list":[1,2]}|1', "the text|2"]);
  });

  it("sends the input itself as the user message when no template makes one", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", [reply("1"), reply("2"), reply("3")]);
    const { t } = target({}, client);
    await t.call(ctxFor(makeCase({ input: "plain {{ not a template }}" })));
    await t.call(ctxFor(makeCase({ input: { a: 1 } })));
    const { t: t2 } = target({ messages: [{ role: "system", content: "Be brief." }] }, client);
    await t2.call(ctxFor(makeCase({ input: "hello" })));
    expect(client.requests.map((r) => r.messages)).toEqual([
      [{ role: "user", content: "plain {{ not a template }}" }],
      [{ role: "user", content: '{"a":1}' }],
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello" },
      ],
    ]);
  });

  it("passes options (structured output) through and returns the JSON answer as text", async () => {
    const answer = '{"action":"complete","title":"budget review"}';
    const client = new FakeChatClient("openai:gpt-4o-mini", [reply(answer, { ttftMs: 80 }), reply(answer)]);
    const schema = { type: "object", properties: { action: { type: "string" } }, required: ["action"] };
    const options = {
      temperature: 0,
      maxTokens: 512,
      seed: 7,
      stop: ["\n\n"],
      responseFormat: { type: "json_schema" as const, name: "action", schema },
    };
    const { t } = target({ prompt: "task.md", options, stream: true }, client);
    const res = await t.call(ctxFor(makeCase()));
    const req = client.requests[0];
    expect(req).toMatchObject({ ...options, stream: true });
    expect(req.tools).toBeUndefined();
    expect(res.output).toBe(answer);
    expect(res.ttftMs).toBe(80);
    // the engine parses the JSON answer into the stored output
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 0 });
    expect(out.error).toBeUndefined();
    expect(out.json).toEqual({ action: "complete", title: "budget review" });
  });

  it("uses { messages } input as the conversation, after the target's system prompt", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", [reply("Sure.")]);
    const { t } = target(
      {
        messages: [
          { role: "system", content: "You are the support bot for {{ case.tags.lang }} users." },
          { role: "user", content: "IGNORED for chat input: {{ input }}" },
        ],
      },
      client,
    );
    const history = [
      { role: "user" as const, content: "Hi" },
      { role: "assistant" as const, content: "Hello! How can I help?" },
      { role: "user" as const, content: "Cancel my order" },
    ];
    const res = await t.call(ctxFor(makeCase({ input: { messages: history } })));
    expect(client.requests[0].messages).toEqual([
      { role: "system", content: "You are the support bot for en users." },
      ...history,
    ]);
    expect(res.output).toBe("Sure.");
    expect(res.trace?.messages).toHaveLength(5);
    // the initial history is conversation, not steps the agent took
    expect(res.trace?.steps).toHaveLength(1);
  });

  it("flags a truncated answer but keeps it as the output", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", [
      reply("The answer is", { finishReason: "length" }),
    ]);
    const { t } = target({}, client);
    const res = await t.call(ctxFor(makeCase()));
    expect(res.output).toBe("The answer is");
    expect(res.trace?.truncated).toBe(true);
  });

  it("lets a TargetFailure from the client propagate with its class", async () => {
    const failure = new TargetFailure("rate-limited", "429 slow down", { status: 429, retryAfterMs: 1500 });
    const client = new FakeChatClient("openai:gpt-4o-mini", [
      failure,
      new TargetFailure("client-error", "400 bad"),
    ]);
    const { t } = target({}, client);
    const err = await t.call(ctxFor(makeCase())).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect((err as TargetFailure).errorClass).toBe("rate-limited");
    expect((err as TargetFailure).retryAfterMs).toBe(1500);
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 0 });
    expect(out.error).toEqual({ class: "client-error", message: "400 bad" });
  });

  it("rejects a case input that is not a conversation it can play", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", []);
    const { t } = target({}, client);
    for (const input of [
      { messages: "hi" },
      { turns: [1, 2] },
      { messages: [] },
      { messages: [{ role: "bot", content: "x" }] },
    ]) {
      const err = await t.call(ctxFor(makeCase({ input } as Partial<Case>))).catch((e: unknown) => e);
      expect((err as TargetFailure).errorClass).toBe("client-error");
    }
    expect(client.calls).toHaveLength(0);
  });
});

describe("llm target: describe and prepare", () => {
  it("describes the configuration without secrets; the prompt hash follows the file's text", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", []);
    tmp.write("p1.md", "Version one: {{ input }}");
    const spec = {
      prompt: "p1.md",
      baseUrl: "http://127.0.0.1:11434/v1?api-key=sk-live-abcdef",
      apiKeyEnv: "OPENAI_API_KEY",
      options: { temperature: 0 },
      tools: [{ name: "lookup_order", parameters: { type: "object" } }],
      user: {
        provider: "openai:gpt-4o",
        persona: "a busy parent",
        goal: "get a refund",
        apiKeyEnv: "OTHER_KEY",
      },
      limits: { rpm: 60 },
      price: { input: 0.15, output: 0.6 },
    };
    const { t } = target(spec, client);
    const d1 = t.describe();
    expect(d1).toMatchObject({
      provider: "openai",
      model: "gpt-4o-mini",
      prompt: "p1.md",
      options: { temperature: 0 },
      tools: [{ name: "lookup_order", parameters: { type: "object" } }],
      maxSteps: 10,
      user: {
        provider: "openai",
        model: "gpt-4o",
        persona: "a busy parent",
        goal: "get a refund",
        maxTurns: 6,
        stop: "[DONE]",
      },
      limits: { rpm: 60 },
      price: { input: 0.15, output: 0.6 },
    });
    expect(d1.promptHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = JSON.stringify(d1);
    expect(text).not.toContain("sk-live-abcdef");
    expect(text).not.toContain("sk-test-SECRET");
    expect(text).not.toContain("OTHER_KEY");
    expect(d1.baseUrl).toBe("http://127.0.0.1:11434/v1?api-key=[redacted]");

    // same text, same hash; changed text, changed hash
    expect(target(spec, client).t.describe()).toEqual(d1);
    tmp.write("p1.md", "Version two: {{ input }}");
    const d2 = target(spec, client).t.describe();
    expect(d2.promptHash).not.toBe(d1.promptHash);
    // a prepared target describes the template it loaded
    const { factory } = fakeFactory({
      "openai:gpt-4o-mini": new FakeChatClient("openai:gpt-4o-mini"),
      "openai:gpt-4o": new FakeChatClient("openai:gpt-4o"),
    });
    const p = createLlmTarget(
      { id: "mini", provider: "openai:gpt-4o-mini", ...spec },
      { baseDir: tmp.dir, runtime: RUNTIME, clientFactory: factory },
    );
    await p.prepare?.();
    expect(p.describe().promptHash).toBe(d2.promptHash);
  });

  it("inline messages are hashed by their content", () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", []);
    const a = target({ messages: [{ role: "user", content: "A {{ input }}" }] }, client).t.describe();
    const b = target({ messages: [{ role: "user", content: "B {{ input }}" }] }, client).t.describe();
    expect(a.messages).toEqual([{ role: "user", content: "A {{ input }}" }]);
    expect(a.promptHash).not.toBe(b.promptHash);
  });

  it("prepare() fails on a missing prompt file or a bad template, naming the file and field", async () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", []);
    const err = await target({ prompt: "nope.md" }, client)
      .t.prepare?.()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).field).toBe("prompt");
    expect((err as TargetConfigError).file).toBe(tmp.path("nope.md"));
    expect((err as Error).message).toContain("nope.md");
    expect((err as Error).message).toContain("prompt file not found");

    tmp.write("bad.md", "{% if %}");
    const bad = await target({ prompt: "bad.md" }, client)
      .t.prepare?.()
      .catch((e: unknown) => e);
    expect((bad as TargetConfigError).field).toBe("prompt");
    expect((bad as Error).message).toContain("invalid template");
    const badInline = await target({ messages: [{ role: "user", content: "{{ x | nofilter }}" }] }, client)
      .t.prepare?.()
      .catch((e: unknown) => e);
    expect((badInline as TargetConfigError).field).toBe("messages.0.content");
  });

  it("rejects a malformed spec when built, naming the field", () => {
    const client = new FakeChatClient("openai:gpt-4o-mini", []);
    const field = (spec: Record<string, unknown>): string | undefined => {
      try {
        target(spec as Omit<LlmTargetSpec, "id" | "provider">, client);
      } catch (err) {
        expect(err).toBeInstanceOf(TargetConfigError);
        return (err as TargetConfigError).field;
      }
      return undefined;
    };
    expect(field({ provider: "gpt-4o" })).toBe("provider");
    expect(field({ provider: "cohere:command" })).toBe("provider");
    expect(field({ messages: [{ role: "tool", content: "x" }] })).toBe("messages.0.role");
    expect(field({ maxSteps: 0 })).toBe("maxSteps");
    expect(field({ toolsModule: "tools.ts" })).toBe("toolsModule");
    expect(
      field({
        tools: [
          { name: "a", parameters: {} },
          { name: "a", parameters: {} },
        ],
      }),
    ).toBe("tools.1.name");
    expect(
      field({
        tools: [{ name: "a", parameters: {} }],
        toolsModule: "t.ts",
        toolFaults: [{ tool: "b", fault: "empty" }],
      }),
    ).toBe("toolFaults.0.tool");
    expect(field({ toolFaults: [{ tool: "a", fault: "empty" }] })).toBe("toolFaults");
    expect(
      field({
        tools: [{ name: "a", parameters: {} }],
        toolsModule: "t.ts",
        toolFaults: [{ tool: "a", fault: "boom" }],
      }),
    ).toBe("toolFaults.0.fault");
    expect(field({ user: { provider: "openai:x", persona: "p" } })).toBe("user.goal");
    expect(field({ user: { provider: "x", persona: "p", goal: "g" } })).toBe("user.provider");
    expect(field({ apiKeyEnv: "not a name" })).toBe("apiKeyEnv");
  });

  it("wraps a client that cannot be built as a configuration error", async () => {
    const t = createLlmTarget(
      { id: "mini", provider: "openai:gpt-4o-mini" },
      {
        baseDir: tmp.dir,
        runtime: RUNTIME,
        clientFactory: () => {
          throw new Error("OPENAI_API_KEY is not set");
        },
      },
    );
    const err = await t.prepare?.().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).field).toBe("provider");
  });
});

describe("createTarget builds llm targets", () => {
  it("for provider: specs, with the runtime and client factory given", async () => {
    const client = new FakeChatClient("anthropic:claude-x", [reply("hi")]);
    const { factory, runtimes, specs } = fakeFactory({ "anthropic:claude-x": client });
    const t = createTarget(
      {
        id: "claude",
        provider: "anthropic:claude-x",
        prompt: "task.md",
        cache: true,
        limits: { concurrency: 2 },
      },
      { baseDir: tmp.dir, clientFactory: factory },
    );
    expect(t.kind).toBe("llm");
    expect((await t.call(ctxFor(makeCase()))).output).toBe("hi");
    expect(runtimes[0]).toEqual({ cacheMode: "default", env: process.env });
    expect(specs[0]).toEqual({ provider: "anthropic:claude-x", cache: true, limits: { concurrency: 2 } });
    await t.close?.();
    expect(client.closed).toBe(true);
  });

  it("rejects LLM keys on other kinds", () => {
    expect(() => createTarget({ id: "e", exec: ["node"], prompt: "x.md" }, { baseDir: tmp.dir })).toThrow(
      /prompt applies only to provider/,
    );
  });
});

describe("prompt lineage", () => {
  it("an edit to a file the templates include changes the target's promptHash", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createLlmTarget } = await import("../../../src/targets/llm/index.ts");
    const dir = mkdtempSync(join(tmpdir(), "assay-include-"));
    try {
      writeFileSync(join(dir, "system.md"), "Be brief.");
      const spec = {
        id: "t",
        provider: "openai:m",
        messages: [
          { role: "system" as const, content: "{% include 'system.md' %}" },
          { role: "user" as const, content: "{{ input }}" },
        ],
      };
      const runtime = { cacheMode: "off" as const, env: {} };
      const before = createLlmTarget(spec, { baseDir: dir, runtime }).describe().promptHash;
      writeFileSync(join(dir, "system.md"), "Be thorough.");
      const after = createLlmTarget(spec, { baseDir: dir, runtime }).describe().promptHash;
      expect(typeof before).toBe("string");
      expect(after).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
