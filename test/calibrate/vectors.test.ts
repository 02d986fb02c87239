/**
 * The shared known-answer vectors for kappa, weighted kappa and Krippendorff's alpha
 * (test/fixtures/reference/stats-vectors.json), fed through the calibration entry points rather than
 * the stats functions: rater1 is the judge, rater2 the human, the vector's labels the declared
 * scale; multi-rater alpha goes through the human–human ceiling.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  calibrationReport,
  type HumanLabel,
  humanAgreement,
  type RatingPair,
} from "../../src/calibrate/index.ts";
import { BINARY_SCALE, NOMINAL_SCALE, parseScale, type Scale } from "../../src/calibrate/scale.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface VectorCase {
  name: string;
  function: string;
  inputs: { [key: string]: Json };
  expected: { [key: string]: Json };
  tolerance: { abs: number };
}

const VECTORS_URL = new URL("../fixtures/reference/stats-vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(VECTORS_URL, "utf8")) as { cases: VectorCase[] };

function ratings(value: Json, what: string): Array<number | string | null> {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value.map((v) => {
    if (v === null || typeof v === "number" || typeof v === "string") return v;
    throw new Error(`${what} holds a non-rating`);
  });
}

function expectedNumber(c: VectorCase, key: string): number {
  const v = c.expected[key];
  if (typeof v !== "number") throw new Error(`${c.name}: expected.${key} is not a number`);
  return v;
}

/** The declared scale of a kappa vector: its labels, else (labels: null) the values seen. */
function scaleFor(labels: Json, observed: Array<number | string>): Scale {
  const values =
    labels === null
      ? [...new Set(observed)].sort((a, b) => Number(a) - Number(b))
      : ratings(labels, "labels");
  if (values.every((v) => v === 0 || v === 1) && values.length === 2) return BINARY_SCALE;
  return parseScale(`ordinal:${values.join(",")}`);
}

function pairsOf(rater1: Json, rater2: Json): RatingPair[] {
  const judge = ratings(rater1, "rater1");
  const human = ratings(rater2, "rater2");
  const pairs: RatingPair[] = [];
  judge.forEach((j, i) => {
    const h = human[i];
    if (j !== null && h !== null) pairs.push({ item: `u${i}`, labeller: "human", judge: j, human: h });
  });
  return pairs;
}

const kappaCases = vectors.cases.filter((c) => c.function === "cohenKappa" || c.function === "weightedKappa");
const alphaCases = vectors.cases.filter((c) => c.function === "krippendorffAlpha");

describe("calibration reproduces the shared agreement vectors", () => {
  it("has kappa, weighted kappa and alpha vectors to check", () => {
    expect(kappaCases.some((c) => c.function === "cohenKappa")).toBe(true);
    expect(kappaCases.some((c) => c.function === "weightedKappa")).toBe(true);
    expect(alphaCases.length).toBeGreaterThan(0);
  });

  for (const c of kappaCases) {
    it(`${c.name} (${c.function})`, () => {
      const pairs = pairsOf(c.inputs.rater1, c.inputs.rater2);
      const observed = pairs.flatMap((p) => [p.judge, p.human]);
      const report = calibrationReport(pairs, { scale: scaleFor(c.inputs.labels, observed), resamples: 0 });
      const tol = c.tolerance.abs;
      const weights = c.inputs.weights;
      const kappa =
        weights === "linear"
          ? report.weightedKappa.linear
          : weights === "quadratic"
            ? report.weightedKappa.quadratic
            : report.cohenKappa;
      expect(kappa).not.toBeNull();
      expect(Math.abs((kappa as number) - expectedNumber(c, "kappa"))).toBeLessThanOrEqual(tol);
      expect(
        Math.abs((report.agreement as number) - expectedNumber(c, "observed_agreement")),
      ).toBeLessThanOrEqual(tol);
      if (typeof c.expected.kappa_labels_inferred === "number") {
        // the scale inferred from the data, as scikit-learn does without labels
        const inferred = [...new Set(observed)].sort((a, b) => Number(a) - Number(b));
        const r2 = calibrationReport(pairs, {
          scale: parseScale(`ordinal:${inferred.join(",")}`),
          resamples: 0,
        });
        const k2 = weights === "quadratic" ? r2.weightedKappa.quadratic : r2.weightedKappa.linear;
        expect(Math.abs((k2 as number) - expectedNumber(c, "kappa_labels_inferred"))).toBeLessThanOrEqual(
          tol,
        );
      }
    });
  }

  for (const c of alphaCases) {
    it(`${c.name} (krippendorffAlpha, ${String(c.inputs.level)})`, () => {
      const matrix = c.inputs.ratings_by_rater;
      if (!Array.isArray(matrix)) throw new Error("ratings_by_rater is not a matrix");
      const labels: HumanLabel[] = [];
      matrix.forEach((row, r) => {
        ratings(row, `ratings_by_rater[${r}]`).forEach((v, u) => {
          if (v !== null) labels.push({ item: `u${u}`, labeller: `rater${r}`, value: v });
        });
      });
      const values = [...new Set(labels.map((l) => l.value))].sort((a, b) => Number(a) - Number(b));
      const level = c.inputs.level;
      const scale =
        level === "nominal"
          ? NOMINAL_SCALE
          : parseScale(`${level === "interval" ? "interval" : "ordinal"}:${values.join(",")}`);
      const h = humanAgreement(labels, scale);
      expect(h).not.toBeNull();
      expect(h?.level).toBe(level);
      expect(Math.abs((h?.krippendorffAlpha as number) - expectedNumber(c, "alpha"))).toBeLessThanOrEqual(
        c.tolerance.abs,
      );
    });
  }

  it("two-rater alpha through the judge report equals the human–human route", () => {
    const c = alphaCases[0];
    const matrix = c.inputs.ratings_by_rater as Json[];
    const pairs = pairsOf(matrix[0], matrix[1]);
    const report = calibrationReport(pairs, { scale: NOMINAL_SCALE, resamples: 0 });
    const labels: HumanLabel[] = pairs.flatMap((p) => [
      { item: p.item, labeller: "judge", value: p.judge },
      { item: p.item, labeller: "human", value: p.human },
    ]);
    expect(report.krippendorffAlpha).toBeCloseTo(
      humanAgreement(labels, NOMINAL_SCALE)?.krippendorffAlpha as number,
      12,
    );
  });
});
