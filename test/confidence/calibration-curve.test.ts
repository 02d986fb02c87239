import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  calibrationSummary,
  escalationThreshold,
  reliabilityBins,
  selectiveCurve,
} from "../../src/stats/calibration-curve.ts";

interface Vector {
  name: string;
  confidences: number[];
  correct: boolean[];
  bins: number;
  targetAccuracy?: number;
  expected: {
    binCounts: number[];
    probTrue: number[];
    probPred: number[];
    ece: number;
    mce: number;
    brier: number;
    selective: Array<{ threshold: number; coverage: number; accuracy: number }>;
    escalationThreshold?: number | null;
  };
}

// Computed independently with numpy, copying scikit-learn's calibration_curve binning; the script
// that made them sits beside them (make-calibration-vectors.py).
const vectors = JSON.parse(
  readFileSync(new URL("./fixtures/calibration-vectors.json", import.meta.url), "utf8"),
).cases as Vector[];

describe.each(vectors)("calibration of $name", (v) => {
  const summary = calibrationSummary(v.confidences, v.correct, v.bins);

  it("bins like calibration_curve (counts, and accuracy and confidence of the non-empty bins)", () => {
    expect(summary?.bins.map((b) => b.n)).toEqual(v.expected.binCounts);
    const filled = (summary?.bins ?? []).filter((b) => b.n > 0);
    filled.forEach((b, i) => {
      expect(b.accuracy).toBeCloseTo(v.expected.probTrue[i], 12);
      expect(b.meanConfidence).toBeCloseTo(v.expected.probPred[i], 12);
    });
    for (const b of summary?.bins ?? []) {
      if (b.n === 0) expect([b.accuracy, b.meanConfidence]).toEqual([null, null]);
    }
    expect(summary?.bins[0].lo).toBe(0);
    expect(summary?.bins.at(-1)?.hi).toBe(1);
  });

  it("reproduces ECE, MCE and the Brier score", () => {
    expect(summary?.ece).toBeCloseTo(v.expected.ece, 12);
    expect(summary?.mce).toBeCloseTo(v.expected.mce, 12);
    expect(summary?.brier).toBeCloseTo(v.expected.brier, 12);
  });

  it("reproduces the selective curve at every distinct threshold", () => {
    expect(summary?.selective).toHaveLength(v.expected.selective.length);
    summary?.selective.forEach((p, i) => {
      const e = v.expected.selective[i];
      expect(p.threshold).toBe(e.threshold);
      expect(p.coverage).toBeCloseTo(e.coverage, 12);
      expect(p.accuracy).toBeCloseTo(e.accuracy, 12);
    });
  });

  it.runIf(v.targetAccuracy !== undefined)(
    "finds the smallest threshold reaching the target accuracy",
    () => {
      const esc = escalationThreshold(
        summary?.selective ?? [],
        v.confidences.length,
        v.targetAccuracy as number,
      );
      expect(esc?.threshold ?? null).toBe(v.expected.escalationThreshold);
      if (esc) {
        expect(esc.accuracy).toBeGreaterThanOrEqual(v.targetAccuracy as number);
        expect(esc.ci[0]).toBeLessThanOrEqual(esc.accuracy);
        expect(esc.ci[1]).toBeGreaterThanOrEqual(esc.accuracy);
        // every lower threshold misses the target: it is the smallest
        for (const p of summary?.selective ?? []) {
          if (p.threshold < esc.threshold) expect(p.accuracy).toBeLessThan(v.targetAccuracy as number);
        }
      }
    },
  );
});

describe("calibration by hand", () => {
  it("a perfectly calibrated bin has no error; a confident miss is the whole gap", () => {
    const s = calibrationSummary([0.95, 0.95, 0.05, 0.05], [true, true, false, false]);
    expect(s?.ece).toBeCloseTo(0.05, 12);
    expect(s?.brier).toBeCloseTo(0.0025, 12);
    const miss = calibrationSummary([1], [false]);
    expect([miss?.ece, miss?.mce, miss?.brier]).toEqual([1, 1, 1]);
  });

  it("returns null without predictions and refuses confidences outside [0, 1]", () => {
    expect(calibrationSummary([], [])).toBeNull();
    expect(() => reliabilityBins([1.2], [true])).toThrow(RangeError);
    expect(() => selectiveCurve([0.5], [])).toThrow(RangeError);
  });

  it("reports no threshold when even the most confident cases miss the target", () => {
    const curve = selectiveCurve([0.9, 0.8, 0.7], [false, true, true]);
    expect(escalationThreshold(curve, 3, 0.95)).toBeNull();
    // 0.8 answers two of three and gets both right: it is the smallest reaching 100%
    expect(escalationThreshold(curve, 3, 1)).toBeNull();
    expect(escalationThreshold(selectiveCurve([0.9, 0.8, 0.7], [true, true, false]), 3, 1)?.threshold).toBe(
      0.8,
    );
  });
});
