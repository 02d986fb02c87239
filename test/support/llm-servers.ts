/**
 * Local servers that speak the real LLM wire protocols, for tests that drive the official SDKs over
 * HTTP (nothing here reaches the network):
 *
 * - OpenAI chat completions: `POST /v1/chat/completions` (JSON, or SSE `data:` chunks ending with
 *   `data: [DONE]`, with a usage chunk when `stream_options.include_usage`), errors
 *   `{"error": {"message", "type", "param", "code"}}`.
 * - Anthropic messages: `POST /v1/messages` (JSON, or SSE with the real event sequence
 *   message_start → content_block_start/delta/stop → message_delta → message_stop), errors
 *   `{"type": "error", "error": {"type", "message"}}`.
 *
 * Each request is recorded (method, path, headers, body) and answered by the server's handler,
 * which a test sets: `server.handle((req, i) => reply.text("hi"))`, or `server.script(r1, r2…)` for
 * one reply per request (the last repeats). A completion reply is rendered as JSON or as a stream
 * according to the request's own `stream` flag, so one script serves both modes.
 *
 * OpenAI token log-probabilities: a completion's `logprobs` tokens are sent as
 * `choices[0].logprobs.content[{token, logprob, bytes, top_logprobs}]` only when the request asks
 * (`logprobs: true`), as the real API does (else `logprobs: null`); a stream sends each token's
 * entry in the chunk whose delta holds it.
 *
 * Usage numbers are wire numbers: `usage.input` is OpenAI's `prompt_tokens` (which includes cached
 * ones) and Anthropic's `input_tokens` (which excludes cache reads); `usage.cached` is
 * `prompt_tokens_details.cached_tokens` / `cache_read_input_tokens`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Flavor = "openai" | "anthropic";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the body parsed as JSON, when it parses */
  json: Record<string, unknown> | undefined;
}

export interface ToolCallSpec {
  /** default `call_<n>` (OpenAI) / `toolu_<n>` (Anthropic) */
  id?: string;
  name: string;
  /** an object (sent as JSON) or a raw string (sent as is, e.g. invalid JSON) */
  arguments: unknown;
  /** stream pieces of the argument JSON; default pieces of 7 characters */
  argumentChunks?: string[];
}

export interface CompletionSpec {
  text?: string;
  /** stream pieces of the text; default pieces of 4 characters */
  chunks?: string[];
  toolCalls?: ToolCallSpec[];
  /** OpenAI `message.refusal` */
  refusal?: string;
  /** the provider's own finish_reason / stop_reason; default from the content */
  finishReason?: string;
  usage?: { input?: number; output?: number; cached?: number };
  /** default: the request's model */
  model?: string;
  /**
   * OpenAI: the content tokens and their log-probabilities, sent when the request has
   * `logprobs: true`. When the tokens spell `text` (and no `chunks` are given), a stream sends one
   * token per chunk; otherwise all entries ride on the first text chunk.
   */
  logprobs?: Array<{ token: string; logprob: number }>;
}

export interface StreamFault {
  /** SSE events written before the fault */
  afterEvents: number;
  /**
   * destroy: the socket is closed mid-stream; end: the response ends early but cleanly; error: an
   * error event; stall: nothing more is sent and the response stays open (until the client gives up)
   */
  kind: "destroy" | "end" | "error" | "stall";
  /** stall: told once the events before the stall are written (a test's cue to act mid-stream) */
  onStall?: () => void;
  errorType?: string;
  message?: string;
}

export interface CompletionReply {
  kind: "completion";
  completion: CompletionSpec;
  fault?: StreamFault;
  /** wait before the response headers */
  firstDelayMs?: number;
  /** wait between stream events */
  eventDelayMs?: number;
  headers?: Record<string, string>;
}

export type Reply =
  | CompletionReply
  | {
      kind: "api-error";
      status: number;
      message: string;
      /** the provider's error type; default by status */
      type?: string;
      code?: string;
      headers?: Record<string, string>;
    }
  | { kind: "raw"; status: number; body: string; headers?: Record<string, string> }
  /** the connection is closed without any response */
  | { kind: "reset" }
  /** no response at all (the client must time out or abort) */
  | { kind: "hang" }
  | { kind: "custom"; handle(res: ServerResponse, req: RecordedRequest): void | Promise<void> };

export type LlmHandler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface LlmServer {
  readonly flavor: Flavor;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** what to pass as the client's baseUrl: `<url>/v1` for OpenAI (the SDK appends /chat/completions), `<url>` for Anthropic */
  readonly baseUrl: string;
  /** every request received, in order */
  readonly requests: RecordedRequest[];
  /** requests to the provider's endpoint only */
  readonly calls: RecordedRequest[];
  handle(handler: LlmHandler): void;
  /** one reply per request, in order; the last one repeats */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

const ENDPOINT: Record<Flavor, string> = { openai: "/v1/chat/completions", anthropic: "/v1/messages" };

export function startOpenAIServer(handler?: LlmHandler): Promise<LlmServer> {
  return startLlmServer("openai", handler);
}

export function startAnthropicServer(handler?: LlmHandler): Promise<LlmServer> {
  return startLlmServer("anthropic", handler);
}

export async function startLlmServer(flavor: Flavor, initial?: LlmHandler): Promise<LlmServer> {
  let handler: LlmHandler = initial ?? (() => reply.text("ok"));
  const requests: RecordedRequest[] = [];
  const calls: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts).toString("utf8");
      let json: Record<string, unknown> | undefined;
      try {
        const v: unknown = JSON.parse(body);
        if (v !== null && typeof v === "object" && !Array.isArray(v)) json = v as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      const path = (req.url ?? "/").split("?")[0];
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body,
        json,
      };
      requests.push(recorded);
      void (async () => {
        try {
          if (recorded.method !== "POST" || path !== ENDPOINT[flavor]) {
            await send(flavor, res, recorded, {
              kind: "api-error",
              status: 404,
              message: `Invalid URL (${recorded.method} ${path})`,
            });
            return;
          }
          // Anthropic: `x-api-key`, or `Authorization: Bearer` (what @anthropic-ai/sdk 1.x sends for an API key)
          const auth =
            flavor === "openai"
              ? req.headers.authorization
              : (req.headers["x-api-key"] ?? req.headers.authorization);
          if (!auth) {
            await send(flavor, res, recorded, {
              kind: "api-error",
              status: 401,
              message: "no API key provided",
            });
            return;
          }
          const index = calls.length;
          calls.push(recorded);
          await send(flavor, res, recorded, await handler(recorded, index));
        } catch (err) {
          if (!res.headersSent) {
            res.writeHead(599, { "content-type": "text/plain" });
            res.end(`test server handler failed: ${String(err)}`);
          } else res.destroy();
        }
      })();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    flavor,
    url,
    baseUrl: flavor === "openai" ? `${url}/v1` : url,
    requests,
    calls,
    handle(h) {
      handler = h;
    },
    script(...replies) {
      if (replies.length === 0) throw new Error("script() needs at least one reply");
      let next = 0;
      handler = () => replies[Math.min(next++, replies.length - 1)];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reply helpers

type ReplyOpts = Omit<CompletionReply, "kind" | "completion">;

export const reply = {
  /** a completion: rendered as JSON or SSE by the request's `stream` flag */
  completion(completion: CompletionSpec, opts: ReplyOpts = {}): CompletionReply {
    return { kind: "completion", completion, ...opts };
  },
  text(text: string, extra: Omit<CompletionSpec, "text"> = {}, opts: ReplyOpts = {}): CompletionReply {
    return { kind: "completion", completion: { ...extra, text }, ...opts };
  },
  toolCalls(
    calls: ToolCallSpec[],
    extra: Omit<CompletionSpec, "toolCalls"> = {},
    opts: ReplyOpts = {},
  ): CompletionReply {
    return { kind: "completion", completion: { ...extra, toolCalls: calls }, ...opts };
  },
  /** an error in the provider's shape */
  error(
    status: number,
    message: string,
    opts: {
      type?: string;
      code?: string;
      retryAfter?: number | string;
      retryAfterMs?: number;
      headers?: Record<string, string>;
    } = {},
  ): Reply {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.retryAfter !== undefined) headers["retry-after"] = String(opts.retryAfter);
    if (opts.retryAfterMs !== undefined) headers["retry-after-ms"] = String(opts.retryAfterMs);
    const r: Reply = { kind: "api-error", status, message, headers };
    if (opts.type !== undefined) r.type = opts.type;
    if (opts.code !== undefined) r.code = opts.code;
    return r;
  },
  /** 429 with `retry-after: <seconds>` */
  rateLimited(retryAfterSeconds?: number | string, message = "Rate limit reached for requests"): Reply {
    return reply.error(
      429,
      message,
      retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds },
    );
  },
  /** Anthropic's 529 overloaded_error */
  overloaded(message = "Overloaded"): Reply {
    return reply.error(529, message, { type: "overloaded_error" });
  },
  serverError(status = 500, message = "The server had an error while processing your request."): Reply {
    return reply.error(status, message);
  },
  /** 200 with a JSON content type and a body that is not JSON */
  invalidJson(): Reply {
    return {
      kind: "raw",
      status: 200,
      body: '{"id": "chatcmpl-1", "choices": [',
      headers: { "content-type": "application/json" },
    };
  },
  /** 200 with a JSON content type and no body (content-length: 0) */
  emptyBody(): Reply {
    return { kind: "raw", status: 200, body: "", headers: { "content-type": "application/json" } };
  },
  raw(status: number, body: string, headers: Record<string, string> = {}): Reply {
    return { kind: "raw", status, body, headers };
  },
  reset(): Reply {
    return { kind: "reset" };
  },
  hang(): Reply {
    return { kind: "hang" };
  },
  /** a stream cut after `afterEvents` events: the socket destroyed (default) or the response ended early */
  truncated(
    completion: CompletionSpec,
    afterEvents: number,
    how: "destroy" | "end" = "destroy",
  ): CompletionReply {
    return { kind: "completion", completion, fault: { afterEvents, kind: how } };
  },
  /** a stream that stops after `afterEvents` events and stays open; `onStall` is told when it stops */
  stalled(completion: CompletionSpec, afterEvents: number, onStall?: () => void): CompletionReply {
    return { kind: "completion", completion, fault: { afterEvents, kind: "stall", onStall } };
  },
  /** an error event inside a stream after `afterEvents` events */
  streamError(
    completion: CompletionSpec,
    afterEvents: number,
    errorType: string,
    message = "stream error",
  ): CompletionReply {
    return { kind: "completion", completion, fault: { afterEvents, kind: "error", errorType, message } };
  },
};

// ---------------------------------------------------------------------------------------------
// Rendering

const DEFAULT_ERROR_TYPE: Record<Flavor, Record<number, string>> = {
  openai: {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
    500: "server_error",
    503: "server_error",
  },
  anthropic: {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
  },
};

function errorBody(flavor: Flavor, status: number, message: string, type?: string, code?: string): unknown {
  const t =
    type ?? DEFAULT_ERROR_TYPE[flavor][status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  if (flavor === "openai") {
    const c = code ?? (status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null);
    return { error: { message, type: t, param: null, code: c } };
  }
  return { type: "error", error: { type: t, message }, request_id: "req_test" };
}

function requestIdHeader(flavor: Flavor): Record<string, string> {
  return flavor === "openai" ? { "x-request-id": "req_test" } : { "request-id": "req_test" };
}

async function send(flavor: Flavor, res: ServerResponse, req: RecordedRequest, r: Reply): Promise<void> {
  switch (r.kind) {
    case "api-error": {
      const body = JSON.stringify(errorBody(flavor, r.status, r.message, r.type, r.code));
      res.writeHead(r.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...requestIdHeader(flavor),
        ...r.headers,
      });
      res.end(body);
      return;
    }
    case "raw":
      res.writeHead(r.status, { "content-length": Buffer.byteLength(r.body), ...r.headers });
      res.end(r.body);
      return;
    case "reset":
      res.socket?.destroy();
      return;
    case "hang":
      return;
    case "custom":
      await r.handle(res, req);
      return;
    case "completion": {
      if (r.firstDelayMs) await sleep(r.firstDelayMs);
      const stream = req.json?.stream === true;
      if (!stream) {
        const body = JSON.stringify(
          flavor === "openai" ? openaiCompletion(req, r.completion) : anthropicMessage(req, r.completion),
        );
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...requestIdHeader(flavor),
          ...r.headers,
        });
        res.end(body);
        return;
      }
      const events =
        flavor === "openai" ? openaiChunks(req, r.completion) : anthropicEvents(req, r.completion);
      await writeStream(flavor, res, events, r);
      return;
    }
  }
}

interface SseEvent {
  event?: string;
  data: string;
}

async function writeStream(
  flavor: Flavor,
  res: ServerResponse,
  events: SseEvent[],
  r: CompletionReply,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...requestIdHeader(flavor),
    ...r.headers,
  });
  const fault = r.fault;
  for (let i = 0; i < events.length; i++) {
    if (fault && i === fault.afterEvents) {
      if (fault.kind === "stall") {
        fault.onStall?.();
        return;
      }
      if (fault.kind === "destroy") {
        res.socket?.destroy();
        return;
      }
      if (fault.kind === "error") {
        const body = errorBody(flavor, 500, fault.message ?? "stream error", fault.errorType);
        const ev: SseEvent =
          flavor === "openai"
            ? { data: JSON.stringify(body) }
            : { event: "error", data: JSON.stringify(body) };
        await write(res, frame(ev));
      }
      res.end();
      return;
    }
    if (i > 0 && r.eventDelayMs) await sleep(r.eventDelayMs);
    if (res.destroyed) return;
    await write(res, frame(events[i]));
  }
  res.end();
}

function frame(e: SseEvent): string {
  return `${e.event !== undefined ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`;
}

function write(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) {
      resolve();
      return;
    }
    res.write(chunk, () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function argumentsJson(c: ToolCallSpec): string {
  return typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {});
}

function modelOf(req: RecordedRequest, c: CompletionSpec): string {
  return c.model ?? (typeof req.json?.model === "string" ? req.json.model : "test-model");
}

// --- OpenAI ---------------------------------------------------------------------------------

function openaiFinish(c: CompletionSpec): string {
  return c.finishReason ?? ((c.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop");
}

function openaiUsage(c: CompletionSpec): Record<string, unknown> {
  const input = c.usage?.input ?? 10;
  const output = c.usage?.output ?? 5;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: c.usage?.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The wire form of token log-probabilities (ChatCompletionTokenLogprob). */
function openaiTokenLogprobs(tokens: Array<{ token: string; logprob: number }>): unknown[] {
  return tokens.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    bytes: [...Buffer.from(t.token, "utf8")],
    top_logprobs: [],
  }));
}

function wantsLogprobs(req: RecordedRequest, c: CompletionSpec): boolean {
  return req.json?.logprobs === true && c.logprobs !== undefined;
}

function openaiCompletion(req: RecordedRequest, c: CompletionSpec): unknown {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: c.text ?? null,
    refusal: c.refusal ?? null,
    annotations: [],
  };
  if (c.toolCalls && c.toolCalls.length > 0) {
    message.tool_calls = c.toolCalls.map((t, i) => ({
      id: t.id ?? `call_${i}`,
      type: "function",
      function: { name: t.name, arguments: argumentsJson(t) },
    }));
  }
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: modelOf(req, c),
    choices: [
      {
        index: 0,
        message,
        logprobs: wantsLogprobs(req, c)
          ? { content: openaiTokenLogprobs(c.logprobs ?? []), refusal: null }
          : null,
        finish_reason: openaiFinish(c),
      },
    ],
    usage: openaiUsage(c),
    service_tier: "default",
    system_fingerprint: "fp_test",
  };
}

function openaiChunks(req: RecordedRequest, c: CompletionSpec): SseEvent[] {
  const streamOptions = req.json?.stream_options;
  const includeUsage =
    streamOptions !== null &&
    typeof streamOptions === "object" &&
    (streamOptions as Record<string, unknown>).include_usage === true;
  const model = modelOf(req, c);
  const chunk = (choices: unknown[], usage?: unknown): SseEvent => {
    const body: Record<string, unknown> = {
      id: "chatcmpl-test",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model,
      system_fingerprint: "fp_test",
      choices,
    };
    if (includeUsage) body.usage = usage ?? null;
    return { data: JSON.stringify(body) };
  };
  const choice = (delta: unknown, finish: string | null = null, logprobs: unknown = null) => ({
    index: 0,
    delta,
    logprobs,
    finish_reason: finish,
  });
  const events: SseEvent[] = [chunk([choice({ role: "assistant", content: "", refusal: null })])];
  if (c.text !== undefined) {
    const tokens = wantsLogprobs(req, c) ? (c.logprobs ?? []) : undefined;
    const perToken =
      tokens !== undefined && c.chunks === undefined && tokens.map((t) => t.token).join("") === c.text;
    const parts = perToken ? tokens.map((t) => t.token) : (c.chunks ?? pieces(c.text, 4));
    parts.forEach((p, i) => {
      const lp =
        tokens === undefined
          ? null
          : perToken
            ? { content: openaiTokenLogprobs([tokens[i]!]), refusal: null }
            : i === 0
              ? { content: openaiTokenLogprobs(tokens), refusal: null }
              : null;
      events.push(chunk([choice({ content: p }, null, lp)]));
    });
  }
  if (c.refusal !== undefined) events.push(chunk([choice({ refusal: c.refusal })]));
  (c.toolCalls ?? []).forEach((t, i) => {
    events.push(
      chunk([
        choice({
          tool_calls: [
            {
              index: i,
              id: t.id ?? `call_${i}`,
              type: "function",
              function: { name: t.name, arguments: "" },
            },
          ],
        }),
      ]),
    );
    for (const p of t.argumentChunks ?? pieces(argumentsJson(t), 7)) {
      events.push(chunk([choice({ tool_calls: [{ index: i, function: { arguments: p } }] })]));
    }
  });
  events.push(chunk([choice({}, openaiFinish(c))]));
  if (includeUsage) events.push(chunk([], openaiUsage(c)));
  events.push({ data: "[DONE]" });
  return events;
}

// --- Anthropic ------------------------------------------------------------------------------

function anthropicStop(c: CompletionSpec): string {
  return c.finishReason ?? ((c.toolCalls?.length ?? 0) > 0 ? "tool_use" : "end_turn");
}

function anthropicUsage(c: CompletionSpec, output: number): Record<string, unknown> {
  return {
    input_tokens: c.usage?.input ?? 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: c.usage?.cached ?? 0,
    output_tokens: output,
    service_tier: "standard",
  };
}

function toolInput(t: ToolCallSpec): unknown {
  return typeof t.arguments === "string" ? {} : (t.arguments ?? {});
}

function anthropicMessage(req: RecordedRequest, c: CompletionSpec): unknown {
  const content: unknown[] = [];
  if (c.text !== undefined) content.push({ type: "text", text: c.text });
  (c.toolCalls ?? []).forEach((t, i) => {
    content.push({ type: "tool_use", id: t.id ?? `toolu_${i}`, name: t.name, input: toolInput(t) });
  });
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: modelOf(req, c),
    content,
    stop_reason: anthropicStop(c),
    stop_sequence: null,
    usage: anthropicUsage(c, c.usage?.output ?? 5),
  };
}

function anthropicEvents(req: RecordedRequest, c: CompletionSpec): SseEvent[] {
  const ev = (type: string, body: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...body }),
  });
  const events: SseEvent[] = [
    ev("message_start", {
      message: {
        id: "msg_test",
        type: "message",
        role: "assistant",
        model: modelOf(req, c),
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(c, 1),
      },
    }),
    { event: "ping", data: JSON.stringify({ type: "ping" }) },
  ];
  let index = 0;
  if (c.text !== undefined) {
    events.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
    for (const p of c.chunks ?? pieces(c.text, 4)) {
      events.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: p } }));
    }
    events.push(ev("content_block_stop", { index }));
    index++;
  }
  for (const [i, t] of (c.toolCalls ?? []).entries()) {
    events.push(
      ev("content_block_start", {
        index,
        content_block: { type: "tool_use", id: t.id ?? `toolu_${i}`, name: t.name, input: {} },
      }),
    );
    for (const p of ["", ...(t.argumentChunks ?? pieces(argumentsJson(t), 7))]) {
      events.push(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: p } }));
    }
    events.push(ev("content_block_stop", { index }));
    index++;
  }
  events.push(
    ev("message_delta", {
      delta: { stop_reason: anthropicStop(c), stop_sequence: null },
      usage: { output_tokens: c.usage?.output ?? 5 },
    }),
  );
  events.push(ev("message_stop", {}));
  return events;
}
