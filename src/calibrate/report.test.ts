import { describe, expect, it } from "vitest";
import { calibrationReport, type RatingPair } from "./report.ts";
import { BINARY_SCALE, NOMINAL_SCALE, parseScale } from "./scale.ts";
import { thresholdSearch } from "./threshold.ts";

const pair = (
  item: string,
  judge: number | string,
  human: number | string,
  extra: Partial<RatingPair> = {},
): RatingPair => ({
  item,
  labeller: "ann",
  judge,
  human,
  ...extra,
});

describe("calibrationReport", () => {
  it("a perfect judge has agreement 1, kappa 1 and alpha 1", () => {
    const humans = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1];
    const r = calibrationReport(
      humans.map((h, i) => pair(`c${i}`, h, h)),
      { scale: BINARY_SCALE, resamples: 200, seed: 1 },
    );
    expect(r.n).toBe(10);
    expect(r.agreement).toBe(1);
    expect(r.cohenKappa).toBe(1);
    expect(r.weightedKappa.linear).toBe(1);
    expect(r.weightedKappa.quadratic).toBe(1);
    expect(r.krippendorffAlpha).toBeCloseTo(1, 12);
    expect(r.bias?.difference).toBe(0);
    expect(r.bias?.direction).toBe("neutral");
    expect(r.confusion.labels).toEqual([0, 1]);
    expect(r.confusion.matrix).toEqual([
      [4, 0],
      [0, 6],
    ]);
    expect(r.headline).toMatchObject({ kappa: 1, kappaMethod: "Cohen's kappa" });
    expect(r.intervals.cohenKappa?.lower).toBe(1);
  });

  it("a harsh judge has a negative bias and is called harsher", () => {
    // 1-5 scale: the judge gives one point less than the human on most items
    const humans = [5, 4, 3, 5, 4, 2, 3, 5, 4, 3, 1, 2];
    const pairs = humans.map((h, i) => pair(`c${i}`, i % 4 === 0 ? h : Math.max(1, h - 1), h));
    const r = calibrationReport(pairs, { scale: parseScale("1-5"), resamples: 0 });
    expect(r.bias).not.toBeNull();
    expect(r.bias?.difference).toBeLessThan(0);
    expect(r.bias?.direction).toBe("harsher");
    expect(r.bias?.judgeHigher).toBe(0);
    expect(r.bias?.judgeLower).toBeCloseTo(8 / 12, 12);
    expect(r.bias?.meanJudge).toBeLessThan(r.bias?.meanHuman as number);
    // ordinal: rank correlations and quadratic kappa as the headline
    expect(r.spearman).toBeGreaterThan(0.8);
    expect(r.kendallTauB).toBeGreaterThan(0.7);
    expect(r.weightedKappa.quadratic).toBeGreaterThan(r.cohenKappa as number);
    expect(r.headline.kappa).toBe(r.weightedKappa.quadratic);
    expect(r.alphaLevel).toBe("ordinal");
  });

  it("a lenient binary judge passes more than people do", () => {
    const r = calibrationReport(
      [pair("a", 1, 0), pair("b", 1, 1), pair("c", 1, 0), pair("d", 0, 0), pair("e", 1, 1)],
      { scale: BINARY_SCALE, resamples: 0 },
    );
    expect(r.bias?.meanJudge).toBeCloseTo(0.8, 12);
    expect(r.bias?.meanHuman).toBeCloseTo(0.4, 12);
    expect(r.bias?.direction).toBe("more lenient");
  });

  it("the confusion matrix runs over the declared scale in order, unused values included", () => {
    const r = calibrationReport([pair("a", 1, 1), pair("b", 2, 1), pair("c", 5, 4)], {
      scale: parseScale("1-5"),
      resamples: 0,
    });
    expect(r.confusion.labels).toEqual([1, 2, 3, 4, 5]);
    expect(r.confusion.rows).toBe("human");
    expect(r.confusion.matrix[0]).toEqual([1, 1, 0, 0, 0]);
    expect(r.confusion.matrix[3]).toEqual([0, 0, 0, 0, 1]);
    expect(r.confusion.matrix[2]).toEqual([0, 0, 0, 0, 0]);
  });

  it("nominal scales have no weighted kappa, rank correlation or bias", () => {
    const r = calibrationReport(
      [pair("a", "cat", "cat"), pair("b", "dog", "cat"), pair("c", "bird", "bird"), pair("d", "dog", "dog")],
      { scale: NOMINAL_SCALE, resamples: 0 },
    );
    expect(r.scale.values).toEqual(["bird", "cat", "dog"]);
    expect(r.weightedKappa).toEqual({ linear: null, quadratic: null });
    expect(r.spearman).toBeNull();
    expect(r.kendallTauB).toBeNull();
    expect(r.bias).toBeNull();
    expect(r.agreement).toBe(0.75);
  });

  it("undefined kappa (one class only) is null, not NaN", () => {
    const r = calibrationReport([pair("a", 1, 1), pair("b", 1, 1)], { scale: BINARY_SCALE, resamples: 10 });
    expect(r.cohenKappa).toBeNull();
    expect(JSON.parse(JSON.stringify(r)).cohenKappa).toBeNull();
  });

  it("bootstrap intervals are seeded: same seed, same interval", () => {
    const pairs = Array.from({ length: 60 }, (_, i) =>
      pair(`c${i}`, i % 7 === 0 ? 1 - (i % 2) : i % 2, i % 2),
    );
    const a = calibrationReport(pairs, { scale: BINARY_SCALE, resamples: 500, seed: 7 });
    const b = calibrationReport(pairs, { scale: BINARY_SCALE, resamples: 500, seed: 7 });
    const c = calibrationReport(pairs, { scale: BINARY_SCALE, resamples: 500, seed: 8 });
    expect(a.intervals.cohenKappa).toEqual(b.intervals.cohenKappa);
    expect(a.intervals.krippendorffAlpha).toEqual(b.intervals.krippendorffAlpha);
    expect(a.intervals.cohenKappa).not.toEqual(c.intervals.cohenKappa);
    const k = a.cohenKappa as number;
    expect(a.intervals.cohenKappa?.lower).toBeLessThanOrEqual(k);
    expect(a.intervals.cohenKappa?.upper).toBeGreaterThanOrEqual(k);
  });

  it("reports agreement per slice", () => {
    const r = calibrationReport(
      [
        pair("a", 1, 1, { tags: { lang: "en" } }),
        pair("b", 0, 0, { tags: { lang: "en" } }),
        pair("c", 1, 0, { tags: { lang: "fr" } }),
        pair("d", 0, 0, { tags: { lang: "fr" } }),
      ],
      { scale: BINARY_SCALE, resamples: 0 },
    );
    expect(Object.keys(r.slices)).toEqual(["lang=en", "lang=fr"]);
    expect(r.slices["lang=en"]).toMatchObject({ n: 2, agreement: 1, cohenKappa: 1 });
    expect(r.slices["lang=fr"].agreement).toBe(0.5);
  });

  it("measures human–human agreement (the ceiling) where several people labelled an item", () => {
    const pairs: RatingPair[] = [
      { item: "a", labeller: "ann", judge: 1, human: 1 },
      { item: "a", labeller: "bob", judge: 1, human: 1 },
      { item: "b", labeller: "ann", judge: 0, human: 0 },
      { item: "b", labeller: "bob", judge: 0, human: 1 },
      { item: "c", labeller: "ann", judge: 1, human: 1 },
      { item: "d", labeller: "bob", judge: 0, human: 0 },
    ];
    const r = calibrationReport(pairs, { scale: BINARY_SCALE, resamples: 0 });
    expect(r.n).toBe(6);
    expect(r.items).toBe(4);
    expect(r.labellers).toEqual(["ann", "bob"]);
    expect(r.humanAgreement).toMatchObject({
      items: 2,
      labellers: ["ann", "bob"],
      agreement: 0.5,
      level: "nominal",
    });
    expect(r.humanAgreement?.krippendorffAlpha).not.toBeNull();
    const single = calibrationReport([pairs[0], pairs[2]], { scale: BINARY_SCALE, resamples: 0 });
    expect(single.humanAgreement).toBeNull();
  });

  it("rejects a rating off the declared scale", () => {
    expect(() => calibrationReport([pair("a", 6, 5)], { scale: parseScale("1-5") })).toThrow(
      /not on the scale/,
    );
  });
});

describe("thresholdSearch", () => {
  it("finds the cut that reproduces human pass/fail", () => {
    // humans pass exactly the outputs scored ≥ 0.6
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    const rows = scores.map((s) => ({ score: s, human: s >= 0.6 }));
    const t = thresholdSearch(rows, { current: 0.8 });
    expect(t?.best.threshold).toBe(0.6);
    expect(t?.best.above).toBe(0.5);
    expect(t?.best.agreement).toBe(1);
    expect(t?.best.kappa).toBe(1);
    expect(t?.current?.threshold).toBe(0.8);
    expect(t?.current?.agreement).toBeCloseTo(0.8, 12);
    expect(t?.curve?.length).toBe(10);
  });

  it("picks the best agreement with noisy labels and runs inside the binary report", () => {
    const scores = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];
    const human = [0, 0, 0, 1, 0, 1, 1, 1, 1, 1];
    const pairs = scores.map((s, i) => ({
      item: `c${i}`,
      labeller: "ann",
      judge: s >= 0.7 ? 1 : 0,
      human: human[i],
      score: s,
    }));
    const r = calibrationReport(pairs, { scale: BINARY_SCALE, threshold: 0.7, resamples: 0 });
    expect(r.threshold?.best.threshold).toBe(0.55);
    expect(r.threshold?.best.agreement).toBeCloseTo(0.9, 12);
    expect(r.threshold?.current?.agreement).toBeCloseTo(0.7, 12);
    const byKappa = thresholdSearch(
      scores.map((s, i) => ({ score: s, human: human[i] === 1 })),
      { by: "kappa" },
    );
    expect(byKappa?.by).toBe("kappa");
    expect(byKappa?.best.kappa).toBeGreaterThan(0.7);
  });

  it("handles ties in scores and an empty input", () => {
    expect(thresholdSearch([])).toBeNull();
    const t = thresholdSearch([
      { score: 0.5, human: true },
      { score: 0.5, human: false },
      { score: 0.9, human: true },
    ]);
    expect(t?.curve?.map((c) => c.threshold)).toEqual([0.5, 0.9]);
  });
});
