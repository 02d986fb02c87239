import { describe, expect, it } from "vitest";
import type { DimensionCalibration } from "../../src/calibrate/stored.ts";
import { evaluateGate } from "../../src/compare/gate.ts";
import { gateSchema } from "../../src/compare/gate-config.ts";
import { buildScorecard, calibrationMarkers } from "../../src/scorecard/build.ts";
import { caseResults } from "../../src/scorecard/case-results.ts";
import type { CalibrationRecord } from "../../src/store/types.ts";
import { ids, PASS_FAIL, syntheticRows } from "../support/synthetic-runs.ts";
import { judgeDimension } from "./support.ts";

/** The scorecard's `calibrated` marker and the gate's calibration rule, as pure functions. */

const record = (
  evaluator: string,
  createdAt: string,
  kappa: number,
  alpha: number,
  n = 50,
): CalibrationRecord => ({
  id: `cal-${createdAt}`,
  evaluator,
  dimension: "quality",
  runId: "r",
  labelSetHash: "h",
  n,
  metrics: { headline: { kappa, alpha }, cohenKappa: kappa, krippendorffAlpha: alpha },
  createdAt,
});

const rows = syntheticRows({
  id: "card-run",
  dimensions: {
    quality: judgeDimension("llm-judge@1#q"),
    tone: judgeDimension("llm-judge@1#t"),
    format: { ...PASS_FAIL },
  },
  cases: ids("m", 4).map((id) => ({ id, scores: { quality: 1, tone: 1, format: 1 } })),
});

describe("scorecard calibration marker", () => {
  it("marks judge dimensions calibrated (newest record of the exact evaluator) or null", () => {
    const records = [
      record("llm-judge@1#q", "2025-01-01T00:00:00.000Z", 0.5, 0.4),
      record("llm-judge@1#q", "2025-02-01T00:00:00.000Z", 0.8, 0.79, 120),
      record("llm-judge@0#t", "2025-02-01T00:00:00.000Z", 0.9, 0.9),
    ];
    const markers = calibrationMarkers(rows.run, records);
    expect(markers).toEqual({
      quality: {
        kappa: 0.8,
        alpha: 0.79,
        n: 120,
        at: "2025-02-01T00:00:00.000Z",
        id: "cal-2025-02-01T00:00:00.000Z",
      },
      tone: null,
    });
    const card = buildScorecard({ ...rows, calibrations: records });
    expect(card.dimensions.quality.calibrated?.kappa).toBe(0.8);
    expect(card.dimensions.tone.calibrated).toBeNull();
    expect("calibrated" in card.dimensions.format).toBe(false);
    // without records the scorecard is unchanged
    expect("calibrated" in buildScorecard(rows).dimensions.quality).toBe(false);
  });
});

describe("gate calibration rule", () => {
  const card = buildScorecard(rows);
  const candidateCases = caseResults(rows.run, rows.cases, rows.outputs, rows.scores);
  const status = (
    dimension: string,
    current: CalibrationRecord | null,
    stale: CalibrationRecord | null = null,
    judge = true,
  ): DimensionCalibration => ({
    dimension,
    evaluator: rows.run.dimensions[dimension].evaluator,
    kind: rows.run.dimensions[dimension].kind,
    judge,
    current,
    stale,
  });
  const run = (calibration: Record<string, unknown>, dims: DimensionCalibration[] | undefined) =>
    evaluateGate({
      config: gateSchema.parse({ calibration }),
      candidate: card,
      candidateCases,
      calibration: dims,
    });

  it("passes calibrated judges with the figures and fails or warns on missing ones", () => {
    const good = record("llm-judge@1#q", "2025-02-01T00:00:00.000Z", 0.8, 0.75);
    const pass = run({ minKappa: 0.6 }, [
      status("quality", good),
      status("tone", good),
      status("format", null, null, false),
    ]);
    expect(pass.verdict).toBe("PASS");
    expect(pass.rules.map((r) => [r.subject, r.status])).toEqual([
      ["quality", "pass"],
      ["tone", "pass"],
    ]);
    expect(pass.rules[0].values).toMatchObject({ kappa: 0.8, alpha: 0.75, n: 50 });

    const missing = run({ minKappa: 0.6 }, [status("quality", good), status("tone", null)]);
    expect(missing.verdict).toBe("FAIL");
    expect(missing.rules[1].message).toMatch(/uncalibrated/);
    const warn = run({ minKappa: 0.6, failOnMissing: false }, [
      status("quality", good),
      status("tone", null, good),
    ]);
    expect(warn.verdict).toBe("PASS");
    expect(warn.rules[1]).toMatchObject({ status: "warn" });
    expect(warn.rules[1].message).toMatch(/stale/);
  });

  it("checks listed dimensions (even non-judges) and the minimums", () => {
    const weak = record("json-field@1", "2025-02-01T00:00:00.000Z", 0.3, 0.2, 8);
    const r = run({ dimensions: ["format"], minKappa: 0.6, minAlpha: 0.5, minLabels: 10 }, [
      status("quality", null),
      status("format", weak, null, false),
    ]);
    expect(r.verdict).toBe("FAIL");
    expect(r.rules).toHaveLength(1);
    expect(r.rules[0].subject).toBe("format");
    expect(r.rules[0].message).toMatch(
      /8 labels < minimum 10; κ 0\.300 < minimum 0\.6; α 0\.200 < minimum 0\.5/,
    );
  });

  it("is silent without a calibration block, and says so when given no status", () => {
    expect(evaluateGate({ config: gateSchema.parse({}), candidate: card, candidateCases }).rules).toEqual([]);
    expect(run({}, undefined).rules[0]).toMatchObject({ rule: "calibration", status: "warn" });
  });
});
