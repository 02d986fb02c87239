import { describe, expect, it } from "vitest";
import { computeMainEffects, type VariantRun } from "../../src/compare/main-effects.ts";
import { expandVariants, VariantError } from "../../src/config/variants.ts";

describe("expandVariants", () => {
  it("makes one target per combination, ids from the levels that vary", () => {
    const gen = expandVariants({
      id: "bot",
      prompt: ["p/short.md", "p/long.liquid"],
      model: ["openai:gpt-4o-mini"],
      temperature: [0, 0.7],
      target: { options: { maxTokens: 20 }, timeoutMs: 5000 },
    });
    expect(gen.map((g) => g.target.id)).toEqual([
      "bot.prompt-short.temperature-0",
      "bot.prompt-short.temperature-0.7",
      "bot.prompt-long.temperature-0",
      "bot.prompt-long.temperature-0.7",
    ]);
    expect(gen[1].target).toMatchObject({
      provider: "openai:gpt-4o-mini",
      prompt: "p/short.md",
      options: { maxTokens: 20, temperature: 0.7 },
      timeoutMs: 5000,
      factors: { prompt: "p/short.md", model: "openai:gpt-4o-mini", temperature: 0.7 },
    });
    // the shared settings are copied, not shared between targets
    expect(gen[0].target.options).not.toBe(gen[1].target.options);
  });

  it("numbers blocks of a list and refuses factors set twice", () => {
    const gen = expandVariants([
      { id: "x", model: ["openai:a", "openai:b"] },
      { id: "y", model: ["anthropic:c"] },
    ]);
    expect(gen.map((g) => [g.target.id, g.blockPath])).toEqual([
      ["x.model-openai-a", ["variants", 0]],
      ["x.model-openai-b", ["variants", 0]],
      ["y", ["variants", 1]],
    ]);
    const clash = () => expandVariants({ id: "z", model: ["openai:a"], target: { provider: "openai:b" } });
    expect(clash).toThrow(VariantError);
    expect(clash).toThrow('"provider" is varied by the model factor');
    expect(() =>
      expandVariants({ id: "z", model: ["openai:a"], seed: [1, 2], target: { options: { seed: 3 } } }),
    ).toThrow('"options.seed" is varied by the seed factor');
    expect(() => expandVariants({ id: "z", temperature: [0] })).toThrow(/needs `model:`/);
  });
});

describe("computeMainEffects", () => {
  const run = (factors: VariantRun["factors"], scores: Array<number | null>): VariantRun => ({
    factors,
    scores: new Map(scores.map((s, i) => [`c${i}`, s])),
  });

  it("averages over the other factor, pairs by case, and averages repeated runs of a cell", () => {
    const runs = [
      run({ p: "a", m: "x" }, [0, 0, 1]),
      run({ p: "b", m: "x" }, [1, 0, 1]),
      run({ p: "a", m: "y" }, [0, 1, 0]),
      run({ p: "b", m: "y" }, [1, 1, 1]),
      run({ p: "b", m: "y" }, [0, 1, null]), // a repeat of (b, y): cell means [0.5, 1, 1]
      run({}, [1, 1, 1]), // not part of the matrix
    ];
    const effects = computeMainEffects(runs);
    const p = effects.find((e) => e.factor === "p");
    // per case: mean over m of (b − a): c0 (1 + 0.5)/2, c1 (0 + 0)/2, c2 (0 + 1)/2
    expect(p?.delta).toBeCloseTo((0.75 + 0 + 0.5) / 3, 12);
    expect(p?.n).toBe(3);
    expect(p?.combinations).toBe(2);
    expect(p?.ci?.[0]).toBeLessThan(p?.delta as number);
    const m = effects.find((e) => e.factor === "m");
    // per case: mean over p of (y − x): c0 (0 + -0.5)/2, c1 (1 + 1)/2, c2 (-1 + 0)/2
    expect(m?.delta).toBeCloseTo((-0.25 + 1 - 0.5) / 3, 12);
    expect(effects.every((e) => e.pAdjusted !== null && e.pAdjusted >= (e.p as number))).toBe(true);
  });

  it("compares every pair of a factor's levels and skips constant factors", () => {
    const runs = ["l1", "l2", "l3"].map((t, k) => run({ t, model: "same" }, [k, k + 1]));
    const effects = computeMainEffects(runs);
    expect(effects.map((e) => `${e.factor}:${e.b}-${e.a}=${e.delta}`)).toEqual([
      "t:l2-l1=1",
      "t:l3-l1=2",
      "t:l3-l2=1",
    ]);
    // every case moved by the same amount: a zero-width interval
    expect(effects[0].ci).toEqual([1, 1]);
  });
});
