import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from "openai";
import type { ChatMessage, ToolCall } from "../../core/case.ts";
import { TargetFailure, type Usage } from "../../core/output.ts";
import { pickRateLimitHeaders } from "../../faults/rate-limit-headers.ts";
import { LogprobAccumulator, summarizeLogprobs } from "../logprobs.ts";
import { costOf, resolvePrice } from "../prices.ts";
import {
  abortedFailure,
  causeText,
  classOfStatus,
  classOfStreamError,
  count,
  DEFAULT_SDK_TIMEOUT_MS,
  describeProvider,
  headerEntriesOf,
  isRecord,
  networkFailure,
  type ProviderClientOptions,
  parseRetryAfter,
  parseToolArguments,
  readApiKey,
  scrubFailure,
} from "../shared.ts";
import type {
  ChatCallOptions,
  ChatClient,
  ChatRequest,
  ChatResponse,
  FinishReason,
  TokenLogprobs,
} from "../types.ts";

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export const OPENAI_DEFAULT_KEY_ENV = "OPENAI_API_KEY";
const PROVIDER = "openai";

/**
 * Chat completions (`POST {baseUrl}/chat/completions`) through the official SDK, for OpenAI and
 * any OpenAI-compatible server. SDK retries are off: every call is exactly one HTTP request, and
 * failures are thrown as classified TargetFailures for assay's policy to retry.
 */
export class OpenAIChatClient implements ChatClient {
  readonly provider = PROVIDER;
  readonly model: string;
  private readonly opts: ProviderClientOptions;
  private readonly now: () => number;
  private sdk?: { key: string; client: OpenAI };

  constructor(opts: ProviderClientOptions) {
    this.opts = opts;
    this.model = opts.model;
    this.now = opts.now ?? (() => performance.now());
  }

  describe(): Record<string, unknown> {
    return describeProvider(PROVIDER, this.model, this.opts.baseUrl);
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    const keyEnv = this.opts.apiKeyEnv ?? OPENAI_DEFAULT_KEY_ENV;
    const key = readApiKey(PROVIDER, this.opts.env, keyEnv);
    const { signal } = opts;
    if (signal.aborted) throw abortedFailure(signal, PROVIDER);
    const client = this.client(key);
    const params = toOpenAIRequest(request, this.model, {
      maxTokensField: maxTokensFieldFor(this.opts.baseUrl),
    });
    const started = this.now();
    try {
      if (request.stream) return await this.streamed(client, params, signal, started);
      // withResponse: the body as before, and the HTTP response for its rate-limit headers
      const { data, response } = await client.chat.completions.create(params, { signal }).withResponse();
      const body: unknown = data;
      if (signal.aborted) throw abortedFailure(signal, PROVIDER);
      const parsed = fromOpenAICompletion(body);
      return this.finish(parsed, this.now() - started, undefined, response.headers);
    } catch (err) {
      throw scrubFailure(toFailure(err, signal), this.opts.env, [key]);
    }
  }

  private async streamed(
    client: OpenAI,
    params: Params,
    signal: AbortSignal,
    started: number,
  ): Promise<ChatResponse> {
    const { data: stream, response } = await client.chat.completions
      .create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal })
      .withResponse();
    const acc = new StreamAccumulator();
    let ttftMs: number | undefined;
    for await (const chunk of stream) {
      if (acc.add(chunk as unknown) && ttftMs === undefined) ttftMs = this.now() - started;
    }
    // The SDK ends the iteration quietly when the request is aborted.
    if (signal.aborted) throw abortedFailure(signal, PROVIDER);
    return this.finish(acc.result(), this.now() - started, ttftMs, response.headers);
  }

  private finish(
    parsed: ParsedCompletion,
    latencyMs: number,
    ttftMs: number | undefined,
    httpHeaders: object | undefined,
  ): ChatResponse {
    const model = parsed.model ?? this.model;
    const response: ChatResponse = {
      message: parsed.message,
      finishReason: parsed.finishReason,
      usage: parsed.usage,
      latencyMs,
      model,
    };
    if (ttftMs !== undefined) response.ttftMs = ttftMs;
    if (parsed.logprobs) response.logprobs = parsed.logprobs;
    const headers = httpHeaders ? pickRateLimitHeaders(headerEntriesOf(httpHeaders)) : undefined;
    if (headers) response.headers = headers;
    if (parsed.usageReported) {
      const cost = costOf(parsed.usage, resolvePrice([parsed.model, this.model], this.opts.price));
      if (cost !== undefined) response.costUsd = cost;
    }
    return response;
  }

  private client(key: string): OpenAI {
    if (this.sdk?.key === key) return this.sdk.client;
    const env = this.opts.env;
    const client = new OpenAI({
      apiKey: key,
      baseURL: this.opts.baseUrl ?? "https://api.openai.com/v1",
      organization: env.OPENAI_ORG_ID ?? null,
      project: env.OPENAI_PROJECT_ID ?? null,
      maxRetries: 0,
      timeout: this.opts.sdkTimeoutMs ?? DEFAULT_SDK_TIMEOUT_MS,
      logLevel: "off",
    });
    this.sdk = { key, client };
    return client;
  }
}

/**
 * OpenAI's own API wants `max_completion_tokens` (reasoning models reject `max_tokens`);
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp…) widely understand only `max_tokens`.
 */
export function maxTokensFieldFor(baseUrl: string | undefined): "max_tokens" | "max_completion_tokens" {
  if (!baseUrl) return "max_completion_tokens";
  try {
    return new URL(baseUrl).hostname === "api.openai.com" ? "max_completion_tokens" : "max_tokens";
  } catch {
    return "max_tokens";
  }
}

/** The chat-completions request body for a ChatRequest (without `stream`). */
export function toOpenAIRequest(
  request: ChatRequest,
  model: string,
  opts: { maxTokensField?: "max_tokens" | "max_completion_tokens" } = {},
): Params {
  const params: Params = { model, messages: request.messages.map(toMessageParam) };
  if (request.tools && request.tools.length > 0) {
    params.tools = request.tools.map((t) => ({
      type: "function" as const,
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        parameters: t.parameters,
      },
    }));
  }
  const tc = request.toolChoice;
  if (tc !== undefined) {
    params.tool_choice = typeof tc === "string" ? tc : { type: "function", function: { name: tc.name } };
  }
  const rf = request.responseFormat;
  if (rf?.type === "json_object") params.response_format = { type: "json_object" };
  else if (rf?.type === "json_schema") {
    params.response_format = {
      type: "json_schema",
      json_schema: {
        name: rf.name,
        schema: rf.schema,
        ...(rf.strict !== undefined ? { strict: rf.strict } : {}),
      },
    };
  } else if (rf?.type === "text") params.response_format = { type: "text" };
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  if (request.seed !== undefined) params.seed = request.seed;
  if (request.stop !== undefined && request.stop.length > 0) params.stop = request.stop;
  if (request.logprobs === true) params.logprobs = true;
  if (request.maxTokens !== undefined) {
    if ((opts.maxTokensField ?? "max_completion_tokens") === "max_tokens")
      params.max_tokens = request.maxTokens;
    else params.max_completion_tokens = request.maxTokens;
  }
  return params;
}

function toMessageParam(m: ChatMessage, index: number): MessageParam {
  switch (m.role) {
    case "system":
      return { role: "system", content: m.content, ...(m.name ? { name: m.name } : {}) };
    case "user":
      return { role: "user", content: m.content, ...(m.name ? { name: m.name } : {}) };
    case "tool":
      return { role: "tool", content: m.content, tool_call_id: m.toolCallId ?? `call_${index}` };
    case "assistant": {
      const calls = m.toolCalls ?? [];
      const out: OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam = {
        role: "assistant",
        content: calls.length > 0 && m.content === "" ? null : m.content,
      };
      if (m.name) out.name = m.name;
      if (calls.length > 0) {
        out.tool_calls = calls.map((c, i) => ({
          id: c.id ?? `call_${index}_${i}`,
          type: "function" as const,
          function: { name: c.name, arguments: argumentsString(c.arguments) },
        }));
      }
      return out;
    }
  }
}

function argumentsString(args: unknown): string {
  if (typeof args === "string") return args;
  return JSON.stringify(args ?? {}) ?? "{}";
}

export interface ParsedCompletion {
  message: ChatMessage;
  finishReason: FinishReason;
  usage: Usage;
  /** false when the server sent no usage (some OpenAI-compatible servers): no cost is computed */
  usageReported: boolean;
  model?: string;
  /** the content tokens' log-probabilities, when the request asked for them and the server sent them */
  logprobs?: TokenLogprobs;
}

export function mapOpenAIFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      return "other";
  }
}

function usageOf(raw: unknown): { usage: Usage; reported: boolean } {
  if (!isRecord(raw)) return { usage: { inputTokens: 0, outputTokens: 0 }, reported: false };
  const usage: Usage = {
    inputTokens: count(raw.prompt_tokens) ?? 0,
    outputTokens: count(raw.completion_tokens) ?? 0,
  };
  const details = raw.prompt_tokens_details;
  const cached = isRecord(details) ? count(details.cached_tokens) : undefined;
  if (cached !== undefined && cached > 0) usage.cachedTokens = cached;
  return { usage, reported: true };
}

/** A chat.completion body → the parts of a ChatResponse. Throws a classified TargetFailure for bodies that are no completion. */
export function fromOpenAICompletion(body: unknown): ParsedCompletion {
  if (body === undefined || body === null || body === "") {
    throw new TargetFailure("empty-response", "openai: the response body is empty");
  }
  if (!isRecord(body))
    throw new TargetFailure("malformed-response", "openai: the response body is not a JSON object");
  if (isRecord(body.error)) {
    const { errorClass, status } = classOfStreamError(stringOr(body.error.type) ?? stringOr(body.error.code));
    throw new TargetFailure(
      errorClass,
      `openai: ${stringOr(body.error.message) ?? "error in response body"}`,
      {
        status,
      },
    );
  }
  const choices = body.choices;
  const choice = Array.isArray(choices) ? choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) {
    throw new TargetFailure("malformed-response", "openai: the response has no choices[0].message");
  }
  const msg = choice.message;
  const toolCalls: ToolCall[] = [];
  if (Array.isArray(msg.tool_calls)) {
    for (const tc of msg.tool_calls) {
      if (!isRecord(tc) || !isRecord(tc.function)) continue;
      const name = stringOr(tc.function.name);
      if (name === undefined) continue;
      const raw = tc.function.arguments;
      const call: ToolCall = {
        name,
        arguments: typeof raw === "string" ? parseToolArguments(raw) : (raw ?? {}),
      };
      const id = stringOr(tc.id);
      if (id !== undefined) call.id = id;
      toolCalls.push(call);
    }
  }
  let finishReason = mapOpenAIFinishReason(choice.finish_reason);
  let content = stringOr(msg.content) ?? "";
  const refusal = stringOr(msg.refusal);
  if (refusal && content === "") {
    content = refusal;
    finishReason = "refusal";
  }
  const { usage, reported } = usageOf(body.usage);
  const parsed: ParsedCompletion = {
    message: assistantMessage(content, toolCalls),
    finishReason,
    usage,
    usageReported: reported,
  };
  const model = stringOr(body.model);
  if (model) parsed.model = model;
  // A refusal's tokens are under logprobs.refusal, not content: a refusal gets no confidence.
  const logprobs = finishReason === "refusal" ? undefined : summarizeLogprobs(choice.logprobs);
  if (logprobs) parsed.logprobs = logprobs;
  checkNotEmpty(parsed);
  return parsed;
}

function assistantMessage(content: string, toolCalls: ToolCall[]): ChatMessage {
  const message: ChatMessage = { role: "assistant", content };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

/** No text and no tool call is an empty completion, unless the model refused or was filtered (an answer, not a fault). */
function checkNotEmpty(p: ParsedCompletion): void {
  if (p.message.content.trim() !== "" || (p.message.toolCalls?.length ?? 0) > 0) return;
  if (p.finishReason === "refusal" || p.finishReason === "content_filter") return;
  throw new TargetFailure("empty-response", `openai: empty completion (finish_reason ${p.finishReason})`);
}

function stringOr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Assembles chat.completion.chunk events: text, tool calls split over deltas, finish reason, usage. */
class StreamAccumulator {
  private text = "";
  private refusal = "";
  private readonly calls = new Map<number, { id?: string; name: string; args: string }>();
  private finish: unknown = undefined;
  private finished = false;
  private usageRaw: unknown;
  private model?: string;
  private readonly logprobs = new LogprobAccumulator();

  /** Adds one chunk; true when it carried content (text, refusal or a tool call). */
  add(chunk: unknown): boolean {
    if (!isRecord(chunk))
      throw new TargetFailure("malformed-response", "openai: a stream chunk is not a JSON object");
    if (typeof chunk.model === "string" && chunk.model) this.model = chunk.model;
    if (isRecord(chunk.usage)) this.usageRaw = chunk.usage;
    let content = false;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        this.finish = choice.finish_reason;
        this.finished = true;
      }
      // each chunk carries the log-probabilities of the tokens in its delta
      if (isRecord(choice.logprobs)) this.logprobs.addContent(choice.logprobs.content);
      const delta = choice.delta;
      if (!isRecord(delta)) continue;
      if (typeof delta.content === "string" && delta.content !== "") {
        this.text += delta.content;
        content = true;
      }
      if (typeof delta.refusal === "string" && delta.refusal !== "") {
        this.refusal += delta.refusal;
        content = true;
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const [pos, tc] of delta.tool_calls.entries()) {
          if (!isRecord(tc)) continue;
          const index = typeof tc.index === "number" ? tc.index : pos;
          let call = this.calls.get(index);
          if (!call) {
            call = { name: "", args: "" };
            this.calls.set(index, call);
          }
          if (typeof tc.id === "string" && tc.id) call.id = tc.id;
          const fn = tc.function;
          if (isRecord(fn)) {
            if (typeof fn.name === "string") call.name += fn.name;
            if (typeof fn.arguments === "string") call.args += fn.arguments;
          }
          content = true;
        }
      }
    }
    return content;
  }

  result(): ParsedCompletion {
    if (!this.finished) {
      throw new TargetFailure(
        "malformed-response",
        "openai: the stream ended before the completion finished",
      );
    }
    const toolCalls: ToolCall[] = [...this.calls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => {
        const call: ToolCall = { name: c.name, arguments: parseToolArguments(c.args) };
        if (c.id !== undefined) call.id = c.id;
        return call;
      });
    let finishReason = mapOpenAIFinishReason(this.finish);
    let content = this.text;
    if (this.refusal && content === "") {
      content = this.refusal;
      finishReason = "refusal";
    }
    const { usage, reported } = usageOf(this.usageRaw);
    const parsed: ParsedCompletion = {
      message: assistantMessage(content, toolCalls),
      finishReason,
      usage,
      usageReported: reported,
    };
    if (this.model) parsed.model = this.model;
    const logprobs = finishReason === "refusal" ? undefined : this.logprobs.result();
    if (logprobs) parsed.logprobs = logprobs;
    checkNotEmpty(parsed);
    return parsed;
  }
}

/** Any error of a call → a classified TargetFailure (message not yet scrubbed). */
export function toFailure(err: unknown, signal: AbortSignal): TargetFailure {
  if (signal.aborted) return abortedFailure(signal, PROVIDER);
  if (err instanceof TargetFailure) return err;
  if (err instanceof APIUserAbortError)
    return new TargetFailure("timeout", "openai: the request was aborted");
  if (err instanceof APIConnectionTimeoutError)
    return new TargetFailure("timeout", "openai: the request timed out");
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${causeText(err.cause)}` : "";
    return new TargetFailure("connection", `openai: connection error${cause}`);
  }
  if (err instanceof APIError) {
    if (err.status === undefined) {
      // an error event inside a stream
      const { errorClass, status } = classOfStreamError(err.type ?? err.code);
      return new TargetFailure(errorClass, `openai: error in stream: ${err.message}`, { status });
    }
    const status = err.status;
    const errorClass = classOfStatus(status, err.type);
    const retryAfterMs = parseRetryAfter(err.headers);
    const headers = err.headers ? pickRateLimitHeaders(headerEntriesOf(err.headers)) : undefined;
    return new TargetFailure(errorClass, `openai: ${err.message}`, {
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(headers ? { headers } : {}),
    });
  }
  if (err instanceof SyntaxError) {
    return new TargetFailure("malformed-response", `openai: the response is not valid JSON (${err.message})`);
  }
  if (err instanceof OpenAIError) return new TargetFailure("malformed-response", `openai: ${err.message}`);
  return networkFailure(err, PROVIDER);
}
