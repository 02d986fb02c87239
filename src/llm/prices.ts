import type { Usage } from "../core/output.ts";
import type { Price } from "./types.ts";

/**
 * The bundled price table: USD per million tokens (input, output, cached input) for common
 * OpenAI and Anthropic models, as published by the providers on PRICES_AS_OF.
 *
 * The values are INFORMATIONAL: providers change prices, and batch, priority or regional tiers
 * differ. A target's `price` overrides the table; a model the table does not know gets no cost
 * (undefined, never 0).
 *
 * Anthropic's cache writes (billed at a premium) are counted as ordinary input tokens; only cache
 * reads are `cachedInput`.
 */
export const PRICES_AS_OF = "2025-11-01";

export const PRICE_TABLE: Readonly<Record<string, Price>> = {
  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-4": { input: 30, output: 60 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60, cachedInput: 7.5 },
  "o1-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  // Anthropic
  "claude-opus-4-5": { input: 5, output: 25, cachedInput: 0.5 },
  "claude-opus-4": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "claude-3-7-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-5-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cachedInput: 0.08 },
  "claude-3-opus": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-3-haiku": { input: 0.25, output: 1.25, cachedInput: 0.03 },
};

/**
 * The table's price for a model: an exact entry, else the longest entry that is a prefix of the
 * model name ending at a `-`, `:` or `@` boundary (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, but
 * `gpt-4.5` is not `gpt-4`). A `vendor/` prefix (OpenRouter style) is ignored.
 */
export function lookupPrice(
  model: string,
  table: Readonly<Record<string, Price>> = PRICE_TABLE,
): Price | undefined {
  const names = [model];
  const slash = model.lastIndexOf("/");
  if (slash >= 0) names.push(model.slice(slash + 1));
  for (const name of names) {
    const exact = Object.hasOwn(table, name) ? table[name] : undefined;
    if (exact) return exact;
    let best: string | undefined;
    for (const key of Object.keys(table)) {
      if (!name.startsWith(key)) continue;
      const next = name[key.length];
      if (next !== "-" && next !== ":" && next !== "@") continue;
      if (best === undefined || key.length > best.length) best = key;
    }
    if (best !== undefined) return table[best];
  }
  return undefined;
}

/** The price to charge: the override when given, else the table's entry for the first model name that has one. */
export function resolvePrice(models: Array<string | undefined>, override?: Price): Price | undefined {
  if (override) return override;
  for (const m of models) {
    if (!m) continue;
    const p = lookupPrice(m);
    if (p) return p;
  }
  return undefined;
}

/**
 * USD for a usage at a price. `inputTokens` includes cached ones; cached tokens are charged at
 * `cachedInput` (or the input price when there is no discount). No price → undefined.
 */
export function costOf(usage: Usage, price: Price | undefined): number | undefined {
  if (!price) return undefined;
  const cached = Math.min(Math.max(usage.cachedTokens ?? 0, 0), usage.inputTokens);
  const fresh = usage.inputTokens - cached;
  const usd =
    (fresh * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output) /
    1e6;
  return Number.isFinite(usd) ? usd : undefined;
}
