import type { ChatClient, Price } from "./types.ts";

/**
 * What every LLM-using component receives from the CLI or library caller: the response cache and
 * its mode, and the environment that API keys are read from.
 */
export interface LlmRuntime {
  /** the response cache (see cache.ts); absent = no caching */
  cache?: unknown;
  /** default: judges cached, targets only when they ask; off: --no-cache; only: --cache-only */
  cacheMode: "default" | "off" | "only";
  env: NodeJS.ProcessEnv;
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

export function createChatClient(_spec: ChatClientSpec, _runtime: LlmRuntime): ChatClient {
  throw new Error("createChatClient: not implemented yet");
}
