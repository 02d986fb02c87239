import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mapOtlpTraces } from "../../src/records/otlp.ts";
import { RecordError } from "../../src/records/parse.ts";

/**
 * OTLP/HTTP JSON traces → production records. The fixture (fixtures/otlp-genai.json) is written
 * from the OpenTelemetry GenAI semantic conventions: message attributes in the `{role, parts}`
 * shape of gen-ai-input-messages.json / gen-ai-output-messages.json, system instructions as a list
 * of text parts, `execute_tool` spans with gen_ai.tool.* attributes, OTLP's JSON encoding (hex ids,
 * int64 as strings, status code 2 for an error).
 */

type Payload = {
  resourceSpans: Array<{
    scopeSpans: Array<{ spans: Array<Record<string, unknown> & { attributes: Attr[] }> }>;
  }>;
};
type Attr = { key: string; value: Record<string, unknown> };

const fixture = (): Payload =>
  JSON.parse(readFileSync(new URL("./fixtures/otlp-genai.json", import.meta.url), "utf8")) as Payload;

const CHAT1 = "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174";
const CHAT2 = "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331";
const AGENT = "4bf92f3577b34da6a3ce929d0e0e4736:53995c3f42cd8ad8";

/** The span at resourceSpans[r].scopeSpans[s].spans[k] of a payload. */
function span(p: Payload, r: number, s: number, k: number) {
  return p.resourceSpans[r].scopeSpans[s].spans[k];
}

function setAttr(p: Payload, at: [number, number, number], key: string, value: Record<string, unknown>) {
  const attrs = span(p, ...at).attributes;
  const found = attrs.find((a) => a.key === key);
  if (!found) throw new Error(`fixture has no ${key} at ${at}`);
  found.value = value;
}

function mapError(p: unknown): RecordError {
  try {
    mapOtlpTraces(p);
  } catch (err) {
    if (err instanceof RecordError) return err;
    throw err;
  }
  throw new Error("mapOtlpTraces accepted a malformed payload");
}

describe("mapOtlpTraces: the GenAI conventions fixture", () => {
  const mapping = mapOtlpTraces(fixture());

  it("makes one record per chat span and per agent invocation, none of the tools, model calls inside the agent or HTTP spans", () => {
    expect(mapping.spans).toBe(8);
    expect(mapping.orphans).toBe(0);
    // oldest first, ids TRACE_ID:SPAN_ID of the span that became the record
    expect(mapping.records.map((r) => r.id)).toEqual([CHAT1, CHAT2, AGENT]);
    expect(mapping.records.every((r) => r.source === "otlp")).toBe(true);
  });

  it("a chat span: system instructions first in the input, output text, response model, usage, latency, metadata", () => {
    const system = {
      role: "system",
      content: "You sort support tickets into billing, shipping or other.\nAnswer with one word.",
    };
    const user = { role: "user", content: "I was charged twice for order A-17." };
    expect(mapping.records[0]).toEqual({
      id: CHAT1,
      // startTimeUnixNano 1767225600123456789 (to the millisecond)
      time: "2026-01-01T00:00:00.123Z",
      input: { messages: [system, user] },
      output: "billing",
      trace: { messages: [system, user, { role: "assistant", content: "billing" }] },
      model: "gpt-4o-mini-2024-07-18",
      usage: { inputTokens: 52, outputTokens: 3 },
      latencyMs: 850.5,
      metadata: {
        service: "support-bot",
        operation: "chat",
        provider: "openai",
        requestModel: "gpt-4o-mini",
        conversation: "conv_5j66UpCpwteGg4YSxUnt7lPY",
        responseId: "chatcmpl-A1b2C3",
        app: "triage",
        // other scalar attributes outside gen_ai.* keep their own keys; gen_ai.request.temperature does not
        "server.address": "api.openai.com",
        "server.port": 443,
      },
      source: "otlp",
    });
  });

  it("a chat span with the deprecated gen_ai.system, tool parts in its history and structured output messages", () => {
    const toolCall = { id: "toolu_01", name: "track_parcel", arguments: { parcel: "P-9" } };
    const messages = [
      { role: "system", content: "You sort support tickets." },
      { role: "user", content: "Where is my parcel P-9?" },
      { role: "assistant", content: "Let me check.", toolCalls: [toolCall] },
      { role: "tool", content: JSON.stringify({ status: "in transit" }), toolCallId: "toolu_01" },
      { role: "user", content: "Thanks. Which team handles this?" },
    ];
    expect(mapping.records[1]).toEqual({
      id: CHAT2,
      time: "2026-01-01T00:01:00.000Z",
      input: { messages },
      // the reasoning part is not part of the answer
      output: "shipping",
      trace: { messages: [...messages, { role: "assistant", content: "shipping" }] },
      // no gen_ai.response.model: the requested one
      model: "claude-sonnet-4-5",
      usage: { inputTokens: 120, outputTokens: 31 },
      latencyMs: 1200,
      metadata: {
        service: "support-bot",
        operation: "chat",
        provider: "anthropic",
        requestModel: "claude-sonnet-4-5",
        conversation: "conv_2",
        app: "triage",
      },
      source: "otlp",
    });
  });

  it("an invoke_agent span: input from its first model call, output from its last, usage summed, tools as steps in start order", () => {
    const getOrder = { id: "call_1", name: "get_order", arguments: { orderId: "A-17" } };
    // structured OTLP arguments (a kvlistValue with an int64) read as plain JSON
    const refund = { id: "call_2", name: "issue_refund", arguments: { orderId: "A-17", amount: 20 } };
    const answer = "I could not issue the refund right now; a colleague will follow up today.";
    const input = [
      { role: "system", content: "You resolve refund requests." },
      { role: "user", content: "Refund order A-17, it arrived broken." },
    ];
    expect(mapping.records[2]).toEqual({
      id: AGENT,
      time: "2026-01-01T00:02:00.000Z",
      input: { messages: input },
      output: answer,
      trace: {
        messages: [...input, { role: "assistant", content: answer }],
        toolCalls: [getOrder, refund],
        steps: [
          {
            type: "message",
            message: { role: "assistant", content: "", toolCalls: [getOrder, refund] },
            startedAt: 1767225720010,
          },
          { type: "tool-call", toolCall: getOrder, startedAt: 1767225720920 },
          {
            type: "tool-result",
            toolCall: getOrder,
            result: { status: "delivered", damaged: true },
            durationMs: 100,
          },
          { type: "tool-call", toolCall: refund, startedAt: 1767225721030 },
          // no gen_ai.tool.call.result on a failed call: the status message stands in for it
          {
            type: "tool-result",
            toolCall: refund,
            result: "refund service unavailable",
            isError: true,
            durationMs: 250,
          },
          { type: "message", message: { role: "assistant", content: answer }, startedAt: 1767225721300 },
        ],
      },
      // the agent names only the model it asked for: the one that answered is its last chat call's
      model: "gpt-4o-2024-08-06",
      // the agent has no gen_ai.usage.*: its two chat calls, 200+320 and 40+25
      usage: { inputTokens: 520, outputTokens: 65 },
      latencyMs: 4500,
      metadata: {
        service: "refund-agent",
        operation: "invoke_agent",
        provider: "openai",
        requestModel: "gpt-4o",
        conversation: "conv_3",
        agent: "refund-agent",
        app: "triage",
      },
      source: "otlp",
    });
  });

  it("a tool_call_response part written with `result` (the conventions' earlier draft) keeps its content", () => {
    const p = fixture();
    setAttr(p, [0, 0, 1], "gen_ai.input.messages", {
      stringValue: JSON.stringify([
        { role: "user", parts: [{ type: "text", content: "Where is P-9?" }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "toolu_01", result: "in transit" }] },
      ]),
    });
    const chat2 = mapOtlpTraces(p).records.find((r) => r.id === CHAT2);
    expect((chat2?.input as { messages: unknown[] } | undefined)?.messages.at(-1)).toEqual({
      role: "tool",
      content: "in transit",
      toolCallId: "toolu_01",
    });
  });

  it("an execute_tool span whose agent is not in the payload is counted as an orphan, not stored", () => {
    const p = fixture();
    const tool = span(p, 1, 1, 1); // execute_tool issue_refund
    const mapping = mapOtlpTraces({
      resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [tool] }] }],
    });
    expect(mapping).toEqual({ records: [], spans: 1, orphans: 1 });
  });

  it("is deterministic: the same payload maps to the same records (a retried export is stored once)", () => {
    expect(mapOtlpTraces(fixture())).toEqual(mapOtlpTraces(fixture()));
  });
});

describe("mapOtlpTraces: malformed spans name the span and the attribute", () => {
  // resourceSpans[0].scopeSpans[0].spans[0] is the first chat span, [0][0][1] the second;
  // resourceSpans[1].scopeSpans[1].spans[*] are the agent's spans
  const CHAT1_PATH = "resourceSpans[0].scopeSpans[0].spans[0]";
  const CHAT2_PATH = "resourceSpans[0].scopeSpans[0].spans[1]";

  it("a gen_ai.usage.input_tokens whose intValue is not an integer", () => {
    for (const bad of ["many", "", "12.5", true]) {
      const p = fixture();
      setAttr(p, [0, 0, 0], "gen_ai.usage.input_tokens", { intValue: bad });
      const err = mapError(p);
      expect(err.field).toBe(`${CHAT1_PATH}.attributes gen_ai.usage.input_tokens`);
    }
  });

  it("gen_ai.input.messages that is not JSON", () => {
    const p = fixture();
    setAttr(p, [0, 0, 0], "gen_ai.input.messages", { stringValue: '[{"role": "user", "parts": [' });
    const err = mapError(p);
    expect(err.field).toBe(`${CHAT1_PATH}.attributes gen_ai.input.messages`);
    expect(err.message).toMatch(/JSON/);
  });

  it("a message without parts", () => {
    const p = fixture();
    setAttr(p, [0, 0, 1], "gen_ai.input.messages", {
      stringValue: JSON.stringify([{ role: "user", content: "Where is my parcel?" }]),
    });
    const err = mapError(p);
    expect(err.field).toBe(`${CHAT2_PATH}.attributes gen_ai.input.messages[0].parts`);
  });

  it("a span without a traceId", () => {
    const p = fixture();
    delete span(p, 1, 1, 2).traceId; // the invoke_agent span
    const err = mapError(p);
    expect(err.field).toBe("resourceSpans[1].scopeSpans[1].spans[2].traceId");
    expect(err.describe()).toContain(
      "resourceSpans[1].scopeSpans[1].spans[2].traceId: expected a 32-digit hex id",
    );
  });

  it("an execute_tool span without gen_ai.tool.name", () => {
    const p = fixture();
    const tool = span(p, 1, 1, 3); // execute_tool get_order
    tool.attributes = tool.attributes.filter((a) => a.key !== "gen_ai.tool.name");
    const err = mapError(p);
    expect(err.field).toBe("resourceSpans[1].scopeSpans[1].spans[3].attributes gen_ai.tool.name");
  });

  it("a body that is not an OTLP traces request", () => {
    expect(mapError({ spans: [] }).field).toBe("resourceSpans");
    expect(mapError([]).field).toBe("resourceSpans");
  });
});
