import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TargetFailure } from "../../src/core/output.ts";
import { createChatClient, describeSpec, type LlmRuntime } from "../../src/llm/client.ts";
import { toOpenAIRequest } from "../../src/llm/openai/index.ts";
import { costOf, PRICE_TABLE } from "../../src/llm/prices.ts";
import type { ChatRequest } from "../../src/llm/types.ts";
import { type LlmServer, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { callOnce, expectFailure, stepped, waitFor } from "./helpers.ts";

const KEY = "sk-test-OPENAI-0123456789abcdef";
let server: LlmServer;

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.handle(() => reply.text("ok"));
});

function runtime(env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY }): LlmRuntime {
  return { cacheMode: "off", env };
}

function client(extra: { model?: string; env?: NodeJS.ProcessEnv; apiKeyEnv?: string } = {}) {
  return createChatClient(
    {
      provider: `openai:${extra.model ?? "gpt-4o-mini"}`,
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

describe("openai: answers", () => {
  it.each([false, true])("returns text, usage, cost and model (stream=%s)", async (stream) => {
    server.handle(() =>
      reply.text('{"action": "complete"}', {
        usage: { input: 120, output: 30, cached: 20 },
        model: "gpt-4o-mini-2024-07-18",
      }),
    );
    const before = server.calls.length;
    const res = await client().complete({ ...ask, stream }, { signal: new AbortController().signal });
    expect(server.calls.length - before).toBe(1);
    expect(res.message).toEqual({ role: "assistant", content: '{"action": "complete"}' });
    expect(res.finishReason).toBe("stop");
    expect(res.usage).toEqual({ inputTokens: 120, outputTokens: 30, cachedTokens: 20 });
    expect(res.model).toBe("gpt-4o-mini-2024-07-18");
    const p = PRICE_TABLE["gpt-4o-mini"];
    const expected = (100 * p.input + 20 * (p.cachedInput ?? p.input) + 30 * p.output) / 1e6;
    expect(res.costUsd).toBeCloseTo(expected, 12);
    expect(costOf(res.usage, p)).toBeCloseTo(expected, 12);
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    if (stream) {
      expect(res.ttftMs).toBeDefined();
      expect(res.ttftMs!).toBeLessThanOrEqual(res.latencyMs);
      const body = server.calls.at(-1)!.json!;
      expect(body.stream).toBe(true);
      expect(body.stream_options).toEqual({ include_usage: true });
    } else {
      expect(res.ttftMs).toBeUndefined();
      expect(server.calls.at(-1)!.json!.stream).toBeUndefined();
    }
  });

  it("records time to first token when the first delta comes late", async () => {
    server.handle(() => reply.text("slow start then fast", {}, { eventDelayMs: 40 }));
    const res = await client().complete({ ...ask, stream: true }, { signal: new AbortController().signal });
    expect(res.message.content).toBe("slow start then fast");
    // the role chunk comes first, the first content delta one delay later, the rest after more delays
    expect(res.ttftMs!).toBeGreaterThanOrEqual(30);
    expect(res.latencyMs - res.ttftMs!).toBeGreaterThanOrEqual(100);
  });

  it("sends the request the way the API expects, with the key as a bearer token", async () => {
    await client().complete(
      {
        messages: [
          { role: "system", content: "sys" },
          { role: "user", content: "hi" },
          {
            role: "assistant",
            content: "",
            toolCalls: [{ id: "call_a", name: "lookup", arguments: { q: "x" } }],
          },
          { role: "tool", content: '{"found": true}', toolCallId: "call_a" },
        ],
        tools: [{ name: "lookup", description: "find", parameters: { type: "object", properties: {} } }],
        toolChoice: { name: "lookup" },
        responseFormat: { type: "json_schema", name: "verdict", schema: { type: "object" }, strict: true },
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 64,
        seed: 7,
        stop: ["END"],
      },
      { signal: new AbortController().signal },
    );
    const req = server.calls.at(-1)!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.json).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } },
          ],
        },
        { role: "tool", content: '{"found": true}', tool_call_id: "call_a" },
      ],
      tools: [
        {
          type: "function",
          function: { name: "lookup", description: "find", parameters: { type: "object", properties: {} } },
        },
      ],
      tool_choice: { type: "function", function: { name: "lookup" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "verdict", schema: { type: "object" }, strict: true },
      },
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ["END"],
      // an OpenAI-compatible baseUrl gets max_tokens; api.openai.com gets max_completion_tokens
      max_tokens: 64,
    });
  });

  it("maps json_object, tool choices and max_completion_tokens for OpenAI's own API", () => {
    const body = toOpenAIRequest(
      { ...ask, responseFormat: { type: "json_object" }, toolChoice: "required", maxTokens: 10 },
      "o3",
    );
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.tool_choice).toBe("required");
    expect(body.max_completion_tokens).toBe(10);
    expect(body.max_tokens).toBeUndefined();
  });

  it.each([false, true])("returns tool calls with parsed arguments (stream=%s)", async (stream) => {
    server.handle(() =>
      reply.toolCalls(
        [
          {
            id: "call_1",
            name: "create_task",
            arguments: { title: "Budget review", priority: "high", tags: ["q3"] },
          },
          { id: "call_2", name: "broken", arguments: '{"title": "unterminated' },
        ],
        { usage: { input: 50, output: 12 } },
      ),
    );
    const before = server.calls.length;
    const res = await client().complete({ ...ask, stream }, { signal: new AbortController().signal });
    expect(server.calls.length - before).toBe(1);
    expect(res.finishReason).toBe("tool_calls");
    expect(res.message.content).toBe("");
    expect(res.message.toolCalls).toEqual([
      {
        id: "call_1",
        name: "create_task",
        arguments: { title: "Budget review", priority: "high", tags: ["q3"] },
      },
      // arguments that are not JSON are kept as the raw string, never evaluated
      { id: "call_2", name: "broken", arguments: '{"title": "unterminated' },
    ]);
    expect(res.usage).toEqual({ inputTokens: 50, outputTokens: 12 });
    if (stream) expect(res.ttftMs).toBeDefined();
  });

  it("assembles tool-call argument deltas split at awkward places", async () => {
    server.handle(() =>
      reply.toolCalls([
        {
          id: "call_9",
          name: "set_due",
          arguments: { due: "friday" },
          argumentChunks: ['{"d', 'ue": "fr', 'iday"', "}"],
        },
      ]),
    );
    const res = await client().complete({ ...ask, stream: true }, { signal: new AbortController().signal });
    expect(res.message.toolCalls).toEqual([{ id: "call_9", name: "set_due", arguments: { due: "friday" } }]);
  });

  it("maps finish reasons and keeps a refusal as the answer", async () => {
    server.handle(() => reply.text("trunc", { finishReason: "length" }));
    const signal = new AbortController().signal;
    expect((await client().complete(ask, { signal })).finishReason).toBe("length");
    server.handle(() => reply.completion({ refusal: "I can't help with that." }));
    for (const stream of [false, true]) {
      const res = await client().complete({ ...ask, stream }, { signal });
      expect(res.finishReason).toBe("refusal");
      expect(res.message.content).toBe("I can't help with that.");
    }
  });

  it("gives no cost for a model the price table does not know", async () => {
    server.handle(() => reply.text("hi"));
    const res = await client({ model: "llama3.1:8b" }).complete(ask, {
      signal: new AbortController().signal,
    });
    expect(res.model).toBe("llama3.1:8b");
    expect(res.costUsd).toBeUndefined();
    const priced = await createChatClient(
      { provider: "openai:llama3.1:8b", baseUrl: server.baseUrl, price: { input: 1, output: 2 } },
      runtime(),
    ).complete(ask, { signal: new AbortController().signal });
    expect(priced.costUsd).toBeCloseTo((10 * 1 + 5 * 2) / 1e6, 12);
  });
});

describe("openai: errors are classified, one request per call", () => {
  it.each([
    {
      name: "429 retry-after seconds",
      r: reply.rateLimited(7),
      cls: "rate-limited",
      status: 429,
      retryAfterMs: 7000,
    },
    {
      name: "429 retry-after-ms",
      r: reply.error(429, "slow down", { retryAfterMs: 1500, retryAfter: 2 }),
      cls: "rate-limited",
      status: 429,
      retryAfterMs: 1500,
    },
    { name: "429 without retry-after", r: reply.rateLimited(), cls: "rate-limited", status: 429 },
    { name: "500", r: reply.serverError(), cls: "server-error", status: 500 },
    { name: "503", r: reply.serverError(503, "unavailable"), cls: "server-error", status: 503 },
    { name: "400", r: reply.error(400, "bad param"), cls: "client-error", status: 400 },
    { name: "401", r: reply.error(401, "Incorrect API key provided"), cls: "client-error", status: 401 },
    { name: "403", r: reply.error(403, "region not supported"), cls: "client-error", status: 403 },
    { name: "404", r: reply.error(404, "model not found"), cls: "client-error", status: 404 },
    { name: "408", r: reply.error(408, "request timeout"), cls: "timeout", status: 408 },
  ])("$name → $cls", async ({ r, cls, status, retryAfterMs }) => {
    server.handle(() => r);
    for (const stream of [false, true]) {
      const before = server.calls.length;
      const f = await expectFailure(
        client().complete({ ...ask, stream }, { signal: new AbortController().signal }),
      );
      expect(server.calls.length - before).toBe(1);
      expect(f.errorClass).toBe(cls);
      expect(f.status).toBe(status);
      expect(f.retryAfterMs).toBe(retryAfterMs);
      expect(f.message).toMatch(/^openai: /);
      expect(f.message).not.toContain(KEY);
    }
  });

  it.each([
    { name: "invalid JSON body", r: reply.invalidJson(), cls: "malformed-response" },
    { name: "empty body", r: reply.emptyBody(), cls: "empty-response" },
    {
      name: "a body that is not a completion",
      r: reply.raw(200, '{"hello": 1}', { "content-type": "application/json" }),
      cls: "malformed-response",
    },
    {
      name: "plain text body",
      r: reply.raw(200, "<html>gateway</html>", { "content-type": "text/html" }),
      cls: "malformed-response",
    },
    { name: "connection reset", r: reply.reset(), cls: "connection" },
    { name: "empty completion", r: reply.text(""), cls: "empty-response" },
  ])("$name → $cls", async ({ r, cls }) => {
    server.handle(() => r);
    const before = server.calls.length;
    const f = await expectFailure(client().complete(ask, { signal: new AbortController().signal }));
    expect(server.calls.length - before).toBe(1);
    expect(f.errorClass).toBe(cls);
  });

  it.each([
    {
      name: "socket closed mid-stream",
      r: reply.truncated({ text: "a long answer" }, 3, "destroy"),
      cls: "connection",
    },
    {
      name: "stream ended before finish",
      r: reply.truncated({ text: "a long answer" }, 3, "end"),
      cls: "malformed-response",
    },
    {
      name: "tool call cut mid-arguments",
      r: reply.truncated({ toolCalls: [{ name: "t", arguments: { a: "bcdefghijklmnop" } }] }, 3, "end"),
      cls: "malformed-response",
    },
    {
      name: "error event in the stream",
      r: reply.streamError({ text: "abc" }, 2, "server_error"),
      cls: "server-error",
    },
    {
      name: "rate-limit event in the stream",
      r: reply.streamError({ text: "abc" }, 2, "rate_limit_exceeded"),
      cls: "rate-limited",
    },
    {
      name: "invalid JSON in a chunk",
      r: reply.raw(200, "data: {nope\n\n", { "content-type": "text/event-stream" }),
      cls: "malformed-response",
    },
    { name: "empty streamed completion", r: reply.text(""), cls: "empty-response" },
  ])("stream: $name → $cls", async ({ r, cls }) => {
    server.handle(() => r);
    const before = server.calls.length;
    const f = await expectFailure(
      client().complete({ ...ask, stream: true }, { signal: new AbortController().signal }),
    );
    expect(server.calls.length - before).toBe(1);
    expect(f.errorClass).toBe(cls);
  });

  it("an aborted call fails with the policy's reason (timeout), also mid-stream", async () => {
    server.handle(() => reply.hang());
    const before = server.calls.length;
    const c = new AbortController();
    const waiting = expectFailure(client().complete(ask, { signal: c.signal }));
    // the policy's timeout fires while the server holds the request
    await waitFor(() => server.calls.length === before + 1);
    c.abort(new TargetFailure("timeout", "no answer within 50 ms"));
    const f = await waiting;
    expect(f.errorClass).toBe("timeout");
    expect(f.message).toBe("no answer within 50 ms");

    // mid-stream: the headers and the first chunks are sent, then the stream stalls
    let stalled!: () => void;
    const midStream = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    server.handle(() => reply.stalled({ text: "a slow stream of many words" }, 3, stalled));
    const c2 = new AbortController();
    const streaming = expectFailure(client().complete({ ...ask, stream: true }, { signal: c2.signal }));
    await midStream;
    c2.abort();
    const f2 = await streaming;
    expect(f2.errorClass).toBe("timeout");
    expect(server.calls.length).toBe(before + 2);
  });

  it("the call policy honours Retry-After and retries: one request per attempt", async () => {
    // 0.3 s: the policy's sleep is recorded, but the limiter really pauses for the Retry-After
    server.script(reply.rateLimited("0.3"), reply.text("second time lucky"));
    const before = server.calls.length;
    const { output, delays } = await callOnce(client());
    expect(server.calls.length - before).toBe(2);
    expect(output.error).toBeUndefined();
    expect(output.text).toBe("second time lucky");
    expect(output.attempts).toBe(2);
    expect(delays).toEqual([300]);
  });
});

describe("openai: keys and configuration", () => {
  it("never shows the key: not in error messages (even when the server echoes it), not in describe()", async () => {
    server.handle((req) =>
      reply.error(401, `Incorrect API key provided: ${String(req.headers.authorization)}`),
    );
    const f = await expectFailure(
      client({ env: { MY_LLM: KEY }, apiKeyEnv: "MY_LLM" }).complete(ask, {
        signal: new AbortController().signal,
      }),
    );
    expect(f.errorClass).toBe("client-error");
    expect(f.message).not.toContain(KEY);
    expect(f.message).toContain("[redacted]");
    expect(JSON.stringify(f)).not.toContain(KEY);
    const c = client();
    expect(JSON.stringify(c.describe())).not.toContain(KEY);
    expect(c.describe()).toEqual({ provider: "openai", model: "gpt-4o-mini", baseUrl: server.baseUrl });
  });

  it("a missing key is a client-error naming the variable, and no request is made", async () => {
    const before = server.calls.length;
    const f = await expectFailure(
      client({ env: {} }).complete(ask, { signal: new AbortController().signal }),
    );
    expect(f.errorClass).toBe("client-error");
    expect(f.message).toContain("OPENAI_API_KEY");
    const g = await expectFailure(
      client({ env: { OPENAI_API_KEY: KEY }, apiKeyEnv: "TEAM_OPENAI_KEY" }).complete(ask, {
        signal: new AbortController().signal,
      }),
    );
    expect(g.message).toContain("TEAM_OPENAI_KEY");
    expect(g.message).not.toContain(KEY);
    expect(server.calls.length).toBe(before);
  });

  it("reads the key at call time", async () => {
    const env: NodeJS.ProcessEnv = {};
    const c = client({ env });
    await expectFailure(c.complete(ask, { signal: new AbortController().signal }));
    env.OPENAI_API_KEY = "sk-later-key-000000";
    await c.complete(ask, { signal: new AbortController().signal });
    expect(server.calls.at(-1)!.headers.authorization).toBe("Bearer sk-later-key-000000");
  });

  it("honours baseUrl (requests go to the configured server and path)", async () => {
    const other = await startOpenAIServer(() => reply.text("from the other server"));
    try {
      const c = createChatClient({ provider: "openai:local-model", baseUrl: `${other.url}/v1/` }, runtime());
      const res = await c.complete(ask, { signal: new AbortController().signal });
      expect(res.message.content).toBe("from the other server");
      expect(other.calls.map((r) => r.path)).toEqual(["/v1/chat/completions"]);
      // a wrong prefix reaches the server but not the endpoint: a client-error (404), not a retry storm
      const wrong = createChatClient({ provider: "openai:m", baseUrl: `${other.url}/api` }, runtime());
      const f = await expectFailure(wrong.complete(ask, { signal: new AbortController().signal }));
      expect(f.errorClass).toBe("client-error");
      expect(f.status).toBe(404);
      expect(other.requests.at(-1)!.path).toBe("/api/chat/completions");
    } finally {
      await other.close();
    }
  });

  it("redacts credentials in the baseUrl it describes", () => {
    const d = describeSpec({
      provider: "openai:gpt-4o",
      baseUrl: "https://user:hunter2secret@proxy.example/v1?api_key=abc123",
    });
    expect(d.baseUrl).toBe("https://[redacted]@proxy.example/v1?api_key=[redacted]");
    expect(JSON.stringify(d)).not.toContain("hunter2secret");
    expect(JSON.stringify(d)).not.toContain("abc123");
    expect(d.provider).toBe("openai");
    expect(d.model).toBe("gpt-4o");
  });

  it("paces calls through the limiter (concurrency 1: never two requests in flight)", async () => {
    let inFlight = 0;
    let peak = 0;
    server.handle(() => ({
      kind: "custom",
      async handle(res) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await stepped(20);
        inFlight--;
        const body = JSON.stringify({
          id: "x",
          object: "chat.completion",
          created: 1,
          model: "m",
          choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
      },
    }));
    const c = createChatClient(
      { provider: "openai:m", baseUrl: server.baseUrl, limits: { concurrency: 1 } },
      runtime(),
    );
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => c.complete(ask, { signal: new AbortController().signal })),
    );
    expect(results.map((r) => r.message.content)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(peak).toBe(1);
  });
});
