export {
  ANTHROPIC_DEFAULT_KEY_ENV,
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  AnthropicChatClient,
  jsonInstruction,
  toAnthropicRequest,
} from "./anthropic/index.ts";
export {
  type CacheClearFilter,
  CachedChatClient,
  type CachedChatClientOptions,
  CacheFileError,
  type CacheKeyParts,
  type CacheMode,
  type CacheModelSummary,
  type CacheStats,
  type CacheSummary,
  cacheKey,
  clearCache,
  DEFAULT_CACHE_FILE,
  defaultCachePath,
  ResponseCache,
  summarizeCache,
} from "./cache.ts";
export {
  type ChatClientSpec,
  type CreateChatClientOptions,
  createChatClient,
  createLlmRuntime,
  describeSpec,
  type LlmRuntime,
  type LlmRuntimeOptions,
  PROVIDERS,
  type ProviderName,
  parseProvider,
} from "./client.ts";
export {
  LimitedChatClient,
  type LimiterClock,
  type LimiterOptions,
  type LimiterStats,
  type Outcome,
  type Permit,
  RequestLimiter,
  systemClock,
} from "./limiter.ts";
export { OPENAI_DEFAULT_KEY_ENV, OpenAIChatClient, toOpenAIRequest } from "./openai/index.ts";
export { costOf, lookupPrice, PRICE_TABLE, PRICES_AS_OF, resolvePrice } from "./prices.ts";
export { estimateTokens, type ProviderClientOptions, parseRetryAfter } from "./shared.ts";
export type * from "./types.ts";
