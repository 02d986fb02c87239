import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatClient, describeSpec, PROVIDERS, parseProvider } from "../../src/llm/client.ts";
import { LimitedChatClient } from "../../src/llm/limiter.ts";
import { scrubSecrets } from "../../src/llm/shared.ts";
import type { ChatRequest } from "../../src/llm/types.ts";
import { type LlmServer, reply, startAnthropicServer, startOpenAIServer } from "../support/llm-servers.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { expectFailure, waitFor } from "./helpers.ts";

const env = { OPENAI_API_KEY: "sk-client-test-000000" };
const ask: ChatRequest = { messages: [{ role: "user", content: "hi" }] };
let server: LlmServer;

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

describe("createChatClient", () => {
  it("parses provider:model (models may hold colons) and lists the providers otherwise", () => {
    expect(parseProvider("openai:gpt-4o-mini")).toEqual({ provider: "openai", model: "gpt-4o-mini" });
    expect(parseProvider("anthropic:claude-haiku-4-5")).toEqual({
      provider: "anthropic",
      model: "claude-haiku-4-5",
    });
    expect(parseProvider("openai:llama3:8b")).toEqual({ provider: "openai", model: "llama3:8b" });
    for (const bad of ["gemini:pro", "gpt-4o", "openai:", ""]) {
      expect(() => createChatClient({ provider: bad }, { cacheMode: "off", env })).toThrow(
        /openai:<model>, anthropic:<model>/,
      );
    }
    expect(PROVIDERS).toEqual(["openai", "anthropic"]);
  });

  it("exposes provider, model and describe() without secrets", () => {
    const c = createChatClient(
      { provider: "anthropic:claude-haiku-4-5", apiKeyEnv: "MY_KEY", price: { input: 1, output: 2 } },
      { cacheMode: "off", env: { MY_KEY: "secret-value-123" } },
    );
    expect(c.provider).toBe("anthropic");
    expect(c.model).toBe("claude-haiku-4-5");
    expect(c.describe()).toEqual({ provider: "anthropic", model: "claude-haiku-4-5" });
    expect(describeSpec({ provider: "openai:gpt-4o", baseUrl: "http://u:pw-secret@h/v1" })).toEqual({
      provider: "openai",
      model: "gpt-4o",
      baseUrl: "http://[redacted]@h/v1",
    });
    // a token as the user name is a credential too
    expect(
      describeSpec({ provider: "openai:gpt-4o", baseUrl: "https://sk-tok123@h/v1?key=abc" }).baseUrl,
    ).toBe("https://[redacted]@h/v1?key=[redacted]");
    expect(c.inner).toBeInstanceOf(LimitedChatClient);
  });

  it("rejects a baseUrl with credentials at once (fetch cannot send them), without echoing them", () => {
    let message = "";
    try {
      createChatClient(
        { provider: "openai:m", baseUrl: "http://user:pw-hunter2@127.0.0.1:1/v1" },
        { cacheMode: "off", env },
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/holds credentials.*apiKeyEnv/);
    expect(message).not.toContain("hunter2");
  });

  it("talks to OPENAI_BASE_URL (with OPENAI_API_KEY) when the spec names no baseUrl, as the SDK does", async () => {
    server.handle(() => reply.text("from the env server"));
    const calls = server.calls.length;
    const envWithUrl = { OPENAI_API_KEY: "sk-env-key-1234", OPENAI_BASE_URL: server.baseUrl };
    const c = createChatClient({ provider: "openai:m" }, { cacheMode: "off", env: envWithUrl });
    const res = await c.complete(ask, { signal: new AbortController().signal });
    expect(res.message.content).toBe("from the env server");
    expect(server.calls.length).toBe(calls + 1);
    expect(server.calls.at(-1)?.headers.authorization).toBe("Bearer sk-env-key-1234");
    // the server it talks to is part of the client's identity (lineage)
    expect(c.describe()).toEqual({ provider: "openai", model: "m", baseUrl: server.baseUrl });
    // a baseUrl in the suite wins over the variable; a blank variable is no variable; Anthropic
    // reads its own variable only
    const wins = createChatClient(
      { provider: "openai:m", baseUrl: "http://127.0.0.1:9/v1" },
      { cacheMode: "off", env: envWithUrl },
    );
    expect(wins.describe().baseUrl).toBe("http://127.0.0.1:9/v1");
    const blank = createChatClient(
      { provider: "openai:m" },
      { cacheMode: "off", env: { OPENAI_BASE_URL: " " } },
    );
    expect(blank.describe().baseUrl).toBeUndefined();
    const anthropic = createChatClient({ provider: "anthropic:m" }, { cacheMode: "off", env: envWithUrl });
    expect(anthropic.describe().baseUrl).toBeUndefined();
  });

  it("talks to ANTHROPIC_BASE_URL when an Anthropic spec names no baseUrl, as the SDK does", async () => {
    const anthropicServer = await startAnthropicServer(() => reply.text("from the anthropic env server"));
    try {
      const env = { ANTHROPIC_API_KEY: "sk-ant-env-1234", ANTHROPIC_BASE_URL: anthropicServer.baseUrl };
      const c = createChatClient({ provider: "anthropic:m" }, { cacheMode: "off", env });
      const res = await c.complete(ask, { signal: new AbortController().signal });
      expect(res.message.content).toBe("from the anthropic env server");
      expect(anthropicServer.calls.length).toBe(1);
      expect(c.describe().baseUrl).toBe(anthropicServer.baseUrl);
    } finally {
      await anthropicServer.close();
    }
  });

  it("scrubs URL credentials and secret environment values from failure messages", () => {
    const m = scrubSecrets(
      "fetch failed for http://bob:pw-hunter2@proxy/v1 with key sk-abc-0000 and TOKEN value tok-zzzzzz",
      { MY_API_TOKEN: "tok-zzzzzz" },
      ["sk-abc-0000"],
    );
    expect(m).not.toContain("hunter2");
    expect(m).not.toContain("sk-abc-0000");
    expect(m).not.toContain("tok-zzzzzz");
  });

  it("backs off adaptively when the server says 429: concurrency halves, Retry-After pauses", async () => {
    server.script(reply.rateLimited("0.2"), reply.text("ok"));
    // the limiter's clock stands still unless moved: the pause is checked, not timed
    const clock = new ManualClock();
    const c = createChatClient(
      { provider: "openai:m", baseUrl: server.baseUrl, limits: { concurrency: 8 } },
      { cacheMode: "off", env },
      { clock },
    );
    const limiter = (c.inner as LimitedChatClient).limiter;
    const f = await expectFailure(c.complete(ask, { signal: new AbortController().signal }));
    expect(f.errorClass).toBe("rate-limited");
    expect(f.retryAfterMs).toBe(200);
    expect(limiter.stats.limit).toBe(4);
    expect(limiter.stats.pausedUntil).toBe(200);
    const calls = server.calls.length;
    const next = c.complete(ask, { signal: new AbortController().signal });
    // the next call waits out the Retry-After without reaching the server
    await waitFor(() => limiter.stats.waiting === 1);
    expect(clock.pending()).toEqual([200]);
    await clock.advance(199);
    expect(limiter.stats.waiting).toBe(1);
    expect(server.calls.length).toBe(calls);
    await clock.advance(1);
    expect((await next).message.content).toBe("ok");
    expect(server.calls.length).toBe(calls + 1);
  });

  it("rpm pacing applies to real calls", async () => {
    server.handle(() => reply.text("ok"));
    // 600 rpm = one per 100 ms, burst of 10: the 11th and 12th wait, 100 ms apart
    const clock = new ManualClock();
    const c = createChatClient(
      { provider: "openai:m", baseUrl: server.baseUrl, limits: { rpm: 600 } },
      { cacheMode: "off", env },
      { clock },
    );
    const limiter = (c.inner as LimitedChatClient).limiter;
    const calls = server.calls.length;
    const all = Promise.all(
      Array.from({ length: 12 }, () => c.complete(ask, { signal: new AbortController().signal })),
    );
    await waitFor(() => server.calls.length === calls + 10 && limiter.stats.waiting === 2);
    await clock.advance(99);
    expect(limiter.stats.waiting).toBe(2);
    await clock.advance(1);
    await waitFor(() => server.calls.length === calls + 11);
    expect(limiter.stats.waiting).toBe(1);
    await clock.advance(100);
    expect((await all).map((r) => r.message.content)).toEqual(Array(12).fill("ok"));
    expect(server.calls.length).toBe(calls + 12);
  });
});
