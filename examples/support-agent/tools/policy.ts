/**
 * The store's data and its refund policy, as plain functions: the fake backend (store.ts) and the
 * offline tests use the same rules, so "is this refund allowed?" has exactly one answer.
 */
import { readFileSync } from "node:fs";

export interface OrderItem {
  sku: string;
  name: string;
  price: number;
  final_sale: boolean;
}

export interface Order {
  order_id: string;
  status: "processing" | "shipped" | "delivered";
  placed_on: string;
  shipped_on?: string;
  delivered_on?: string;
  refunded_on?: string;
  carrier?: string;
  tracking?: string;
  eta?: string;
  items: OrderItem[];
  shipping_fee: number;
  payment: string;
}

export interface KbArticle {
  id: string;
  title: string;
  /** search tags, as a help center has them */
  keywords: string[];
  text: string;
}

export interface StoreData {
  store: string;
  /** the fixed "today" of the fixture, so the 30-day window never drifts */
  today: string;
  orders: Order[];
  kb: KbArticle[];
}

export const RETURN_WINDOW_DAYS = 30;
export const ORDER_ID = /^[A-Z]\d{4}$/;

let cached: StoreData | undefined;

/** The fixture (data/store.json), read once. */
export function loadStore(): StoreData {
  cached ??= JSON.parse(readFileSync(new URL("../data/store.json", import.meta.url), "utf8")) as StoreData;
  return cached;
}

export function findOrder(orderId: string): Order | undefined {
  return loadStore().orders.find((o) => o.order_id === orderId);
}

export type RefundDecision =
  | { allowed: true; kind: "cancellation" | "return"; amount: number }
  | { allowed: false; reason: string };

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const money = (n: number) => Math.round(n * 100) / 100;

/**
 * The refund policy (prompts/system.md says the same in words):
 * - an order that has not shipped is cancelled with a full refund, shipping included;
 * - a shipped order that is not delivered yet cannot be refunded (it can be returned after delivery);
 * - a delivered order is refundable within 30 days of delivery, final-sale items excepted, and
 *   without the shipping fee;
 * - an order is refunded at most once.
 */
export function refundDecision(order: Order, today = loadStore().today): RefundDecision {
  if (order.refunded_on) return { allowed: false, reason: `already refunded on ${order.refunded_on}` };
  const itemsTotal = order.items.reduce((sum, i) => sum + i.price, 0);
  if (order.status === "processing") {
    return { allowed: true, kind: "cancellation", amount: money(itemsTotal + order.shipping_fee) };
  }
  if (order.status !== "delivered" || !order.delivered_on) {
    return {
      allowed: false,
      reason: "the order has shipped but is not delivered yet; it can be returned after delivery",
    };
  }
  const days = daysBetween(order.delivered_on, today);
  if (days > RETURN_WINDOW_DAYS) {
    return {
      allowed: false,
      reason: `delivered ${days} days ago, outside the ${RETURN_WINDOW_DAYS}-day return window`,
    };
  }
  const refundable = order.items.filter((i) => !i.final_sale);
  if (refundable.length === 0) return { allowed: false, reason: "final-sale items cannot be refunded" };
  return { allowed: true, kind: "return", amount: money(refundable.reduce((sum, i) => sum + i.price, 0)) };
}

const STOP = new Set(
  (
    "the and for are you your our can how what when where which who does did with this that have has " +
    "from into about there their them then than was were will would could should not any all get its " +
    "like want need please just don know tell order item thing something bought"
  ).split(" "),
);

/** Lower-case words of 3+ letters, stop words out, crudely stemmed (shipped, shipping → ship). */
export function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !STOP.has(w))
    .map(stem);
}

function stem(word: string): string {
  let w = word.endsWith("ves") ? `${word.slice(0, -3)}fe` : word;
  const cut = w.replace(/(ing|ed|es|s)$/, "");
  if (cut.length >= 4) w = cut;
  if (w.length >= 5 && w.at(-1) === w.at(-2)) w = w.slice(0, -1);
  return w;
}

/** Articles ranked by the query terms they share with the title and keywords (2 points) and text (1). */
export function searchKb(query: string, limit = 2): KbArticle[] {
  const wanted = new Set(terms(query));
  return loadStore()
    .kb.map((article, index) => {
      const tagged = new Set(terms(`${article.title} ${article.keywords.join(" ")}`));
      const text = new Set(terms(article.text));
      let score = 0;
      for (const t of wanted) score += (tagged.has(t) ? 2 : 0) + (text.has(t) ? 1 : 0);
      return { article, index, score };
    })
    .filter((r) => r.score >= 2)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((r) => r.article);
}
