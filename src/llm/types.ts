import type { ChatMessage } from "../core/case.ts";
import type { Usage } from "../core/output.ts";

/**
 * The one interface between assay and a language model. Providers (openai/, anthropic/) adapt
 * their SDKs to it; targets, judges, simulated users and the agent loop only see this.
 * Failures are thrown as TargetFailure (src/targets/types.ts) with a classified error class and
 * Retry-After, so the engine's retry policy and the limiter see every attempt.
 */

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments */
  parameters: Record<string, unknown>;
}

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict?: boolean };

export interface ChatOptions {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  responseFormat?: ResponseFormat;
}

export interface ChatRequest extends ChatOptions {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** force a tool (e.g. the judge's structured verdict tool) */
  toolChoice?: "auto" | "none" | "required" | { name: string };
  /** stream the answer (server-sent events); the response records time to first token */
  stream?: boolean;
  /**
   * ask for the answer's token log-probabilities (OpenAI `logprobs: true`), summarised in the
   * response's `logprobs`; providers that have none (Anthropic) ignore it
   */
  logprobs?: boolean;
}

/** The log-probabilities of the answer's content tokens, summarised (the tokens themselves are not kept). */
export interface TokenLogprobs {
  /** content tokens with a log-probability */
  tokens: number;
  /** their mean natural-log probability (≤ 0) */
  meanLogprob: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "refusal" | "other";

export interface ChatResponse {
  /** the assistant's message: text content and any tool calls (arguments parsed as JSON) */
  message: ChatMessage;
  finishReason: FinishReason;
  usage: Usage;
  /** USD, from the price table (or the target's `price`) */
  costUsd?: number;
  latencyMs: number;
  ttftMs?: number;
  /** the model the server says answered */
  model: string;
  /** served from the response cache */
  cached?: boolean;
  /** with `logprobs` asked for: the answer's token log-probabilities, when the server returned them */
  logprobs?: TokenLogprobs;
  /**
   * the response's rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`, …), only those
   * (src/faults/rate-limit-headers.ts); never stored in the response cache
   */
  headers?: Record<string, string>;
}

export interface ChatCallOptions {
  signal: AbortSignal;
  /** part of the cache key: repeats of one case are distinct samples */
  epoch?: number;
  /** ignore the cache for this call */
  noCache?: boolean;
}

export interface ChatClient {
  readonly provider: string;
  readonly model: string;
  /** configuration that identifies the client (no secrets): provider, model, baseUrl, options */
  describe(): Record<string, unknown>;
  complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse>;
  close?(): Promise<void>;
}

/** USD per million tokens. */
export interface Price {
  input: number;
  output: number;
  /** cached input tokens, when the provider discounts them */
  cachedInput?: number;
}
