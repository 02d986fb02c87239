/**
 * Two-window drift tests: the family-wise alarm rate on null streams (≥ 500 seeded replications
 * with identical distributions in both windows) respects alpha after Holm; shifts alarm; the
 * pieces (KS, chi-square with pooling of rare categories, Holm) are the ones in src/stats.
 */
import { describe, expect, it } from "vitest";
import { adjustPValues } from "../../stats/adjust.ts";
import { chiSquareIndependence, ksTwoSample } from "../../stats/drift.ts";
import { createRng, type Xoshiro128 } from "../../stats/random.ts";
import { inputFeatures } from "./features.ts";
import { type DriftSample, OTHER_CATEGORY, twoWindowTests } from "./two-window.ts";

function pick(rng: Xoshiro128, values: readonly string[], weights: readonly number[]): string {
  let u = rng.nextFloat();
  for (let i = 0; i < values.length; i++) {
    u -= weights[i];
    if (u < 0) return values[i];
  }
  return values[values.length - 1];
}

const LABELS = ["billing", "bug", "feature", "spam"];
const LANGUAGE_TEXTS = [
  "How do I reset my password for the app?",
  "¿Cómo puedo cambiar la contraseña de mi cuenta?",
  "Wie kann ich das Passwort für mein Konto ändern?",
  "Comment est-ce que je peux changer le mot de passe ?",
];

/** The features of each text repeated 1..4 times: the inputs a window draws from. */
const FEATURES = Object.fromEntries(
  LANGUAGE_TEXTS.map((text) => [text, [1, 2, 3, 4].map((times) => inputFeatures(text.repeat(times)))]),
);

interface Shape {
  qualityPower: number;
  labelWeights: number[];
  languageWeights: number[];
}

const NULL_SHAPE: Shape = {
  qualityPower: 2,
  labelWeights: [0.5, 0.3, 0.17, 0.03],
  languageWeights: [0.7, 0.15, 0.1, 0.05],
};

/** One window of `size` records: two score dimensions, input length, output label and input language. */
function window(rng: Xoshiro128, size: number, shape: Shape): DriftSample {
  const quality: number[] = [];
  const format: number[] = [];
  const length: number[] = [];
  const label: string[] = [];
  const language: string[] = [];
  for (let i = 0; i < size; i++) {
    quality.push(rng.nextFloat() ** shape.qualityPower);
    format.push(rng.nextFloat() < 0.9 ? 1 : 0);
    const features = FEATURES[pick(rng, LANGUAGE_TEXTS, shape.languageWeights)][rng.nextIndex(4)];
    length.push(features.length);
    language.push(features.language);
    label.push(pick(rng, LABELS, shape.labelWeights));
  }
  return { scores: { quality, format }, features: { length }, categories: { label, language } };
}

describe("twoWindowTests on null streams", () => {
  it("alarms in at most alpha + 3 SE of 600 replications (family of 5 tests, Holm)", () => {
    // Both windows come from the same distributions. Holm controls the family-wise error rate at
    // alpha whatever the dependence between the tests, so the fraction of replications with any
    // alarm must be ≤ alpha up to Monte-Carlo error: asserted ≤ alpha + 3·√(alpha(1 − alpha)/R).
    const rng = createRng("drift11-two-window-null");
    const replications = 600;
    const alpha = 0.05;
    let anyAlarm = 0;
    let tested = 0;
    for (let r = 0; r < replications; r++) {
      const results = twoWindowTests(window(rng, 120, NULL_SHAPE), window(rng, 80, NULL_SHAPE), { alpha });
      tested += results.length;
      if (results.some((t) => t.alarm)) anyAlarm++;
    }
    expect(tested).toBe(5 * replications);
    const rate = anyAlarm / replications;
    expect(rate).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / replications));
  });
});

describe("twoWindowTests on shifted streams", () => {
  it("alarms on a shifted score and a shifted category mix, and names them", () => {
    const rng = createRng("drift11-two-window-shift");
    const reference = window(rng, 200, NULL_SHAPE);
    const current = window(rng, 200, {
      qualityPower: 4,
      labelWeights: [0.3, 0.5, 0.17, 0.03],
      languageWeights: NULL_SHAPE.languageWeights,
    });
    const results = twoWindowTests(reference, current);
    const byName = new Map(results.map((t) => [`${t.source}.${t.name}`, t]));
    expect([...byName.keys()]).toEqual([
      "scores.format",
      "scores.quality",
      "features.length",
      "categories.label",
      "categories.language",
    ]);
    expect(byName.get("scores.quality")).toMatchObject({ kind: "ks", alarm: true });
    expect(byName.get("categories.label")).toMatchObject({ kind: "chi2", alarm: true });
    expect(byName.get("scores.quality")!.pAdjusted).toBeLessThan(0.05);
  });

  it("alarms on a shift in input language", () => {
    const rng = createRng("drift11-two-window-language");
    const reference = window(rng, 200, NULL_SHAPE);
    const current = window(rng, 200, { ...NULL_SHAPE, languageWeights: [0.4, 0.4, 0.1, 0.1] });
    const language = twoWindowTests(reference, current).find((t) => t.name === "language")!;
    expect(language.alarm).toBe(true);
    expect([...language.columns!].sort()).toEqual(["de", "en", "es", "fr"]);
  });
});

describe("twoWindowTests, piece by piece", () => {
  const reference: DriftSample = {
    scores: { a: [0.1, 0.5, 0.9, 0.3, 0.7, 0.2], b: [1, 1, 0, 1], only: [1, 2] },
    features: { length: [10, 12, 30, 41, 12] },
    categories: { tone: ["ok", "ok", "rude", "ok", "ok", "ok", "ok", "ok", "ok", "ok"] },
  };
  const current: DriftSample = {
    scores: { a: [0.8, 0.95, Number.NaN, 0.6, 0.99], b: [], other: [3] },
    features: { length: [50, 60, 70, 12] },
    categories: { tone: ["ok", "rude", "rude", "ok", "rude", "rude", "ok", "rude", "ok", "ok"] },
  };

  it("uses ksTwoSample and chiSquareIndependence, dropping non-finite values and untestable keys", () => {
    const results = twoWindowTests(reference, current);
    expect(results.map((t) => `${t.source}.${t.name}`)).toEqual([
      "scores.a",
      "features.length",
      "categories.tone",
    ]);
    const ks = ksTwoSample(reference.scores!.a, [0.8, 0.95, 0.6, 0.99]);
    expect(results[0]).toMatchObject({ kind: "ks", statistic: ks.D, p: ks.p, n: [6, 4] });
    // tone: 20 records; "rude" (6 in all) has an expected count of 3 < 5, but pooling never
    // leaves fewer than two columns, so the 2 × 2 table is tested as it is (with Yates).
    const chi = results[2];
    expect(chi.columns).toEqual(["ok", "rude"]);
    expect(chi.lowExpected).toBe(true);
    const direct = chiSquareIndependence([
      [9, 1],
      [5, 5],
    ]);
    expect(chi).toMatchObject({ kind: "chi2", statistic: direct.chi2, p: direct.p, df: 1, n: [10, 10] });
  });

  it("Holm-adjusts across the whole family", () => {
    const results = twoWindowTests(reference, current, { alpha: 0.1 });
    const holm = adjustPValues(
      results.map((t) => t.p),
      "holm",
      0.1,
    );
    expect(results.map((t) => t.pAdjusted)).toEqual(holm.p_adjusted);
    expect(results.map((t) => t.alarm)).toEqual(holm.reject_at_alpha);
    for (const t of results) expect(t.pAdjusted).toBeGreaterThanOrEqual(t.p);
  });

  it("pools rare categories into (other), never below two columns", () => {
    const rng = createRng(7);
    const ref = Array.from({ length: 100 }, () =>
      pick(rng, ["a", "b", "c", "d", "e"], [0.6, 0.3, 0.04, 0.03, 0.03]),
    );
    const cur = Array.from({ length: 100 }, () =>
      pick(rng, ["a", "b", "c", "d", "e"], [0.6, 0.3, 0.04, 0.03, 0.03]),
    );
    const [t] = twoWindowTests({ categories: { x: ref } }, { categories: { x: cur } });
    // c, d and e have expected counts below 5; pooled they are large enough.
    expect(t.columns).toEqual(["a", "b", OTHER_CATEGORY]);
    expect(t.df).toBe(2);
    expect(t.lowExpected).toBe(false);
    // A single value everywhere: nothing to compare.
    expect(twoWindowTests({ categories: { x: ["y", "y"] } }, { categories: { x: ["y"] } })).toEqual([]);
    // Everything rare: the largest (p, first by name among equals) keeps its column.
    const [sparse] = twoWindowTests({ categories: { x: ["p", "q"] } }, { categories: { x: ["r", "s"] } });
    expect(sparse).toMatchObject({ columns: ["p", OTHER_CATEGORY], df: 1, lowExpected: true, n: [2, 2] });
    // A rare category pooled alone keeps its name; with minExpected 0 nothing is pooled.
    const few = { categories: { x: [...Array(40).fill("a"), ...Array(40).fill("b"), "c", "d"] } };
    expect(twoWindowTests(few, few)[0].columns).toEqual(["a", "b", OTHER_CATEGORY]);
    expect(twoWindowTests(few, few, { minExpected: 0 })[0].columns).toEqual(["a", "b", "c", "d"]);
  });

  it("returns an empty family when nothing is shared and rejects a bad alpha", () => {
    expect(twoWindowTests({ scores: { a: [1] } }, { features: { a: [1] } })).toEqual([]);
    expect(() => twoWindowTests(reference, current, { alpha: 1 })).toThrow(/alpha/);
  });
});
