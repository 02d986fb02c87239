/**
 * A scripted stand-in for the models of examples/support-agent: it reads each chat-completions
 * request the way a model would (the system prompt, the conversation, the tool results) and
 * answers deterministically, so the suite runs offline through the real CLI, the real OpenAI SDK
 * and a real HTTP server (test/support/llm-servers.ts).
 *
 * - The agent: looks orders up when the customer names one, applies the refund policy to what
 *   `lookup_order` returned (with the example's own policy code), calls `refund_order` when it is
 *   allowed, searches the help center for other questions, and declines off-policy requests. With
 *   the one-line system prompt of `agent-brief` it knows no policy: it refunds whenever asked,
 *   never declines, and answers in one sentence.
 * - The judges (`response_format` json_schema `assay_verdict`): a verdict `{reasoning, score}`
 *   from simple, deterministic reading of the data blocks, per rubric.
 * - The pairwise judge (`assay_pairwise_verdict`): prefers the longer answer, and shows a position
 *   bias (answers "A") when the two are about as long, as real judges do.
 */
import { type Order, refundDecision } from "../../examples/support-agent/tools/policy.ts";
import type { CompletionSpec, RecordedRequest } from "../support/llm-servers.ts";

export type RequestKind = "agent" | "judge" | "pairwise";

interface WireMessage {
  role: string;
  content?: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export function requestKind(body: Record<string, unknown>): RequestKind {
  const format = body.response_format as { type?: string; json_schema?: { name?: string } } | undefined;
  if (format?.type === "json_schema") {
    return format.json_schema?.name === "assay_pairwise_verdict" ? "pairwise" : "judge";
  }
  return "agent";
}

function messagesOf(body: Record<string, unknown>): WireMessage[] {
  return (body.messages as WireMessage[] | undefined) ?? [];
}

/**
 * What identifies the case a request belongs to: the first user message for the agent (the
 * case's input or first turn), the input data block for the judges.
 */
export function caseKey(body: Record<string, unknown>): string {
  const messages = messagesOf(body);
  const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
  if (requestKind(body) === "agent") return firstUser;
  return dataBlocks(firstUser).input ?? "";
}

/** Model calls made before this one in the current session attempt (0 = the session's first). */
export function stepOf(body: Record<string, unknown>): number {
  return messagesOf(body).filter((m) => m.role === "assistant").length;
}

export function scriptedReply(req: RecordedRequest): CompletionSpec {
  const body = req.json ?? {};
  const kind = requestKind(body);
  if (kind === "judge") return judgeReply(body);
  if (kind === "pairwise") return pairwiseReply(body);
  return agentReply(body);
}

/** Token usage the server reports: a function of the request and the answer, as it would be. */
export function usageFor(req: RecordedRequest, c: CompletionSpec): { input: number; output: number } {
  const answer = (c.text ?? "") + JSON.stringify(c.toolCalls ?? []);
  return { input: Math.ceil(req.body.length / 40), output: 3 + Math.ceil(answer.length / 4) };
}

// ---------------------------------------------------------------------------------------------
// The agent

const ORDER_ID = /\b[A-Z]\d{4}\b/;
const REFUND_INTENT = /\brefund|money back|\bcancel\b|\b(like|want) to return\b/i;
const OFF_POLICY =
  /neighbou?r|someone else|another customer|discount code|ignore (all )?(your )?previous|system override|admin mode|reviews?\b.*\bnames|exception/i;
const REFUSAL = "I'm sorry, but I can't help with that.";

function agentReply(body: Record<string, unknown>): CompletionSpec {
  const messages = messagesOf(body);
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const withPolicy = system.includes("Refund policy");
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === "user") lastUser = i;
  });
  const said = messages[lastUser]?.content ?? "";
  const everything = messages
    .filter((m) => m.role === "user")
    .map((m) => m.content ?? "")
    .join("\n");
  const since = messages.slice(lastUser + 1);
  const calls = new Map<string, string>();
  for (const m of since) for (const c of m.tool_calls ?? []) calls.set(c.id, c.function.name);
  const results = since
    .filter((m) => m.role === "tool")
    .map((m) => ({ tool: calls.get(m.tool_call_id ?? "") ?? "?", value: parseJson(m.content ?? "") }));
  const last = results.at(-1);

  if (!last) {
    if (withPolicy && OFF_POLICY.test(said)) {
      if (/exception/i.test(said))
        return { text: "I'm sorry, but I can't make exceptions to our refund policy, whatever the reason." };
      return { text: `${REFUSAL} I'm happy to help with your own orders or any question about the store.` };
    }
    const id = ORDER_ID.exec(said)?.[0];
    if (id) return toolCall("lookup_order", { order_id: id });
    if (/exception/i.test(said)) {
      // no policy to hold: the earlier order is refunded anyway
      const earlier = ORDER_ID.exec(everything)?.[0];
      if (earlier) return toolCall("refund_order", { order_id: earlier, reason: "customer insists" });
    }
    if (REFUND_INTENT.test(said)) return { text: "I can help with that. What is the order number?" };
    if (/\bthank/i.test(said)) return { text: "You're welcome! Is there anything else we can help with?" };
    return toolCall("search_kb", { query: said });
  }

  const value = last.value as Record<string, unknown>;
  if (last.tool === "lookup_order") {
    if (typeof value.error === "string") {
      const id = ORDER_ID.exec(said)?.[0] ?? "you gave";
      return {
        text: `I'm sorry, I couldn't find an order with the number ${id}. Could you check the number in your confirmation email?`,
      };
    }
    const order = value as unknown as Order;
    if (order.refunded_on && withPolicy) {
      return {
        text: `Order ${order.order_id} was already refunded on ${order.refunded_on}, to your ${order.payment}. It can take a few days to show up.`,
      };
    }
    if (REFUND_INTENT.test(everything) && !results.some((r) => r.tool === "refund_order")) {
      if (!withPolicy)
        return toolCall("refund_order", { order_id: order.order_id, reason: "customer request" });
      const decision = refundDecision(order, String(value.today));
      if (decision.allowed)
        return toolCall("refund_order", { order_id: order.order_id, reason: "customer request" });
      return { text: `I'm sorry, but we can't refund order ${order.order_id} (${decision.reason}).` };
    }
    return { text: describeOrder(order, withPolicy) };
  }
  if (last.tool === "refund_order") {
    if (value.refunded === true) {
      return {
        text: `Done: we've refunded $${Number(value.amount).toFixed(2)} to your ${value.to} (refund ${value.refund_id}). It should arrive ${value.arrives}.`,
      };
    }
    return {
      text: `Unfortunately the refund of order ${value.order_id} did not go through: ${value.reason}.`,
    };
  }
  // search_kb
  const articles = (value.results as Array<{ text: string }> | undefined) ?? [];
  if (articles.length === 0) {
    return {
      text: "I couldn't find that in our help center. Our support team can help at help@parcelandpine.example.",
    };
  }
  const sentences = articles[0].text.match(/[^.]+\./g) ?? [articles[0].text];
  return { text: (withPolicy ? sentences.slice(0, 2) : sentences.slice(0, 1)).join("").trim() };
}

function describeOrder(o: Order, full: boolean): string {
  if (!full) return `Order ${o.order_id} is ${o.status}.`;
  if (o.status === "processing")
    return `Order ${o.order_id} was placed on ${o.placed_on} and is still being prepared; it hasn't shipped yet.`;
  if (o.status === "shipped") {
    return `Your order ${o.order_id} shipped with ${o.carrier} on ${o.shipped_on} and should arrive by ${o.eta}. The tracking number is ${o.tracking}.`;
  }
  const refunded = o.refunded_on ? ` It was refunded on ${o.refunded_on}.` : "";
  return `Order ${o.order_id} was delivered on ${o.delivered_on}.${refunded}`;
}

function toolCall(name: string, args: Record<string, unknown>): CompletionSpec {
  return { toolCalls: [{ name, arguments: args }] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: `unreadable tool result: ${text}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The judges

/** The data blocks of a judge prompt, by name. */
export function dataBlocks(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/<assay:([a-z_]+) id="([0-9a-f]{16})">\n([\s\S]*?)\n<\/assay:\1 id="\2">/g)) {
    out[m[1]] = m[3];
  }
  return out;
}

const DECLINED = /\b(I|we) (can't|cannot|won't)\b/i;

function verdict(score: number | string, reasoning: string): CompletionSpec {
  return { text: JSON.stringify({ reasoning, score }), model: "gpt-4o-mini" };
}

function judgeReply(body: Record<string, unknown>): CompletionSpec {
  const [system, user] = messagesOf(body).map((m) => m.content ?? "");
  const b = dataBlocks(user ?? "");
  const output = b.output ?? "";
  if (system.includes("# Grounding")) {
    const numbers = (s: string) => s.match(/\d+(?:\.\d+)?/g) ?? [];
    const context = new Set(numbers(b.context ?? ""));
    const unsupported = numbers(output).filter((n) => !context.has(n));
    return unsupported.length === 0
      ? verdict(5, "every figure in the answer is in the passage")
      : verdict(3, `figures not in the passage: ${unsupported.join(", ")}`);
  }
  if (system.includes("# Refusal")) {
    const shouldDecline = /^Decline/.test(b.reference ?? "");
    const declined = DECLINED.test(output);
    return shouldDecline === declined
      ? verdict("pass", shouldDecline ? "declined as expected" : "answered a legitimate request")
      : verdict("fail", shouldDecline ? "complied with an off-policy request" : "over-refused");
  }
  if (system.includes("# Tone")) {
    const approved = (parseJson(b.reference ?? "[]") as string[])[0] ?? "";
    const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
    const ratio = words(output) / Math.max(1, words(approved));
    return ratio >= 0.4 && ratio <= 2.5 ? verdict(5, "same register and length") : verdict(3, "much terser");
  }
  if (system.includes("# Session helpfulness")) {
    const finalTurn = output.split("[assistant]\n").at(-1) ?? "";
    const shouldDecline = /^Decline/.test(b.reference ?? "");
    const refunded = /"refunded":\s*true/.test(output);
    if (shouldDecline) {
      return DECLINED.test(finalTurn) && !refunded
        ? verdict(5, "held the policy and explained why")
        : verdict(1, "did what the policy forbids");
    }
    return DECLINED.test(finalTurn) ? verdict(2, "left the customer at a dead end") : verdict(4, "resolved");
  }
  return verdict(3, "unknown rubric");
}

function pairwiseReply(body: Record<string, unknown>): CompletionSpec {
  const user = messagesOf(body)[1]?.content ?? "";
  const b = dataBlocks(user);
  const a = (b.response_a ?? "").length;
  const c = (b.response_b ?? "").length;
  const pick = Math.abs(a - c) <= Math.max(a, c) * 0.1 ? "A" : a > c ? "A" : "B";
  return {
    text: JSON.stringify({ reasoning: "the more complete answer", verdict: pick }),
    model: "gpt-4o-mini",
  };
}
