import { describe, expect, it } from "vitest";
import { itemBootstrap } from "./agreement.ts";
import { renderCalibration } from "./render.ts";
import { calibrationReport, type RatingPair } from "./report.ts";
import { BINARY_SCALE } from "./scale.ts";
import { calibrationState, DEFAULT_MIN_LABELS } from "./stored.ts";

/**
 * Undefined statistics are reported as undefined (null, printed "n/a"), never as 0; and a
 * calibration on too few labels is `insufficient`.
 */

const pairs = (judge: number[], human: number[]): RatingPair[] =>
  judge.map((j, i) => ({ item: `c${i}`, labeller: "ann", judge: j, human: human[i] }));

describe("calibration: undefined statistics", () => {
  // Three labels, a judge that passes everything: kappa is 0 by its formula (p_o = p_e), but a
  // third of the item resamples hold one human class only, where kappa is undefined.
  const three = calibrationReport(pairs([1, 1, 1], [1, 0, 1]), {
    scale: BINARY_SCALE,
    resamples: 1000,
    seed: 3,
  });

  it("a bootstrap where many resamples are undefined has no interval, and says how many", () => {
    const ci = three.intervals.cohenKappa;
    expect(ci).not.toBeNull();
    expect(ci?.lower).toBeNull();
    expect(ci?.upper).toBeNull();
    expect(ci?.resamples).toBe(1000);
    // P(all three draws from the two passes or the one fail) = (2/3)³ + (1/3)³ = 1/3
    expect(ci?.undefined).toBeGreaterThan(250);
    expect(ci?.undefined).toBeLessThan(420);
  });

  it("prints undefined figures as n/a, never as 0.000 [0.000, 0.000]", () => {
    const text = renderCalibration(three);
    expect(text).not.toMatch(/\[0\.000, 0\.000\]/);
    expect(text).toMatch(/Cohen's kappa\s*│?\s*0\.000\s*│?\s*n\/a \(undefined in \d+ of 1000 resamples\)/);
  });

  it("kappa itself is undefined when both raters use one class: null, printed n/a", () => {
    const r = calibrationReport(pairs([1, 1, 1, 1], [1, 1, 1, 1]), { scale: BINARY_SCALE, resamples: 100 });
    expect(r.cohenKappa).toBeNull();
    expect(r.headline.kappa).toBeNull();
    expect(r.intervals.cohenKappa?.lower).toBeNull();
    expect(r.intervals.cohenKappa?.undefined).toBe(100);
    expect(renderCalibration(r)).toMatch(/Cohen's kappa\s*│?\s*n\/a/);
  });

  it("keeps the interval when undefined resamples are rare (at most the tail share)", () => {
    const groups = Array.from({ length: 40 }, (_, i) => [i]);
    // undefined on exactly the resamples that drew no item below 2: (38/40)^40 ≈ 13% of them
    const stat = (rows: number[]) => (rows.some((r) => r < 2) ? rows.length : null);
    const rare = itemBootstrap(
      groups,
      { s: (rows) => (rows.length > 0 ? 1 : null) },
      { resamples: 200, seed: 1 },
    );
    expect(rare.s).toEqual({ lower: 1, upper: 1, undefined: 0, resamples: 200 });
    const often = itemBootstrap(groups, { s: stat }, { resamples: 400, seed: 1 });
    expect(often.s?.undefined).toBeGreaterThan(10); // > 2.5% of 400
    expect(often.s?.lower).toBeNull();
  });
});

describe("calibration: minimum labels", () => {
  it("is insufficient below the minimum (default 30) and ok from it", () => {
    expect(DEFAULT_MIN_LABELS).toBe(30);
    expect(calibrationState(3)).toBe("insufficient");
    expect(calibrationState(29)).toBe("insufficient");
    expect(calibrationState(30)).toBe("ok");
    expect(calibrationState(3, 3)).toBe("ok");
  });
});
