import Anthropic, {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import type { Stream } from "@anthropic-ai/sdk/streaming";
import type { ChatMessage, ToolCall } from "../../core/case.ts";
import { TargetFailure, type Usage } from "../../core/output.ts";
import { pickRateLimitHeaders } from "../../faults/rate-limit-headers.ts";
import { safeJsonParse } from "../../util/json.ts";
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
  unwrapCodeFence,
} from "../shared.ts";
import type {
  ChatCallOptions,
  ChatClient,
  ChatRequest,
  ChatResponse,
  FinishReason,
  ResponseFormat,
} from "../types.ts";

/**
 * The request body. `temperature` and `top_p` are no longer in the SDK's types (deprecated by the
 * API for recent models); they are sent only when a request sets them, for models that take them.
 */
type Params = Anthropic.MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

export const ANTHROPIC_DEFAULT_KEY_ENV = "ANTHROPIC_API_KEY";
/** Anthropic requires max_tokens; this is used when the request does not set one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;
const PROVIDER = "anthropic";
/**
 * Requests go through the SDK's client (`post`: its transport, headers, error classes and SSE
 * parsing) rather than `messages.create`, which prints a deprecation warning to the console on
 * every call for a deprecated model — thousands of lines in a run.
 */
const MESSAGES_PATH = "/v1/messages";

/**
 * Messages (`POST {baseUrl}/v1/messages`) through the official SDK. SDK retries are off.
 *
 * Mapping notes:
 * - system messages become the top-level `system` (joined by blank lines);
 * - tool results (role `tool`) become `tool_result` blocks in a user turn, and consecutive turns of
 *   one role are merged (Anthropic wants the results of parallel calls in one user turn);
 * - `seed` is not supported by Anthropic and is ignored; `temperature` / `topP` are sent only when set;
 * - `responseFormat` json_object / json_schema has no native equivalent: it is EMULATED by an
 *   instruction appended to the system prompt (answer with one JSON object only, conforming to the
 *   schema when given), and an answer wrapped in a Markdown code fence is unwrapped. Nothing
 *   guarantees the JSON; evaluators (json-valid, json-schema) check it.
 */
export class AnthropicChatClient implements ChatClient {
  readonly provider = PROVIDER;
  readonly model: string;
  private readonly opts: ProviderClientOptions;
  private readonly now: () => number;
  private sdk?: { key: string; client: Anthropic };

  constructor(opts: ProviderClientOptions) {
    this.opts = opts;
    this.model = opts.model;
    this.now = opts.now ?? (() => performance.now());
  }

  describe(): Record<string, unknown> {
    return describeProvider(PROVIDER, this.model, this.opts.baseUrl);
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    const key = readApiKey(PROVIDER, this.opts.env, this.opts.apiKeyEnv ?? ANTHROPIC_DEFAULT_KEY_ENV);
    const { signal } = opts;
    if (signal.aborted) throw abortedFailure(signal, PROVIDER);
    const client = this.client(key);
    const params = toAnthropicRequest(request, this.model);
    const started = this.now();
    try {
      let parsed: ParsedMessage;
      let ttftMs: number | undefined;
      // withResponse: the body as before, and the HTTP response for its rate-limit headers
      let httpHeaders: object | undefined;
      if (request.stream) {
        const { data: stream, response } = await client
          .post<Stream<Anthropic.RawMessageStreamEvent>>(MESSAGES_PATH, {
            body: { ...params, stream: true },
            stream: true,
            signal,
          })
          .withResponse();
        httpHeaders = response.headers;
        const acc = new StreamAccumulator();
        for await (const event of stream) {
          if (acc.add(event as unknown) && ttftMs === undefined) ttftMs = this.now() - started;
        }
        if (signal.aborted) throw abortedFailure(signal, PROVIDER);
        parsed = acc.result();
      } else {
        const { data, response } = await client
          .post<Anthropic.Message>(MESSAGES_PATH, { body: params, signal })
          .withResponse();
        httpHeaders = response.headers;
        const body: unknown = data;
        if (signal.aborted) throw abortedFailure(signal, PROVIDER);
        parsed = fromAnthropicMessage(body);
      }
      if (request.responseFormat && request.responseFormat.type !== "text") {
        parsed.message.content = unwrapCodeFence(parsed.message.content);
      }
      const response: ChatResponse = {
        message: parsed.message,
        finishReason: parsed.finishReason,
        usage: parsed.usage,
        latencyMs: this.now() - started,
        model: parsed.model ?? this.model,
      };
      if (ttftMs !== undefined) response.ttftMs = ttftMs;
      const headers = httpHeaders ? pickRateLimitHeaders(headerEntriesOf(httpHeaders)) : undefined;
      if (headers) response.headers = headers;
      if (parsed.usageReported) {
        const cost = costOf(parsed.usage, resolvePrice([parsed.model, this.model], this.opts.price));
        if (cost !== undefined) response.costUsd = cost;
      }
      return response;
    } catch (err) {
      throw scrubFailure(toFailure(err, signal), this.opts.env, [key]);
    }
  }

  private client(key: string): Anthropic {
    if (this.sdk?.key === key) return this.sdk.client;
    const client = new Anthropic({
      apiKey: key,
      baseURL: this.opts.baseUrl ?? "https://api.anthropic.com",
      maxRetries: 0,
      timeout: this.opts.sdkTimeoutMs ?? DEFAULT_SDK_TIMEOUT_MS,
      logLevel: "off",
    });
    this.sdk = { key, client };
    return client;
  }
}

/** The instruction that emulates a JSON response format (Anthropic has no `response_format`). */
export function jsonInstruction(rf: ResponseFormat): string | undefined {
  if (rf.type === "json_object") {
    return "Respond with a single JSON object and nothing else: no prose, no Markdown code fences.";
  }
  if (rf.type === "json_schema") {
    return (
      `Respond with a single JSON object and nothing else (no prose, no Markdown code fences). ` +
      `It must conform to this JSON Schema ("${rf.name}"):\n${JSON.stringify(rf.schema)}`
    );
  }
  return undefined;
}

/** The messages request body for a ChatRequest (without `stream`). */
export function toAnthropicRequest(request: ChatRequest, model: string): Params {
  const system: string[] = [];
  const turns: Anthropic.MessageParam[] = [];
  request.messages.forEach((m, index) => {
    if (m.role === "system") {
      system.push(m.content);
      return;
    }
    const role: "user" | "assistant" = m.role === "assistant" ? "assistant" : "user";
    const blocks = toBlocks(m, index);
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  });
  // A turn of one text block is sent in the plain form.
  const messages: Anthropic.MessageParam[] = turns.map((t) => {
    const c = t.content;
    if (Array.isArray(c) && c.length === 1 && c[0].type === "text")
      return { role: t.role, content: c[0].text };
    return t;
  });
  const instruction = request.responseFormat ? jsonInstruction(request.responseFormat) : undefined;
  if (instruction) system.push(instruction);

  const params: Params = { model, max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages };
  if (system.length > 0) params.system = system.join("\n\n");
  if (request.tools && request.tools.length > 0) {
    params.tools = request.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: { type: "object" as const, ...t.parameters },
    }));
  }
  const tc = request.toolChoice;
  if (tc !== undefined) {
    params.tool_choice =
      tc === "auto"
        ? { type: "auto" }
        : tc === "none"
          ? { type: "none" }
          : tc === "required"
            ? { type: "any" }
            : { type: "tool", name: tc.name };
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.topP !== undefined) params.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) params.stop_sequences = request.stop;
  return params;
}

function toBlocks(m: ChatMessage, index: number): Anthropic.ContentBlockParam[] {
  if (m.role === "tool") {
    return [{ type: "tool_result", tool_use_id: m.toolCallId ?? `toolu_${index}`, content: m.content }];
  }
  const blocks: Anthropic.ContentBlockParam[] = [];
  if (m.content !== "") blocks.push({ type: "text", text: m.content });
  if (m.role === "assistant") {
    (m.toolCalls ?? []).forEach((c, i) => {
      blocks.push({
        type: "tool_use",
        id: c.id ?? `toolu_${index}_${i}`,
        name: c.name,
        input: toolInput(c.arguments),
      });
    });
  }
  if (blocks.length === 0) blocks.push({ type: "text", text: m.content });
  return blocks;
}

/** tool_use input must be an object: a JSON string is parsed; anything else is wrapped. */
function toolInput(args: unknown): Record<string, unknown> {
  let value = args;
  if (typeof value === "string") {
    try {
      value = safeJsonParse(value);
    } catch {
      // keep the string
    }
  }
  if (isRecord(value)) return value;
  return value === undefined || value === null ? {} : { input: value };
}

export interface ParsedMessage {
  message: ChatMessage;
  finishReason: FinishReason;
  usage: Usage;
  usageReported: boolean;
  model?: string;
}

export function mapAnthropicStopReason(reason: unknown): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "refusal";
    default:
      return "other";
  }
}

/**
 * Usage in assay's terms: `inputTokens` is all input (Anthropic's `input_tokens` excludes cache
 * reads and writes, so they are added), `cachedTokens` the cache reads.
 */
function usageOf(raw: Record<string, unknown>): Usage {
  const input = count(raw.input_tokens) ?? 0;
  const read = count(raw.cache_read_input_tokens) ?? 0;
  const write = count(raw.cache_creation_input_tokens) ?? 0;
  const usage: Usage = { inputTokens: input + read + write, outputTokens: count(raw.output_tokens) ?? 0 };
  if (read > 0) usage.cachedTokens = read;
  return usage;
}

/** A messages body → the parts of a ChatResponse. Throws a classified TargetFailure for bodies that are no message. */
export function fromAnthropicMessage(body: unknown): ParsedMessage {
  if (body === undefined || body === null || body === "") {
    throw new TargetFailure("empty-response", "anthropic: the response body is empty");
  }
  if (!isRecord(body))
    throw new TargetFailure("malformed-response", "anthropic: the response body is not a JSON object");
  if (body.type === "error" && isRecord(body.error)) {
    const { errorClass, status } = classOfStreamError(stringOr(body.error.type));
    throw new TargetFailure(
      errorClass,
      `anthropic: ${stringOr(body.error.message) ?? "error in response body"}`,
      {
        status,
      },
    );
  }
  if (!Array.isArray(body.content)) {
    throw new TargetFailure("malformed-response", "anthropic: the response has no content array");
  }
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const block of body.content) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string") text += block.text;
    else if (block.type === "tool_use" && typeof block.name === "string") {
      const call: ToolCall = { name: block.name, arguments: block.input ?? {} };
      if (typeof block.id === "string") call.id = block.id;
      toolCalls.push(call);
    }
  }
  const parsed: ParsedMessage = {
    message: assistantMessage(text, toolCalls),
    finishReason: mapAnthropicStopReason(body.stop_reason),
    usage: isRecord(body.usage) ? usageOf(body.usage) : { inputTokens: 0, outputTokens: 0 },
    usageReported: isRecord(body.usage),
  };
  const model = stringOr(body.model);
  if (model) parsed.model = model;
  checkNotEmpty(parsed);
  return parsed;
}

function assistantMessage(content: string, toolCalls: ToolCall[]): ChatMessage {
  const message: ChatMessage = { role: "assistant", content };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

function checkNotEmpty(p: ParsedMessage): void {
  if (p.message.content.trim() !== "" || (p.message.toolCalls?.length ?? 0) > 0) return;
  if (p.finishReason === "refusal") return;
  throw new TargetFailure("empty-response", `anthropic: empty message (stop_reason ${p.finishReason})`);
}

function stringOr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

type Block =
  | { kind: "text"; text: string }
  | { kind: "tool"; id?: string; name: string; input: unknown; json: string };

/**
 * Assembles the raw event stream: message_start, content_block_start / _delta (text_delta,
 * input_json_delta) / _stop, message_delta (stop_reason, usage), message_stop.
 */
class StreamAccumulator {
  private readonly blocks = new Map<number, Block>();
  private usageRaw: Record<string, unknown> = {};
  private usageSeen = false;
  private stopReason: unknown = null;
  private stopped = false;
  private started = false;
  private model?: string;

  /** Adds one event; true when it carried content (a text or tool-input delta, or a tool_use start). */
  add(event: unknown): boolean {
    if (!isRecord(event))
      throw new TargetFailure("malformed-response", "anthropic: a stream event is not a JSON object");
    switch (event.type) {
      case "message_start": {
        this.started = true;
        const msg = event.message;
        if (isRecord(msg)) {
          if (typeof msg.model === "string") this.model = msg.model;
          if (isRecord(msg.usage)) this.mergeUsage(msg.usage);
        }
        return false;
      }
      case "content_block_start": {
        const index = typeof event.index === "number" ? event.index : this.blocks.size;
        const cb = event.content_block;
        if (!isRecord(cb)) return false;
        if (cb.type === "text") {
          const text = typeof cb.text === "string" ? cb.text : "";
          this.blocks.set(index, { kind: "text", text });
          return text !== "";
        }
        if (cb.type === "tool_use") {
          const block: Block = {
            kind: "tool",
            name: stringOr(cb.name) ?? "",
            input: cb.input ?? {},
            json: "",
          };
          if (typeof cb.id === "string") block.id = cb.id;
          this.blocks.set(index, block);
          return true;
        }
        return false;
      }
      case "content_block_delta": {
        const block = typeof event.index === "number" ? this.blocks.get(event.index) : undefined;
        const d = event.delta;
        if (!block || !isRecord(d)) return false;
        if (d.type === "text_delta" && block.kind === "text" && typeof d.text === "string") {
          block.text += d.text;
          return d.text !== "";
        }
        if (d.type === "input_json_delta" && block.kind === "tool" && typeof d.partial_json === "string") {
          block.json += d.partial_json;
          return d.partial_json !== "";
        }
        return false;
      }
      case "message_delta": {
        const d = event.delta;
        if (isRecord(d) && d.stop_reason !== undefined && d.stop_reason !== null)
          this.stopReason = d.stop_reason;
        if (isRecord(event.usage)) this.mergeUsage(event.usage);
        return false;
      }
      case "message_stop":
        this.stopped = true;
        return false;
      default:
        return false;
    }
  }

  /** message_delta usage is cumulative; null fields keep the earlier value. */
  private mergeUsage(u: Record<string, unknown>): void {
    this.usageSeen = true;
    for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) this.usageRaw[k] = v;
  }

  result(): ParsedMessage {
    if (!this.started || !this.stopped) {
      throw new TargetFailure("malformed-response", "anthropic: the stream ended before message_stop");
    }
    let text = "";
    const toolCalls: ToolCall[] = [];
    for (const [, b] of [...this.blocks.entries()].sort((a, c) => a[0] - c[0])) {
      if (b.kind === "text") text += b.text;
      else {
        const call: ToolCall = {
          name: b.name,
          arguments: b.json !== "" ? parseToolArguments(b.json) : b.input,
        };
        if (b.id !== undefined) call.id = b.id;
        toolCalls.push(call);
      }
    }
    const parsed: ParsedMessage = {
      message: assistantMessage(text, toolCalls),
      finishReason: mapAnthropicStopReason(this.stopReason),
      usage: usageOf(this.usageRaw),
      usageReported: this.usageSeen,
    };
    if (this.model) parsed.model = this.model;
    checkNotEmpty(parsed);
    return parsed;
  }
}

/** Any error of a call → a classified TargetFailure (message not yet scrubbed). */
export function toFailure(err: unknown, signal: AbortSignal): TargetFailure {
  if (signal.aborted) return abortedFailure(signal, PROVIDER);
  if (err instanceof TargetFailure) return err;
  if (err instanceof APIUserAbortError)
    return new TargetFailure("timeout", "anthropic: the request was aborted");
  if (err instanceof APIConnectionTimeoutError)
    return new TargetFailure("timeout", "anthropic: the request timed out");
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${causeText(err.cause)}` : "";
    return new TargetFailure("connection", `anthropic: connection error${cause}`);
  }
  if (err instanceof APIError) {
    const message = `anthropic: ${err.message}`;
    if (err.status === undefined) {
      // an `event: error` inside a stream (overloaded_error is the common one)
      const { errorClass, status } = classOfStreamError(err.type);
      return new TargetFailure(errorClass, message, { status });
    }
    const status = err.status;
    const retryAfterMs = parseRetryAfter(err.headers);
    const headers = err.headers ? pickRateLimitHeaders(headerEntriesOf(err.headers)) : undefined;
    return new TargetFailure(classOfStatus(status, err.type), message, {
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(headers ? { headers } : {}),
    });
  }
  if (err instanceof SyntaxError) {
    return new TargetFailure(
      "malformed-response",
      `anthropic: the response is not valid JSON (${err.message})`,
    );
  }
  if (err instanceof AnthropicError)
    return new TargetFailure("malformed-response", `anthropic: ${err.message}`);
  return networkFailure(err, PROVIDER);
}
