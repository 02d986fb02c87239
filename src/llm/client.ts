import { CachedChatClient, type CacheMode, DEFAULT_CACHE_FILE, ResponseCache } from "./cache.ts";
import { LimitedChatClient, type LimiterClock, RequestLimiter } from "./limiter.ts";
import { describeProvider, hasUrlCredentials, type ProviderClientOptions, redactBaseUrl } from "./shared.ts";
import type { ChatCallOptions, ChatClient, ChatRequest, ChatResponse, Price } from "./types.ts";

/**
 * What every LLM-using component receives from the CLI or library caller: the response cache and
 * its mode, and the environment that API keys are read from.
 */
export interface LlmRuntime {
  /** the response cache (see cache.ts); absent = no caching */
  cache?: ResponseCache;
  /** default: judges cached, targets only when they ask; off: --no-cache; only: --cache-only */
  cacheMode: CacheMode;
  env: NodeJS.ProcessEnv;
  /**
   * Calls go straight to the provider, without the per-client limiter (no concurrency cap, no
   * adaptive back-off after a 429): `assay probe` measures the raw API, not assay's pacing.
   */
  direct?: boolean;
}

export interface ChatClientSpec {
  /** `openai:<model>` or `anthropic:<model>` */
  provider: string;
  /** any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter…) */
  baseUrl?: string;
  /** environment variable holding the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY) */
  apiKeyEnv?: string;
  /** USD per million tokens, overriding the bundled price table */
  price?: Price;
  limits?: { concurrency?: number; rpm?: number; tpm?: number };
  /** cache responses (judges default true, targets default false) */
  cache?: boolean;
}

export const PROVIDERS = ["openai", "anthropic"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** `openai:gpt-4o-mini` → { provider: "openai", model: "gpt-4o-mini" }; the model may itself hold colons (`llama3:8b`). */
export function parseProvider(spec: string): { provider: ProviderName; model: string } {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const model = colon < 0 ? "" : spec.slice(colon + 1).trim();
  const known = (PROVIDERS as readonly string[]).includes(name);
  if (!known || model === "") {
    const list = PROVIDERS.map((p) => `${p}:<model>`).join(", ");
    const why = known ? `no model after "${name}:"` : `unknown provider "${name}"`;
    throw new Error(`provider "${spec}": ${why}; use one of ${list}`);
  }
  return { provider: name as ProviderName, model };
}

/** The configuration that identifies a client: provider, model, baseUrl (credentials redacted). Never a key. */
export function describeSpec(spec: ChatClientSpec): Record<string, unknown> {
  const { provider, model } = parseProvider(spec.provider);
  const d: Record<string, unknown> = { provider, model };
  if (spec.baseUrl) d.baseUrl = redactBaseUrl(spec.baseUrl);
  return d;
}

export interface CreateChatClientOptions {
  /** the limiter's clock (tests) */
  clock?: LimiterClock;
  /** the SDK's own timeout backstop (default 1 hour) */
  sdkTimeoutMs?: number;
}

/**
 * The ChatClient for a spec: the provider's SDK client (retries off), behind the per-client
 * limiter (concurrency, rpm, tpm, adaptive back-off on 429/529), behind the response cache as the
 * runtime's mode and the spec's `cache` say. Throws an Error naming the providers for an unknown
 * `provider` or a baseUrl with credentials in it. The returned client's `stats` count cache hits and misses.
 */
export function createChatClient(
  spec: ChatClientSpec,
  runtime: LlmRuntime,
  options: CreateChatClientOptions = {},
): CachedChatClient {
  const { provider, model } = parseProvider(spec.provider);
  const baseUrl = spec.baseUrl ?? environmentBaseUrl(provider, runtime.env);
  if (baseUrl && hasUrlCredentials(baseUrl)) {
    throw new Error(
      `baseUrl "${redactBaseUrl(baseUrl)}" holds credentials, which HTTP clients cannot send; ` +
        `put the key in an environment variable and name it with apiKeyEnv`,
    );
  }
  const providerOptions: ProviderClientOptions = { model, env: runtime.env };
  if (baseUrl) providerOptions.baseUrl = baseUrl;
  if (spec.apiKeyEnv) providerOptions.apiKeyEnv = spec.apiKeyEnv;
  if (spec.price) providerOptions.price = spec.price;
  if (options.sdkTimeoutMs !== undefined) providerOptions.sdkTimeoutMs = options.sdkTimeoutMs;
  const base: ChatClient = new LazyProviderClient(provider, model, providerOptions);
  const limited = runtime.direct
    ? base
    : new LimitedChatClient(base, new RequestLimiter({ ...spec.limits, clock: options.clock }));
  return new CachedChatClient(limited, runtime.cache, {
    mode: runtime.cacheMode,
    enabled: spec.cache === true,
    baseUrl: baseUrl ? redactBaseUrl(baseUrl) : undefined,
  });
}

/**
 * The server a client talks to when the suite names none: `OPENAI_BASE_URL` or
 * `ANTHROPIC_BASE_URL`, as the official SDKs read them, so a suite without `baseUrl` (an
 * imported one, say) runs against a proxy or a local model by setting the variable. A blank
 * value counts as unset.
 */
export function environmentBaseUrl(provider: ProviderName, env: NodeJS.ProcessEnv): string | undefined {
  const value = (provider === "openai" ? env.OPENAI_BASE_URL : env.ANTHROPIC_BASE_URL)?.trim();
  return value ? value : undefined;
}

export interface LlmRuntimeOptions {
  /** the cache file (default `.assay/cache.db`, relative to the working directory) */
  cacheFile?: string;
  cacheMode: CacheMode;
  /** where API keys are read from (default process.env) */
  env?: NodeJS.ProcessEnv;
}

/**
 * A runtime whose response cache opens when a chat client first asks for it (never when the mode
 * is `off`): a run with no LLM target or judge neither opens nor creates `.assay/cache.db`, and
 * spends nothing on it before its first call. close() closes the cache if it was opened.
 */
export function createLlmRuntime(opts: LlmRuntimeOptions): LlmRuntime & { close(): void } {
  let cache: ResponseCache | undefined;
  return {
    cacheMode: opts.cacheMode,
    env: opts.env ?? process.env,
    get cache(): ResponseCache | undefined {
      if (opts.cacheMode === "off") return undefined;
      cache ??= new ResponseCache(opts.cacheFile ?? DEFAULT_CACHE_FILE);
      return cache;
    },
    close: () => cache?.close(),
  };
}

/**
 * Loads a provider's SDK on the first call, not at start-up: a run with no LLM target or judge
 * never pays for the SDKs' memory and load time (DESIGN.md §5 Performance).
 */
class LazyProviderClient implements ChatClient {
  private client: Promise<ChatClient> | undefined;
  constructor(
    readonly provider: "openai" | "anthropic",
    readonly model: string,
    private readonly options: ProviderClientOptions,
  ) {}

  describe(): Record<string, unknown> {
    return describeProvider(this.provider, this.model, this.options.baseUrl);
  }

  private load(): Promise<ChatClient> {
    this.client ??=
      this.provider === "openai"
        ? import("./openai/index.ts").then((m) => new m.OpenAIChatClient(this.options))
        : import("./anthropic/index.ts").then((m) => new m.AnthropicChatClient(this.options));
    return this.client;
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    return (await this.load()).complete(request, opts);
  }

  async close(): Promise<void> {
    if (this.client) await (await this.client).close?.();
  }
}
