import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TargetFailure } from "../../src/core/output.ts";
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicRequest } from "../../src/llm/anthropic/index.ts";
import { createChatClient, type LlmRuntime } from "../../src/llm/client.ts";
import { PRICE_TABLE } from "../../src/llm/prices.ts";
import type { ChatRequest } from "../../src/llm/types.ts";
import { type LlmServer, reply, startAnthropicServer } from "../support/llm-servers.ts";
import { callOnce, expectFailure, waitFor } from "./helpers.ts";

const KEY = "sk-ant-test-0123456789abcdef";
let server: LlmServer;

beforeAll(async () => {
  server = await startAnthropicServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.handle(() => reply.text("ok"));
});

function runtime(env: NodeJS.ProcessEnv = { ANTHROPIC_API_KEY: KEY }): LlmRuntime {
  return { cacheMode: "off", env };
}

function client(extra: { model?: string; env?: NodeJS.ProcessEnv; apiKeyEnv?: string } = {}) {
  return createChatClient(
    {
      provider: `anthropic:${extra.model ?? "claude-sonnet-4-5"}`,
      baseUrl: server.baseUrl,
      ...(extra.apiKeyEnv ? { apiKeyEnv: extra.apiKeyEnv } : {}),
    },
    runtime(extra.env),
  );
}

const ask: ChatRequest = {
  messages: [
    { role: "system", content: "You turn task commands into JSON." },
    { role: "user", content: "Mark the budget review as done" },
  ],
};
const signal = () => new AbortController().signal;

describe("anthropic: answers", () => {
  it.each([false, true])(
    "returns text, usage (cache reads included), cost and model (stream=%s)",
    async (stream) => {
      server.handle(() =>
        reply.text("Done: the budget review is complete.", {
          usage: { input: 100, output: 30, cached: 40 },
          model: "claude-sonnet-4-5-20250929",
        }),
      );
      const before = server.calls.length;
      const res = await client().complete({ ...ask, stream }, { signal: signal() });
      expect(server.calls.length - before).toBe(1);
      expect(res.message).toEqual({ role: "assistant", content: "Done: the budget review is complete." });
      expect(res.finishReason).toBe("stop");
      // input_tokens excludes cache reads on the wire; assay's inputTokens is all input
      expect(res.usage).toEqual({ inputTokens: 140, outputTokens: 30, cachedTokens: 40 });
      expect(res.model).toBe("claude-sonnet-4-5-20250929");
      const p = PRICE_TABLE["claude-sonnet-4"];
      expect(res.costUsd).toBeCloseTo((100 * p.input + 40 * p.cachedInput! + 30 * p.output) / 1e6, 12);
      if (stream) {
        expect(res.ttftMs).toBeDefined();
        expect(res.ttftMs!).toBeLessThanOrEqual(res.latencyMs);
        expect(server.calls.at(-1)!.json!.stream).toBe(true);
      } else expect(res.ttftMs).toBeUndefined();
    },
  );

  it("sends system, tools, tool results and the key the way the API expects", async () => {
    await client().complete(
      {
        messages: [
          { role: "system", content: "first rule" },
          { role: "user", content: "weather in Paris and Rome?" },
          {
            role: "assistant",
            content: "Let me look.",
            toolCalls: [
              { id: "toolu_1", name: "weather", arguments: { city: "Paris" } },
              { id: "toolu_2", name: "weather", arguments: '{"city": "Rome"}' },
            ],
          },
          { role: "tool", content: "sunny", toolCallId: "toolu_1" },
          { role: "tool", content: "rain", toolCallId: "toolu_2" },
          { role: "system", content: "second rule" },
        ],
        tools: [
          {
            name: "weather",
            description: "current weather",
            parameters: { properties: { city: { type: "string" } } },
          },
        ],
        toolChoice: "required",
        temperature: 0,
        stop: ["###"],
        seed: 3,
      },
      { signal: signal() },
    );
    const req = server.calls.at(-1)!;
    expect(req.path).toBe("/v1/messages");
    // @anthropic-ai/sdk 1.x sends an API key as a bearer token (x-api-key only on Foundry)
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers["x-api-key"]).toBeUndefined();
    expect(req.headers["anthropic-version"]).toBeTruthy();
    expect(req.json).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: "first rule\n\nsecond rule",
      messages: [
        { role: "user", content: "weather in Paris and Rome?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Let me look." },
            { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "sunny" },
            { type: "tool_result", tool_use_id: "toolu_2", content: "rain" },
          ],
        },
      ],
      tools: [
        {
          name: "weather",
          description: "current weather",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ],
      tool_choice: { type: "any" },
      temperature: 0,
      stop_sequences: ["###"],
      // seed: Anthropic has none
    });
  });

  it("emulates JSON output by instruction and unwraps a fenced answer", async () => {
    server.handle(() => reply.text('```json\n{"action": "complete"}\n```'));
    const res = await client().complete(
      {
        ...ask,
        responseFormat: {
          type: "json_schema",
          name: "task",
          schema: { type: "object", required: ["action"] },
        },
        maxTokens: 200,
      },
      { signal: signal() },
    );
    expect(res.message.content).toBe('{"action": "complete"}');
    const body = server.calls.at(-1)!.json!;
    expect(body.max_tokens).toBe(200);
    expect(body.system).toContain("You turn task commands into JSON.");
    expect(body.system).toContain("single JSON object");
    expect(body.system).toContain('{"type":"object","required":["action"]}');
    expect(body.response_format).toBeUndefined();
    expect(toAnthropicRequest({ ...ask, responseFormat: { type: "json_object" } }, "m").system).toContain(
      "single JSON object",
    );
    expect(toAnthropicRequest({ ...ask, toolChoice: { name: "x" } }, "m").tool_choice).toEqual({
      type: "tool",
      name: "x",
    });
  });

  it.each([false, true])(
    "returns tool calls (stream=%s), streamed input_json_delta assembled",
    async (stream) => {
      server.handle(() =>
        reply.toolCalls(
          [
            {
              id: "toolu_a",
              name: "create_task",
              arguments: { title: "Budget review", due: { day: "friday" } },
              argumentChunks: ['{"title": "Bud', 'get review", "d', 'ue": {"day": "fri', 'day"}}'],
            },
            { id: "toolu_b", name: "noop", arguments: {} },
          ],
          { text: "I'll create it.", usage: { input: 30, output: 20 } },
        ),
      );
      const before = server.calls.length;
      const res = await client().complete({ ...ask, stream }, { signal: signal() });
      expect(server.calls.length - before).toBe(1);
      expect(res.finishReason).toBe("tool_calls");
      expect(res.message.content).toBe("I'll create it.");
      expect(res.message.toolCalls).toEqual([
        { id: "toolu_a", name: "create_task", arguments: { title: "Budget review", due: { day: "friday" } } },
        { id: "toolu_b", name: "noop", arguments: {} },
      ]);
      expect(res.usage).toEqual({ inputTokens: 30, outputTokens: 20 });
    },
  );

  it("keeps streamed tool input that is not JSON as the raw string", async () => {
    server.handle(() => reply.toolCalls([{ id: "toolu_x", name: "t", arguments: '{"a": tru' }]));
    const res = await client().complete({ ...ask, stream: true }, { signal: signal() });
    expect(res.message.toolCalls).toEqual([{ id: "toolu_x", name: "t", arguments: '{"a": tru' }]);
  });

  it("maps stop reasons: max_tokens, refusal (an answer even when empty), stop_sequence", async () => {
    for (const stream of [false, true]) {
      server.handle(() => reply.text("cut", { finishReason: "max_tokens" }));
      expect((await client().complete({ ...ask, stream }, { signal: signal() })).finishReason).toBe("length");
      server.handle(() => reply.completion({ finishReason: "refusal" }));
      const refused = await client().complete({ ...ask, stream }, { signal: signal() });
      expect(refused.finishReason).toBe("refusal");
      expect(refused.message.content).toBe("");
      server.handle(() => reply.text("a", { finishReason: "stop_sequence" }));
      expect((await client().complete({ ...ask, stream }, { signal: signal() })).finishReason).toBe("stop");
    }
  });
});

describe("anthropic: errors are classified, one request per call", () => {
  it.each([
    {
      name: "429 retry-after",
      r: reply.rateLimited(12),
      cls: "rate-limited",
      status: 429,
      retryAfterMs: 12_000,
    },
    { name: "529 overloaded", r: reply.overloaded(), cls: "rate-limited", status: 529 },
    {
      name: "529 overloaded with retry-after",
      r: reply.error(529, "Overloaded", { type: "overloaded_error", retryAfter: 3 }),
      cls: "rate-limited",
      status: 529,
      retryAfterMs: 3000,
    },
    {
      name: "500 api_error",
      r: reply.serverError(500, "Internal server error"),
      cls: "server-error",
      status: 500,
    },
    { name: "400", r: reply.error(400, "max_tokens: too large"), cls: "client-error", status: 400 },
    { name: "401", r: reply.error(401, "invalid x-api-key"), cls: "client-error", status: 401 },
    { name: "403", r: reply.error(403, "forbidden"), cls: "client-error", status: 403 },
    { name: "404", r: reply.error(404, "model: not found"), cls: "client-error", status: 404 },
  ])("$name → $cls", async ({ r, cls, status, retryAfterMs }) => {
    server.handle(() => r);
    for (const stream of [false, true]) {
      const before = server.calls.length;
      const f = await expectFailure(client().complete({ ...ask, stream }, { signal: signal() }));
      expect(server.calls.length - before).toBe(1);
      expect(f.errorClass).toBe(cls);
      expect(f.status).toBe(status);
      expect(f.retryAfterMs).toBe(retryAfterMs);
      expect(f.message).toMatch(/^anthropic: /);
      expect(f.message).not.toContain(KEY);
    }
  });

  it.each([
    { name: "invalid JSON body", r: reply.invalidJson(), cls: "malformed-response" },
    { name: "empty body", r: reply.emptyBody(), cls: "empty-response" },
    {
      name: "a body that is not a message",
      r: reply.raw(200, '{"ok": true}', { "content-type": "application/json" }),
      cls: "malformed-response",
    },
    { name: "connection reset", r: reply.reset(), cls: "connection" },
    { name: "empty message", r: reply.text(""), cls: "empty-response" },
  ])("$name → $cls", async ({ r, cls }) => {
    server.handle(() => r);
    const before = server.calls.length;
    const f = await expectFailure(client().complete(ask, { signal: signal() }));
    expect(server.calls.length - before).toBe(1);
    expect(f.errorClass).toBe(cls);
  });

  it.each([
    {
      name: "socket closed mid-stream",
      r: reply.truncated({ text: "a long answer" }, 4, "destroy"),
      cls: "connection",
    },
    {
      name: "stream ended before message_stop",
      r: reply.truncated({ text: "a long answer" }, 5, "end"),
      cls: "malformed-response",
    },
    {
      name: "stream ended after message_delta",
      // message_start, ping, block start, 1 delta, block stop, message_delta — no message_stop
      r: reply.truncated({ text: "abcd" }, 6, "end"),
      cls: "malformed-response",
    },
    {
      name: "overloaded_error event mid-stream",
      r: reply.streamError({ text: "abcdefgh" }, 4, "overloaded_error", "Overloaded"),
      cls: "rate-limited",
      status: 529,
    },
    {
      name: "api_error event mid-stream",
      r: reply.streamError({ text: "abcdefgh" }, 4, "api_error"),
      cls: "server-error",
    },
    {
      name: "invalid JSON in an event",
      r: reply.raw(200, "event: message_start\ndata: {oops\n\n", { "content-type": "text/event-stream" }),
      cls: "malformed-response",
    },
    { name: "empty streamed message", r: reply.text(""), cls: "empty-response" },
  ])("stream: $name → $cls", async ({ r, cls, status }) => {
    server.handle(() => r);
    const before = server.calls.length;
    const f = await expectFailure(client().complete({ ...ask, stream: true }, { signal: signal() }));
    expect(server.calls.length - before).toBe(1);
    expect(f.errorClass).toBe(cls);
    if (status !== undefined) expect(f.status).toBe(status);
  });

  it("an aborted call fails with the policy's reason", async () => {
    server.handle(() => reply.hang());
    const before = server.calls.length;
    const c = new AbortController();
    const waiting = expectFailure(client().complete(ask, { signal: c.signal }));
    // the run is cancelled while the server holds the request
    await waitFor(() => server.calls.length === before + 1);
    c.abort(new TargetFailure("cancelled", "the run was cancelled"));
    const f = await waiting;
    expect(f.errorClass).toBe("cancelled");
  });

  it("529 then success through the call policy: two requests, backoff raised to Retry-After", async () => {
    server.script(
      reply.error(529, "Overloaded", { type: "overloaded_error", retryAfter: "0.25" }),
      reply.text("fine"),
    );
    const before = server.calls.length;
    const { output, delays } = await callOnce(client());
    expect(server.calls.length - before, JSON.stringify({ output, delays })).toBe(2);
    expect(output.text).toBe("fine");
    expect(output.attempts).toBe(2);
    expect(delays).toEqual([250]);
  });
});

describe("anthropic: keys and configuration", () => {
  it("never shows the key in error messages or describe()", async () => {
    server.handle((req) => reply.error(401, `invalid credentials ${String(req.headers.authorization)}`));
    const f = await expectFailure(
      client({ env: { CLAUDE: KEY }, apiKeyEnv: "CLAUDE" }).complete(ask, { signal: signal() }),
    );
    expect(f.message).not.toContain(KEY);
    expect(JSON.stringify(f)).not.toContain(KEY);
    expect(client().describe()).toEqual({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      baseUrl: server.baseUrl,
    });
  });

  it("a missing key is a client-error naming the variable; no request is made", async () => {
    const before = server.calls.length;
    const f = await expectFailure(client({ env: { OTHER: "x" } }).complete(ask, { signal: signal() }));
    expect(f.errorClass).toBe("client-error");
    expect(f.message).toContain("ANTHROPIC_API_KEY");
    expect(server.calls.length).toBe(before);
  });

  it("honours baseUrl", async () => {
    const other = await startAnthropicServer(() => reply.text("other"));
    try {
      const c = createChatClient({ provider: "anthropic:claude-haiku-4-5", baseUrl: other.url }, runtime());
      expect((await c.complete(ask, { signal: signal() })).message.content).toBe("other");
      expect(other.calls).toHaveLength(1);
      expect(other.calls[0].path).toBe("/v1/messages");
    } finally {
      await other.close();
    }
  });
});
