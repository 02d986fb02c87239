/**
 * Known-answer tests: every statistics case in test/fixtures/reference/stats-vectors.json (computed
 * with scipy, statsmodels, scikit-learn and R) must be reproduced within its tolerance.
 *
 * Each vector names an exported function; `ADAPTERS` maps the vector's `inputs` onto that
 * function's arguments (a thin mapping, field names of results already match `expected`). The
 * text-metric functions in the same file are implemented elsewhere and are excluded by name;
 * any other function without an adapter fails the suite.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as stats from "./index.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Inputs = { [key: string]: Json };

interface VectorCase {
  name: string;
  function: string;
  inputs: Inputs;
  expected: Json;
  tolerance: { abs: number; [key: string]: number };
  notes?: string;
}

interface VectorFile {
  count: number;
  cases: VectorCase[];
}

const VECTORS_URL = new URL("../../test/fixtures/reference/stats-vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(VECTORS_URL, "utf8")) as VectorFile;

/** Text metrics live in another module (owned elsewhere); they are the only functions skipped here. */
const TEXT_METRIC_FUNCTIONS = new Set(["tokenF1", "levenshtein", "rouge", "sentenceBleu", "corpusBleu"]);

// ---------------------------------------------------------------------------------------------
// Typed access to JSON inputs (no `any`).

function field(inputs: Inputs, key: string): Json {
  if (!(key in inputs)) throw new Error(`vector input "${key}" is missing`);
  return inputs[key];
}

function num(inputs: Inputs, key: string): number {
  const v = field(inputs, key);
  if (typeof v !== "number") throw new Error(`vector input "${key}" is not a number`);
  return v;
}

function optNum(inputs: Inputs, key: string): number | undefined {
  return key in inputs ? num(inputs, key) : undefined;
}

function str(inputs: Inputs, key: string): string {
  const v = field(inputs, key);
  if (typeof v !== "string") throw new Error(`vector input "${key}" is not a string`);
  return v;
}

function bool(inputs: Inputs, key: string): boolean {
  const v = field(inputs, key);
  if (typeof v !== "boolean") throw new Error(`vector input "${key}" is not a boolean`);
  return v;
}

function numbers(value: Json, what: string): number[] {
  if (!Array.isArray(value) || !value.every((x) => typeof x === "number")) {
    throw new Error(`vector input "${what}" is not an array of numbers`);
  }
  return value as number[];
}

function nums(inputs: Inputs, key: string): number[] {
  return numbers(field(inputs, key), key);
}

function matrix(inputs: Inputs, key: string): number[][] {
  const v = field(inputs, key);
  if (!Array.isArray(v)) throw new Error(`vector input "${key}" is not a matrix`);
  return v.map((row, i) => numbers(row, `${key}[${i}]`));
}

function categories(value: Json, what: string): stats.Rating[] {
  if (!Array.isArray(value)) throw new Error(`vector input "${what}" is not an array`);
  return value.map((x) => {
    if (x === null || typeof x === "number" || typeof x === "string") return x;
    throw new Error(`vector input "${what}" has a non-category element`);
  });
}

function labelsOrUndefined(inputs: Inputs, key: string): stats.Category[] | undefined {
  const v = field(inputs, key);
  if (v === null) return undefined;
  return categories(v, key).map((x) => {
    if (x === null || x === undefined) throw new Error(`vector input "${key}" contains null`);
    return x;
  });
}

function oneOf<T extends string>(inputs: Inputs, key: string, allowed: readonly T[]): T {
  const v = str(inputs, key);
  const found = allowed.find((a) => a === v);
  if (found === undefined)
    throw new Error(`vector input "${key}" = "${v}" is not one of ${allowed.join(", ")}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Adapters: vector inputs → exported function call → object compared against `expected`.

type Adapter = (inputs: Inputs) => unknown;

const ADAPTERS: Record<string, Adapter> = {
  meanWithStandardError: (i) => stats.meanWithStandardError(nums(i, "scores"), optNum(i, "confidence")),
  wilsonInterval: (i) => stats.wilsonInterval(num(i, "successes"), num(i, "n"), num(i, "confidence")),
  clopperPearsonInterval: (i) =>
    stats.clopperPearsonInterval(num(i, "successes"), num(i, "n"), num(i, "confidence")),
  clusteredStandardError: (i) =>
    stats.clusteredStandardError(
      nums(i, "scores"),
      categories(field(i, "clusters"), "clusters").map((c) => String(c)),
    ),
  pairedDifference: (i) => stats.pairedDifference(nums(i, "a"), nums(i, "b"), num(i, "confidence")),
  pairedTTest: (i) => stats.pairedTTest(nums(i, "a"), nums(i, "b")),
  pairedSampleSize: (i) => {
    const design = {
      sd_diff: num(i, "sd_diff"),
      alpha: num(i, "alpha"),
      power: num(i, "power"),
      two_sided: bool(i, "two_sided"),
    };
    return {
      ...stats.pairedSampleSize({ ...design, mde: num(i, "mde") }),
      // The vector's `mde_at_n500` is the inverse direction: MDE for n = 500 pairs.
      mde_at_n500: stats.pairedMinimumDetectableEffect({ ...design, n: 500 }).mde,
    };
  },
  wilcoxonSignedRank: (i) =>
    stats.wilcoxonSignedRank(nums(i, "differences"), {
      method: oneOf(i, "method", ["auto", "exact", "approx"] as const),
      zero_method: oneOf(i, "zero_method", ["wilcox"] as const),
    }),
  mcnemarTest: (i) =>
    stats.mcnemarTest({
      both_pass: num(i, "both_pass"),
      a_pass_b_fail: num(i, "a_pass_b_fail"),
      a_fail_b_pass: num(i, "a_fail_b_pass"),
      both_fail: num(i, "both_fail"),
    }),
  signTest: (i) => stats.signTest(nums(i, "differences")),
  cohenKappa: (i) => {
    if (str(i, "weights") !== "none") throw new Error("cohenKappa vectors must be unweighted");
    return stats.cohenKappa(
      categories(field(i, "rater1"), "rater1"),
      categories(field(i, "rater2"), "rater2"),
      {
        labels: labelsOrUndefined(i, "labels"),
      },
    );
  },
  weightedKappa: (i) => {
    const r1 = categories(field(i, "rater1"), "rater1");
    const r2 = categories(field(i, "rater2"), "rater2");
    const weights = oneOf(i, "weights", ["none", "linear", "quadratic"] as const);
    return {
      ...stats.weightedKappa(r1, r2, { labels: labelsOrUndefined(i, "labels"), weights }),
      // What sklearn returns when the scale is inferred from the data instead of declared.
      kappa_labels_inferred: stats.weightedKappa(r1, r2, { weights }).kappa,
    };
  },
  krippendorffAlpha: (i) => {
    if (str(i, "missing") !== "null")
      throw new Error("krippendorffAlpha vectors encode missing ratings as null");
    const ratings = field(i, "ratings_by_rater");
    if (!Array.isArray(ratings)) throw new Error("ratings_by_rater is not a matrix");
    return stats.krippendorffAlpha(
      ratings.map((row, r) => categories(row, `ratings_by_rater[${r}]`)),
      oneOf(i, "level", ["nominal", "ordinal", "interval", "ratio"] as const),
    );
  },
  spearmanRho: (i) => stats.spearmanRho(nums(i, "x"), nums(i, "y")),
  kendallTauB: (i) => stats.kendallTauB(nums(i, "x"), nums(i, "y")),
  pearsonR: (i) => stats.pearsonR(nums(i, "x"), nums(i, "y")),
  pointBiserial: (i) => stats.pointBiserial(nums(i, "binary"), nums(i, "continuous")),
  itemAnalysis: (i) => stats.itemAnalysis(matrix(i, "responses_models_by_items")),
  adjustPValues: (i) =>
    stats.adjustPValues(
      nums(i, "p"),
      oneOf(i, "method", ["holm", "bonferroni", "benjamini_hochberg"] as const),
      num(i, "alpha"),
    ),
  percentile: (i) => {
    const values = nums(i, "values");
    const out: Record<string, number> = {};
    for (const q of nums(i, "percentiles")) {
      out[`p${q}_linear`] = stats.percentile(values, q, "linear");
      out[`p${q}_nearest_rank`] = stats.percentile(values, q, "nearest_rank");
    }
    return out;
  },
  ksTwoSample: (i) => stats.ksTwoSample(nums(i, "reference_window"), nums(i, "current_window")),
  chiSquareIndependence: (i) => stats.chiSquareIndependence(matrix(i, "table_rows_windows_cols_categories")),
  tabularCusum: (i) =>
    stats.tabularCusum(nums(i, "stream"), {
      target_mean: num(i, "target_mean"),
      k: num(i, "k"),
      h: num(i, "h"),
    }),
};

/**
 * Expected keys that are not outputs but published reference values quoted to fewer digits:
 * the named output, rounded to the published number of decimals, must equal them.
 */
const PUBLISHED_KEYS: Record<string, string> = { published_value: "alpha" };

// ---------------------------------------------------------------------------------------------
// Comparison of every leaf of `expected`.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function asArray(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof Float64Array) return Array.from(v);
  return undefined;
}

function decimalsOf(x: number): number {
  const s = String(x);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

function compare(expected: Json, actual: unknown, path: string, tol: number, failures: string[]): void {
  if (expected === null) {
    const undefinedLike =
      actual === undefined || actual === null || (typeof actual === "number" && Number.isNaN(actual));
    if (!undefinedLike) failures.push(`${path}: expected undefined/NaN, got ${String(actual)}`);
    return;
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number" || !(Math.abs(actual - expected) <= tol)) {
      failures.push(`${path}: expected ${expected} ± ${tol}, got ${String(actual)}`);
    }
    return;
  }
  if (typeof expected === "boolean" || typeof expected === "string") {
    if (actual !== expected) failures.push(`${path}: expected ${String(expected)}, got ${String(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    const arr = asArray(actual);
    if (!arr || arr.length !== expected.length) {
      failures.push(`${path}: expected an array of length ${expected.length}, got ${String(actual)}`);
      return;
    }
    for (let k = 0; k < expected.length; k++) compare(expected[k], arr[k], `${path}[${k}]`, tol, failures);
    return;
  }
  if (!isRecord(actual)) {
    failures.push(`${path}: expected an object, got ${String(actual)}`);
    return;
  }
  for (const [key, e] of Object.entries(expected)) {
    compare(e, actual[key], `${path}.${key}`, tol, failures);
  }
}

function checkCase(c: VectorCase, actual: unknown): string[] {
  const failures: string[] = [];
  if (!isRecord(actual)) return [`result is not an object: ${String(actual)}`];
  if (c.expected === null) {
    return [];
  }
  if (typeof c.expected !== "object" || Array.isArray(c.expected)) {
    compare(c.expected, actual, c.name, c.tolerance.abs, failures);
    return failures;
  }
  for (const [key, e] of Object.entries(c.expected)) {
    const tol = c.tolerance[`${key}_abs`] ?? c.tolerance.abs;
    const source = PUBLISHED_KEYS[key];
    if (source !== undefined && typeof e === "number") {
      const value = actual[source];
      const factor = 10 ** decimalsOf(e);
      const rounded = typeof value === "number" ? Math.round(value * factor) / factor : Number.NaN;
      if (!(Math.abs(rounded - e) <= tol))
        failures.push(`${key}: ${source} rounds to ${rounded}, published ${e}`);
      continue;
    }
    compare(e, actual[key], key, tol, failures);
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------

describe("stats-vectors.json", () => {
  const statsCases = vectors.cases.filter((c) => !TEXT_METRIC_FUNCTIONS.has(c.function));

  it("is the complete file", () => {
    expect(vectors.cases.length).toBe(vectors.count);
    expect(vectors.count).toBe(45);
    expect(statsCases.length).toBeGreaterThan(0);
  });

  it("names only functions that are implemented here or explicitly excluded as text metrics", () => {
    const exported = stats as unknown as Record<string, unknown>;
    const missing: string[] = [];
    for (const fn of new Set(vectors.cases.map((c) => c.function))) {
      if (TEXT_METRIC_FUNCTIONS.has(fn)) continue;
      if (typeof exported[fn] !== "function") missing.push(`${fn} (not exported from src/stats/index.ts)`);
      if (!(fn in ADAPTERS)) missing.push(`${fn} (no adapter in vectors.test.ts)`);
    }
    expect(missing).toEqual([]);
  });

  for (const c of statsCases) {
    it(`${c.function}: ${c.name}`, () => {
      const adapter = ADAPTERS[c.function];
      if (!adapter) throw new Error(`no implementation registered for vector function "${c.function}"`);
      let actual: unknown;
      try {
        actual = adapter(c.inputs);
      } catch (err) {
        // `expected: null` means "undefined": throwing is an acceptable answer.
        if (c.expected === null) return;
        throw err;
      }
      expect(checkCase(c, actual)).toEqual([]);
    });
  }
});
