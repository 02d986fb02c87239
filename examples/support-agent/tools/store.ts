/**
 * The support agent's tools: a deterministic fake backend over data/store.json (no network, no
 * state: every case sees the same store). The default export maps the tool names declared in
 * assay.yaml to implementations; assay runs them when the model calls a tool and sends the result
 * back. A thrown error becomes an `{ "error": … }` result the model has to deal with.
 */
import { findOrder, loadStore, ORDER_ID, refundDecision, searchKb } from "./policy.ts";

/** What assay passes besides the arguments (a subset of assay's LlmToolContext). */
interface ToolContext {
  case: { id: string; tags: Record<string, string> };
  call: { id: string; name: string; index: number };
}

function orderIdOf(args: unknown): string {
  const raw = (args as { order_id?: unknown } | null)?.order_id;
  const id = typeof raw === "string" ? raw.trim().toUpperCase().replace(/^#/, "") : "";
  if (!ORDER_ID.test(id)) throw new Error(`order_id must look like A1234, got ${JSON.stringify(raw)}`);
  return id;
}

export default {
  lookup_order(args: unknown, _ctx?: ToolContext): unknown {
    const id = orderIdOf(args);
    const order = findOrder(id);
    if (!order) throw new Error(`no order ${id} was found`);
    return { ...order, today: loadStore().today };
  },

  refund_order(args: unknown, _ctx?: ToolContext): unknown {
    const id = orderIdOf(args);
    const order = findOrder(id);
    if (!order) throw new Error(`no order ${id} was found`);
    const decision = refundDecision(order);
    if (!decision.allowed) return { order_id: id, refunded: false, reason: decision.reason };
    return {
      order_id: id,
      refunded: true,
      kind: decision.kind,
      refund_id: `R-${id}`,
      amount: decision.amount,
      to: order.payment,
      arrives: "within 5–7 business days",
    };
  },

  search_kb(args: unknown, _ctx?: ToolContext): unknown {
    const query = (args as { query?: unknown } | null)?.query;
    if (typeof query !== "string" || query.trim() === "") throw new Error("query must be a non-empty string");
    const results = searchKb(query);
    return results.length > 0 ? { results } : { results: [], note: "no article matches this query" };
  },
};
