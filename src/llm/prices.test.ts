import { describe, expect, it } from "vitest";
import { costOf, lookupPrice, PRICE_TABLE, PRICES_AS_OF, resolvePrice } from "./prices.ts";
import { parseRetryAfter, parseToolArguments, unwrapCodeFence } from "./shared.ts";

describe("price table", () => {
  it("is dated", () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("matches exact names, dated snapshots and the longest prefix at a boundary", () => {
    expect(lookupPrice("gpt-4o")).toBe(PRICE_TABLE["gpt-4o"]);
    expect(lookupPrice("gpt-4o-2024-08-06")).toBe(PRICE_TABLE["gpt-4o"]);
    expect(lookupPrice("gpt-4o-mini-2024-07-18")).toBe(PRICE_TABLE["gpt-4o-mini"]);
    expect(lookupPrice("gpt-4.1-mini-2025-04-14")).toBe(PRICE_TABLE["gpt-4.1-mini"]);
    expect(lookupPrice("claude-opus-4-5-20251101")).toBe(PRICE_TABLE["claude-opus-4-5"]);
    expect(lookupPrice("claude-opus-4-1-20250805")).toBe(PRICE_TABLE["claude-opus-4"]);
    expect(lookupPrice("claude-sonnet-4-5-20250929")).toBe(PRICE_TABLE["claude-sonnet-4"]);
    expect(lookupPrice("openai/gpt-4o-mini")).toBe(PRICE_TABLE["gpt-4o-mini"]);
    // not a boundary: gpt-4.5 is not gpt-4, o3x is not o3
    expect(lookupPrice("gpt-4.5-preview")).toBeUndefined();
    expect(lookupPrice("o3x")).toBeUndefined();
    expect(lookupPrice("llama3.1:8b")).toBeUndefined();
    expect(lookupPrice("toString")).toBeUndefined();
  });

  it("an override wins; the answering model is tried before the requested one", () => {
    const mine = { input: 1, output: 1 };
    expect(resolvePrice(["gpt-4o"], mine)).toBe(mine);
    expect(resolvePrice(["gpt-4o-mini-2024-07-18", "gpt-4o"])).toBe(PRICE_TABLE["gpt-4o-mini"]);
    expect(resolvePrice([undefined, "local"])).toBeUndefined();
  });

  it("cost = usage × price, cached input at its discount; unknown → undefined, not 0", () => {
    const p = { input: 2, output: 10, cachedInput: 0.5 };
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0 }, p)).toBe(2);
    expect(costOf({ inputTokens: 1000, outputTokens: 500, cachedTokens: 400 }, p)).toBeCloseTo(
      (600 * 2 + 400 * 0.5 + 500 * 10) / 1e6,
      15,
    );
    expect(
      costOf({ inputTokens: 100, outputTokens: 0, cachedTokens: 100 }, { input: 2, output: 1 }),
    ).toBeCloseTo(200 / 1e6, 15);
    expect(costOf({ inputTokens: 0, outputTokens: 0 }, p)).toBe(0);
    expect(costOf({ inputTokens: 10, outputTokens: 10 }, undefined)).toBeUndefined();
  });
});

describe("helpers", () => {
  const h = (o: Record<string, string>) => ({ get: (n: string) => o[n] ?? null });
  it("parses Retry-After: ms header first, seconds, HTTP dates; nothing → undefined", () => {
    expect(parseRetryAfter(h({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(parseRetryAfter(h({ "retry-after": "3" }))).toBe(3000);
    expect(parseRetryAfter(h({ "retry-after": "0.5" }))).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter(h({ "retry-after": "Wed, 01 Jan 2025 00:00:10 GMT" }), now)).toBe(10_000);
    expect(parseRetryAfter(h({ "retry-after": "Tue, 31 Dec 2024 00:00:10 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(h({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("parses tool arguments as data only, keeping what does not parse", () => {
    expect(parseToolArguments('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseToolArguments("")).toEqual({});
    expect(parseToolArguments("{a: 1}")).toBe("{a: 1}");
    expect(parseToolArguments("(() => process.exit(1))()")).toBe("(() => process.exit(1))()");
    const polluted = parseToolArguments('{"__proto__": {"admin": true}, "x": 1}') as Record<string, unknown>;
    expect(polluted.x).toBe(1);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
  });

  it("unwraps an answer that is one fenced block", () => {
    expect(unwrapCodeFence('```json\n{"a": 1}\n```')).toBe('{"a": 1}');
    expect(unwrapCodeFence('```\n{"a": 1}\n```\n')).toBe('{"a": 1}');
    expect(unwrapCodeFence('Here: ```json\n{"a": 1}\n```')).toBe('Here: ```json\n{"a": 1}\n```');
    expect(unwrapCodeFence('{"a": 1}')).toBe('{"a": 1}');
  });
});
