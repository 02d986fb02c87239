import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CachedChatClient, cacheKey, defaultCachePath, ResponseCache } from "../../src/llm/cache.ts";
import {
  type ChatClientSpec,
  createChatClient,
  createLlmRuntime,
  type LlmRuntime,
} from "../../src/llm/client.ts";
import type { ChatRequest } from "../../src/llm/types.ts";
import { type LlmServer, reply, startAnthropicServer, startOpenAIServer } from "../support/llm-servers.ts";
import { tempDir } from "../support/temp.ts";
import { expectFailure } from "./helpers.ts";

const KEY = "sk-cache-test-key-0123456789";
const env = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY };
let openai: LlmServer;
let anthropic: LlmServer;
let tmp: ReturnType<typeof tempDir>;
const runtimes: Array<{ close(): void }> = [];

beforeAll(async () => {
  openai = await startOpenAIServer();
  anthropic = await startAnthropicServer();
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
});
beforeEach(() => {
  tmp = tempDir("assay-llm-cache-");
  let n = 0;
  // every answer differs, so a served answer is visibly the stored one
  openai.handle((req) =>
    reply.text(`answer ${++n} from ${String(req.json?.model)}`, { usage: { input: 11, output: 7 } }),
  );
  anthropic.handle(() => reply.text(`claude answer ${++n}`));
});
afterEach(() => {
  for (const r of runtimes.splice(0)) r.close();
  tmp.remove();
});

function open(mode: LlmRuntime["cacheMode"], file = tmp.path(".assay/cache.db")) {
  const rt = createLlmRuntime({ cacheFile: file, cacheMode: mode, env });
  runtimes.push(rt);
  return rt;
}

function spec(extra: Partial<ChatClientSpec> = {}): ChatClientSpec {
  return { provider: "openai:gpt-4o-mini", baseUrl: openai.baseUrl, cache: true, ...extra };
}

const req: ChatRequest = { messages: [{ role: "user", content: "Grade this answer" }], temperature: 0 };
const call = (c: CachedChatClient, r: ChatRequest = req, epoch?: number, noCache?: boolean) =>
  c.complete(r, { signal: new AbortController().signal, epoch, noCache });

describe("response cache", () => {
  it("a second identical call makes no request and returns the same content, marked cached", async () => {
    const rt = open("default");
    const c = createChatClient(spec(), rt);
    const before = openai.calls.length;
    const first = await call(c, req, 1);
    const second = await call(c, req, 1);
    expect(openai.calls.length - before).toBe(1);
    expect(first.cached).toBeUndefined();
    expect(second.cached).toBe(true);
    expect(second.message).toEqual(first.message);
    expect(second.usage).toEqual(first.usage);
    expect(second.latencyMs).toBe(first.latencyMs);
    expect(second.costUsd).toBe(first.costUsd);
    expect(c.stats).toEqual({ hits: 1, misses: 1 });
    expect(rt.cache!.stats).toEqual({ hits: 1, misses: 1, writes: 1, errors: 0 });
    // a new client over the same file, and the file reopened, still hit
    const again = createChatClient(spec(), open("default"));
    expect((await call(again, req, 1)).message).toEqual(first.message);
    expect(openai.calls.length - before).toBe(1);
  });

  it("streamed responses are cached too (keeping ttft)", async () => {
    const c = createChatClient(spec(), open("default"));
    const first = await call(c, { ...req, stream: true });
    const second = await call(c, { ...req, stream: true });
    expect(second.cached).toBe(true);
    expect(second.ttftMs).toBe(first.ttftMs);
  });

  it("a different model, epoch, request, provider or server misses", async () => {
    const rt = open("default");
    const before = openai.calls.length;
    const base = createChatClient(spec(), rt);
    const a = await call(base, req, 1);
    const otherModel = await call(createChatClient(spec({ provider: "openai:gpt-4o" }), rt), req, 1);
    expect(otherModel.cached).toBeUndefined();
    expect(otherModel.message.content).not.toBe(a.message.content);
    expect((await call(base, req, 2)).cached).toBeUndefined();
    expect((await call(base, req)).cached).toBeUndefined(); // no epoch is not epoch 1
    expect((await call(base, { ...req, temperature: 1 }, 1)).cached).toBeUndefined();
    expect(
      (await call(base, { ...req, messages: [{ role: "user", content: "Grade this answer!" }] }, 1)).cached,
    ).toBeUndefined();
    const other = await startOpenAIServer(() => reply.text("other server"));
    try {
      expect(
        (await call(createChatClient(spec({ baseUrl: other.baseUrl }), rt), req, 1)).cached,
      ).toBeUndefined();
    } finally {
      await other.close();
    }
    expect(openai.calls.length - before).toBe(6);
    const anth = createChatClient(
      { provider: "anthropic:gpt-4o-mini", baseUrl: anthropic.baseUrl, cache: true },
      rt,
    );
    expect((await call(anth, req, 1)).message.content).toMatch(/^claude answer/);
    // and the original is still a hit
    expect((await call(base, req, 1)).cached).toBe(true);
  });

  it("the key covers provider, model, baseUrl, the full request and epoch — not the prompt alone", () => {
    const k = (p: Partial<Parameters<typeof cacheKey>[0]>) =>
      cacheKey({ provider: "openai", model: "m", request: req, epoch: 1, ...p });
    const keys = [
      k({}),
      k({ model: "m2" }),
      k({ provider: "anthropic" }),
      k({ baseUrl: "http://x" }),
      k({ epoch: 2 }),
      k({ epoch: undefined }),
      k({ request: { ...req, tools: [{ name: "t", parameters: {} }] } }),
      k({ request: { ...req, stream: true } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    // key order inside the request does not matter
    expect(k({ request: { temperature: 0, messages: req.messages } })).toBe(k({}));
  });

  it("cache-only: a miss fails as a client-error without any request; a hit is served", async () => {
    const before = openai.calls.length;
    const only = createChatClient(spec(), open("only"));
    const f = await expectFailure(call(only, req, 1));
    expect(f.errorClass).toBe("client-error");
    expect(f.message).toMatch(/cache miss .*\(--cache-only\)/);
    expect(openai.calls.length).toBe(before);
    // fill it in default mode, then read it in cache-only mode — also for a spec without `cache`
    await call(createChatClient(spec(), open("default")), req, 1);
    const hit = await call(createChatClient(spec({ cache: false }), open("only")), req, 1);
    expect(hit.cached).toBe(true);
    expect(openai.calls.length - before).toBe(1);
    await expectFailure(call(createChatClient(spec(), open("only")), req, 1, true));
    expect(openai.calls.length - before).toBe(1);
  });

  it("cache off never reads or writes; a spec without cache is not cached in default mode; noCache skips", async () => {
    const file = tmp.path("c.db");
    const off = open("off", file);
    expect(off.cache).toBeUndefined();
    const before = openai.calls.length;
    const offClient = createChatClient(spec(), off);
    await call(offClient, req, 1);
    await call(offClient, req, 1);
    expect(openai.calls.length - before).toBe(2);

    // a cache present but mode off: still never touched
    const cache = new ResponseCache(file);
    try {
      const forcedOff = createChatClient(spec(), { cache, cacheMode: "off", env });
      await call(forcedOff, req, 1);
      expect(cache.size()).toBe(0);
      expect(cache.stats).toEqual({ hits: 0, misses: 0, writes: 0, errors: 0 });

      const targetLike = createChatClient(spec({ cache: false }), { cache, cacheMode: "default", env });
      await call(targetLike, req, 1);
      expect(cache.size()).toBe(0);

      const judgeLike = createChatClient(spec(), { cache, cacheMode: "default", env });
      await call(judgeLike, req, 1, true);
      expect(cache.size()).toBe(0);
      await call(judgeLike, req, 1);
      expect(cache.size()).toBe(1);
    } finally {
      cache.close();
    }
    expect(openai.calls.length - before).toBe(6);
  });

  it("failures are not cached", async () => {
    openai.script(reply.serverError(), reply.text("recovered"));
    const c = createChatClient(spec(), open("default"));
    await expectFailure(call(c, req, 1));
    expect((await call(c, req, 1)).message.content).toBe("recovered");
    expect((await call(c, req, 1)).cached).toBe(true);
  });

  it("the cache file holds responses, never the API key", async () => {
    const file = tmp.path("k.db");
    const c = createChatClient(spec(), open("default", file));
    await call(c, req, 1);
    for (const r of runtimes.splice(0)) r.close();
    const bytes = readFileSync(file).toString("latin1");
    expect(bytes).toContain("answer");
    expect(bytes).not.toContain(KEY);
  });

  it("lives beside a SQLite store; a broken entry is a miss, and a failed write does not lose the answer", async () => {
    expect(defaultCachePath("/x/y/.assay/assay.db")).toBe("/x/y/.assay/cache.db");
    expect(defaultCachePath("postgres://h/db")).toBe(resolve(".assay/cache.db"));
    expect(defaultCachePath()).toBe(resolve(".assay/cache.db"));

    const file = tmp.path("broken.db");
    const cache = new ResponseCache(file);
    const key = cacheKey({
      provider: "openai",
      model: "gpt-4o-mini",
      baseUrl: openai.baseUrl,
      request: req,
      epoch: 1,
    });
    cache.set(key, { message: { role: "assistant", content: "x" } } as never, {
      provider: "openai",
      model: "m",
    });
    const c = createChatClient(spec(), { cache, cacheMode: "default", env });
    const res = await call(c, req, 1);
    expect(res.cached).toBeUndefined();
    expect(res.message.content).toMatch(/^answer/);
    expect((await call(c, req, 1)).cached).toBe(true);
    cache.close();
    const after = await call(c, req, 1); // the file is closed: reads and writes fail, calls still work
    expect(after.cached).toBeUndefined();
    expect(cache.stats.errors).toBe(2);
  });

  it("opens (and creates) the cache file only when a chat client is made, never with the cache off", async () => {
    const file = tmp.path("lazy/.assay/cache.db");
    const rt = open("default", file);
    expect(existsSync(file)).toBe(false);
    rt.close();
    expect(existsSync(file)).toBe(false);
    const client = createChatClient(spec(), rt);
    expect(existsSync(file)).toBe(true);
    await call(client);
    expect((await call(client)).cached).toBe(true);
    const offFile = tmp.path("off/.assay/cache.db");
    const off = open("off", offFile);
    await call(createChatClient(spec(), off));
    expect(off.cache).toBeUndefined();
    expect(existsSync(offFile)).toBe(false);
  });

  it("cache-only without a cache is a configuration error", () => {
    expect(() => createChatClient(spec(), { cacheMode: "only", env })).toThrow(/cache-only/);
  });
});
