import type { ChatMessage, ToolCall } from "../core/case.ts";
import type { Trace, TraceStep, Usage } from "../core/output.ts";
import type { ProductionRecord } from "../store/production.ts";
import { RecordError } from "./parse.ts";

/**
 * OTLP/HTTP JSON traces (`POST /v1/traces`) → production records, following the OpenTelemetry
 * GenAI semantic conventions (development status). What is read:
 *
 * - A span whose `gen_ai.operation.name` is `chat`, `text_completion`, `generate_content` or
 *   `invoke_agent` becomes a record, unless a span above it already does: then it is part of that
 *   record's trace (an agent's model calls are steps of the agent, not records of their own).
 * - `execute_tool` spans become a tool-call and a tool-result step of the record above them
 *   (`gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.call.arguments`,
 *   `gen_ai.tool.call.result`; an error status marks the result as an error).
 * - input: `gen_ai.system_instructions` then `gen_ai.input.messages` (for an agent without them,
 *   its first model call's); output: the text of `gen_ai.output.messages` (an agent without them:
 *   its last model call's). Messages are the conventions' `{role, parts: [{type: text|tool_call|
 *   tool_call_response, …}]}`, sent as a JSON string or as structured OTLP values.
 * - model: `gen_ai.response.model` (an agent without one: its last model call's), else
 *   `gen_ai.request.model`; usage: `gen_ai.usage.input_tokens`
 *   and `output_tokens` (an agent without them: the sum of its model calls); latency: the span's
 *   duration; time: its start.
 * - metadata: `operation`, `provider` (`gen_ai.provider.name`, or the deprecated `gen_ai.system`),
 *   `requestModel`, `conversation` (`gen_ai.conversation.id`), `agent` (`gen_ai.agent.name`), the
 *   resource's `service.name` as `service`, and every other scalar span attribute outside the
 *   `gen_ai.` namespace under its own key (so `app=triage` set by the application can be filtered on).
 * - id: `TRACE_ID:SPAN_ID`, so a retried export is stored once.
 *
 * A payload is taken whole or not at all: anything malformed throws a RecordError naming the span
 * and the attribute. Spans are mapped from what one request carries: a tool span whose record span
 * came in another request is counted in `orphans` and dropped (exporters that batch per trace, the
 * SDK's default BatchSpanProcessor with a flush at the end of a request, keep traces together).
 */

const RECORD_OPERATIONS = new Set(["chat", "text_completion", "generate_content", "invoke_agent"]);

interface OtlpSpan {
  path: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  attrs: Map<string, unknown>;
  resource: Map<string, unknown>;
  error: boolean;
  statusMessage?: string;
}

export interface OtlpMapping {
  records: ProductionRecord[];
  /** spans read in total */
  spans: number;
  /** execute_tool or nested GenAI spans whose record span was not in the payload */
  orphans: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An OTLP AnyValue → a plain value (int64 as number when safe, else as a string). */
function anyValue(v: unknown, field: string): unknown {
  if (!isObject(v)) throw new RecordError("expected an OTLP AnyValue object", field);
  if ("stringValue" in v) return String(v.stringValue);
  if ("boolValue" in v) return Boolean(v.boolValue);
  if ("intValue" in v) {
    // int64 comes as a string of digits (or a JSON number); Number() alone would take "" or true as 0 or 1
    const raw = v.intValue;
    const n =
      (typeof raw === "string" && /^-?\d+$/.test(raw)) || (typeof raw === "number" && Number.isInteger(raw))
        ? Number(raw)
        : Number.NaN;
    if (!Number.isFinite(n)) throw new RecordError("intValue is not an integer", field);
    return n;
  }
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) {
    const values = (v.arrayValue as { values?: unknown[] } | undefined)?.values ?? [];
    if (!Array.isArray(values)) throw new RecordError("arrayValue.values is not a list", field);
    return values.map((x, i) => anyValue(x, `${field}[${i}]`));
  }
  if ("kvlistValue" in v) {
    const values = (v.kvlistValue as { values?: unknown[] } | undefined)?.values ?? [];
    if (!Array.isArray(values)) throw new RecordError("kvlistValue.values is not a list", field);
    return Object.fromEntries(attributes(values, field));
  }
  if ("bytesValue" in v) return String(v.bytesValue);
  return null;
}

function attributes(list: unknown, field: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (list === undefined) return out;
  if (!Array.isArray(list)) throw new RecordError("expected a list of {key, value}", field);
  for (const kv of list) {
    if (!isObject(kv) || typeof kv.key !== "string") {
      throw new RecordError("an attribute is {key, value}", field);
    }
    out.set(kv.key, kv.value === undefined ? null : anyValue(kv.value, `${field} ${kv.key}`));
  }
  return out;
}

function nanos(v: unknown, field: string): bigint {
  if (
    (typeof v === "string" && /^\d+$/.test(v)) ||
    (typeof v === "number" && Number.isInteger(v) && v >= 0)
  ) {
    return BigInt(v);
  }
  throw new RecordError("expected nanoseconds since the epoch (a string of digits)", field);
}

function hexId(v: unknown, length: number, field: string): string {
  if (typeof v === "string" && new RegExp(`^[0-9a-fA-F]{${length}}$`).test(v)) return v.toLowerCase();
  throw new RecordError(`expected a ${length}-digit hex id`, field);
}

function collectSpans(payload: unknown): OtlpSpan[] {
  if (!isObject(payload) || !Array.isArray(payload.resourceSpans)) {
    throw new RecordError("an OTLP traces request is {resourceSpans: [...]}", "resourceSpans");
  }
  const spans: OtlpSpan[] = [];
  payload.resourceSpans.forEach((rs, i) => {
    const rPath = `resourceSpans[${i}]`;
    if (!isObject(rs)) throw new RecordError("expected an object", rPath);
    const resource = attributes(
      (rs.resource as { attributes?: unknown } | undefined)?.attributes,
      `${rPath}.resource`,
    );
    const scopes = rs.scopeSpans ?? [];
    if (!Array.isArray(scopes)) throw new RecordError("expected a list", `${rPath}.scopeSpans`);
    scopes.forEach((ss, j) => {
      const sPath = `${rPath}.scopeSpans[${j}]`;
      const list = isObject(ss) ? (ss.spans ?? []) : undefined;
      if (!Array.isArray(list)) throw new RecordError("expected a list", `${sPath}.spans`);
      list.forEach((s, k) => {
        const path = `${sPath}.spans[${k}]`;
        if (!isObject(s)) throw new RecordError("expected a span object", path);
        const status = isObject(s.status) ? s.status : {};
        const span: OtlpSpan = {
          path,
          traceId: hexId(s.traceId, 32, `${path}.traceId`),
          spanId: hexId(s.spanId, 16, `${path}.spanId`),
          name: typeof s.name === "string" ? s.name : "",
          startNs: nanos(s.startTimeUnixNano, `${path}.startTimeUnixNano`),
          endNs: nanos(s.endTimeUnixNano ?? s.startTimeUnixNano, `${path}.endTimeUnixNano`),
          attrs: attributes(s.attributes, `${path}.attributes`),
          resource,
          // STATUS_CODE_ERROR is 2 (the JSON encoding may also spell the enum's name)
          error: status.code === 2 || status.code === "STATUS_CODE_ERROR",
        };
        if (typeof status.message === "string" && status.message) span.statusMessage = status.message;
        if (typeof s.parentSpanId === "string" && s.parentSpanId !== "") {
          span.parentSpanId = hexId(s.parentSpanId, 16, `${path}.parentSpanId`);
        }
        spans.push(span);
      });
    });
  });
  return spans;
}

/* ------------------------------------------------------------------ attributes */

function where(span: OtlpSpan, attr: string): string {
  return `${span.path}.attributes ${attr}`;
}

function stringAttr(span: OtlpSpan, key: string): string | undefined {
  const v = span.attrs.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new RecordError(`expected a string, got ${typeof v}`, where(span, key));
  return v;
}

function intAttr(span: OtlpSpan, key: string): number | undefined {
  const v = span.attrs.get(key);
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RecordError(`expected a non-negative integer, got ${JSON.stringify(v)}`, where(span, key));
  }
  return n;
}

/** A structured attribute: JSON text (the common encoding) or structured OTLP values. */
function jsonAttr(span: OtlpSpan, key: string): unknown {
  const v = span.attrs.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new RecordError("expected JSON text (the conventions' message format)", where(span, key));
  }
}

/** A tool's arguments or result: JSON when it parses, else the text as sent. */
function looseJsonAttr(span: OtlpSpan, key: string): unknown {
  const v = span.attrs.get(key);
  if (typeof v !== "string") return v ?? undefined;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);

/** The conventions' messages (`{role, parts}`) → assay's chat messages. */
function messagesAttr(span: OtlpSpan, key: string): ChatMessage[] | undefined {
  const raw = jsonAttr(span, key);
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw new RecordError("expected a list of {role, parts}", where(span, key));
  const out: ChatMessage[] = [];
  raw.forEach((m, i) => {
    const at = `${where(span, key)}[${i}]`;
    if (!isObject(m)) throw new RecordError("expected a message {role, parts}", at);
    if (typeof m.role !== "string") throw new RecordError("missing role", `${at}.role`);
    if (!Array.isArray(m.parts)) throw new RecordError("missing parts (a list)", `${at}.parts`);
    out.push(...partsToMessages(m.role, m.parts, at));
  });
  return out;
}

function partsToMessages(role: string, parts: unknown[], at: string): ChatMessage[] {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const responses: ChatMessage[] = [];
  parts.forEach((p, i) => {
    if (!isObject(p) || typeof p.type !== "string")
      throw new RecordError("a part is {type, …}", `${at}.parts[${i}]`);
    if (p.type === "text" || p.type === "reasoning") {
      if (typeof p.content !== "string")
        throw new RecordError("a text part has content", `${at}.parts[${i}].content`);
      if (p.type === "text") texts.push(p.content);
    } else if (p.type === "tool_call") {
      if (typeof p.name !== "string")
        throw new RecordError("a tool call has a name", `${at}.parts[${i}].name`);
      const call: ToolCall = { name: p.name, arguments: p.arguments ?? null };
      if (typeof p.id === "string") call.id = p.id;
      toolCalls.push(call);
    } else if (p.type === "tool_call_response") {
      // `response` in the current conventions; drafts (and instrumentations written from them) say `result`
      const response = "response" in p ? p.response : p.result;
      const msg: ChatMessage = {
        role: "tool",
        content: typeof response === "string" ? response : JSON.stringify(response ?? null),
      };
      if (typeof p.id === "string") msg.toolCallId = p.id;
      responses.push(msg);
    }
    // other part types (blob, file, uri, …) carry no text assay scores
  });
  const out: ChatMessage[] = [];
  if (texts.length > 0 || toolCalls.length > 0 || responses.length === 0) {
    const msg: ChatMessage = {
      role: (ROLES.has(role) ? role : "user") as ChatMessage["role"],
      content: texts.join(""),
    };
    if (toolCalls.length > 0) msg.toolCalls = toolCalls;
    out.push(msg);
  }
  out.push(...responses);
  return out;
}

function systemInstructions(span: OtlpSpan): ChatMessage | undefined {
  const raw = jsonAttr(span, "gen_ai.system_instructions");
  if (raw === undefined) return undefined;
  if (typeof raw === "string") return { role: "system", content: raw };
  if (!Array.isArray(raw))
    throw new RecordError("expected a list of parts", where(span, "gen_ai.system_instructions"));
  const texts = raw
    .filter((p): p is Record<string, unknown> => isObject(p) && p.type === "text")
    .map((p) => String(p.content ?? ""));
  return { role: "system", content: texts.join("\n") };
}

function operation(span: OtlpSpan): string | undefined {
  return stringAttr(span, "gen_ai.operation.name");
}

function usageOf(span: OtlpSpan): Usage | undefined {
  const input = intAttr(span, "gen_ai.usage.input_tokens");
  const output = intAttr(span, "gen_ai.usage.output_tokens");
  if (input === undefined && output === undefined) return undefined;
  return { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}

function isoOf(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

function scalarMetadata(into: Record<string, unknown>, attrs: Map<string, unknown>): void {
  for (const [k, v] of attrs) {
    if (k.startsWith("gen_ai.")) continue;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") into[k] = v;
  }
}

/* ------------------------------------------------------------------ mapping */

export function mapOtlpTraces(payload: unknown): OtlpMapping {
  const spans = collectSpans(payload);
  const byId = new Map<string, OtlpSpan>();
  for (const s of spans) byId.set(`${s.traceId}:${s.spanId}`, s);
  // every span's operation is read (and so checked) once, up front
  const ops = new Map<OtlpSpan, string | undefined>(spans.map((s) => [s, operation(s)]));

  /** The nearest span at or above `s` that becomes a record, if any is in the payload. */
  const recordSpanOf = (s: OtlpSpan): OtlpSpan | undefined => {
    let found: OtlpSpan | undefined;
    let cur: OtlpSpan | undefined = s;
    const seen = new Set<OtlpSpan>();
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      if (RECORD_OPERATIONS.has(ops.get(cur) ?? "")) found = cur;
      cur = cur.parentSpanId ? byId.get(`${cur.traceId}:${cur.parentSpanId}`) : undefined;
    }
    return found; // the topmost one: nested model calls belong to the agent above them
  };

  const members = new Map<OtlpSpan, OtlpSpan[]>();
  let orphans = 0;
  for (const s of spans) {
    const op = ops.get(s);
    if (op === undefined) continue; // not a GenAI span (HTTP, database, …)
    const top = recordSpanOf(s);
    if (!top) {
      orphans++;
      continue;
    }
    if (top === s) {
      if (!members.has(s)) members.set(s, []);
    } else {
      const list = members.get(top) ?? [];
      list.push(s);
      members.set(top, list);
    }
  }

  const records: ProductionRecord[] = [];
  for (const [top, children] of members) {
    children.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    records.push(recordOf(top, children));
  }
  records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  return { records, spans: spans.length, orphans };
}

function recordOf(top: OtlpSpan, children: OtlpSpan[]): ProductionRecord {
  const modelCalls = children.filter((c) => RECORD_OPERATIONS.has(operation(c) ?? ""));

  let inputMessages = messagesAttr(top, "gen_ai.input.messages");
  let system = systemInstructions(top);
  if (!inputMessages && modelCalls.length > 0) {
    inputMessages = messagesAttr(modelCalls[0], "gen_ai.input.messages");
    system ??= systemInstructions(modelCalls[0]);
  }
  if (!inputMessages) {
    throw new RecordError(
      "missing: a record needs the conversation's input (turn on message content capture in the instrumentation)",
      where(top, "gen_ai.input.messages"),
    );
  }
  let outputMessages = messagesAttr(top, "gen_ai.output.messages");
  if (!outputMessages && modelCalls.length > 0) {
    outputMessages = messagesAttr(modelCalls[modelCalls.length - 1], "gen_ai.output.messages");
  }
  if (!outputMessages) {
    throw new RecordError(
      "missing: a record needs the answer (turn on message content capture in the instrumentation)",
      where(top, "gen_ai.output.messages"),
    );
  }
  const outputText = outputMessages
    .filter((m) => m.role === "assistant")
    .map((m) => m.content)
    .join("");
  const messages = [...(system ? [system] : []), ...inputMessages];

  // The trace: each model call's answer and each tool call, in the order they started.
  const steps: TraceStep[] = [];
  const toolCalls: ToolCall[] = [];
  for (const c of children) {
    const op = operation(c);
    if (op === "execute_tool") {
      const name = stringAttr(c, "gen_ai.tool.name");
      if (!name)
        throw new RecordError("missing: an execute_tool span names its tool", where(c, "gen_ai.tool.name"));
      const call: ToolCall = { name, arguments: looseJsonAttr(c, "gen_ai.tool.call.arguments") ?? null };
      const callId = stringAttr(c, "gen_ai.tool.call.id");
      if (callId) call.id = callId;
      toolCalls.push(call);
      const startedAt = Number(c.startNs / 1_000_000n);
      const durationMs = Number(c.endNs - c.startNs) / 1e6;
      steps.push({ type: "tool-call", toolCall: call, startedAt });
      const result: TraceStep = {
        type: "tool-result",
        toolCall: call,
        result: looseJsonAttr(c, "gen_ai.tool.call.result") ?? (c.error ? (c.statusMessage ?? null) : null),
        durationMs,
      };
      if (c.error) result.isError = true;
      steps.push(result);
    } else if (op && RECORD_OPERATIONS.has(op)) {
      for (const m of messagesAttr(c, "gen_ai.output.messages") ?? []) {
        steps.push({ type: "message", message: m, startedAt: Number(c.startNs / 1_000_000n) });
      }
    }
  }
  const trace: Trace = { messages: [...messages, ...outputMessages] };
  if (steps.length > 0) trace.steps = steps;
  if (toolCalls.length > 0) trace.toolCalls = toolCalls;

  const metadata: Record<string, unknown> = {};
  const service = top.resource.get("service.name");
  if (typeof service === "string") metadata.service = service;
  scalarMetadata(metadata, top.attrs);
  metadata.operation = operation(top);
  const provider = stringAttr(top, "gen_ai.provider.name") ?? stringAttr(top, "gen_ai.system");
  if (provider) metadata.provider = provider;
  const requestModel = stringAttr(top, "gen_ai.request.model");
  if (requestModel) metadata.requestModel = requestModel;
  const conversation = stringAttr(top, "gen_ai.conversation.id");
  if (conversation) metadata.conversation = conversation;
  const agent = stringAttr(top, "gen_ai.agent.name");
  if (agent) metadata.agent = agent;
  const responseId = stringAttr(top, "gen_ai.response.id");
  if (responseId) metadata.responseId = responseId;

  const record: ProductionRecord = {
    id: `${top.traceId}:${top.spanId}`,
    time: isoOf(top.startNs),
    input: { messages },
    output: outputText,
    trace,
    metadata,
    latencyMs: Number(top.endNs - top.startNs) / 1e6,
    source: "otlp",
  };
  // the model that answered: the span's response model, else its last model call's, else what
  // was requested (an agent span usually names only the model it asked for)
  const lastCall = modelCalls.length > 0 ? modelCalls[modelCalls.length - 1] : undefined;
  const model =
    stringAttr(top, "gen_ai.response.model") ??
    (lastCall ? stringAttr(lastCall, "gen_ai.response.model") : undefined) ??
    requestModel ??
    (lastCall ? stringAttr(lastCall, "gen_ai.request.model") : undefined);
  if (model) record.model = model;
  let usage = usageOf(top);
  if (!usage && modelCalls.length > 0) {
    const parts = modelCalls.map(usageOf).filter((u): u is Usage => u !== undefined);
    if (parts.length > 0) {
      usage = {
        inputTokens: parts.reduce((a, u) => a + u.inputTokens, 0),
        outputTokens: parts.reduce((a, u) => a + u.outputTokens, 0),
      };
    }
  }
  if (usage) record.usage = usage;
  return record;
}
