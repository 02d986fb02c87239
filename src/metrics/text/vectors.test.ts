import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bleuStatistics, corpusBleu, corpusBleuFromStats, sentenceBleu } from "./bleu.ts";
import { levenshtein } from "./levenshtein.ts";
import { rougeL, rougeN, rougeTokenize } from "./rouge.ts";
import { tokenF1 } from "./token-f1.ts";

/**
 * Known-answer vectors shared by the project (DESIGN.md §5): every case of the text-metric
 * functions must be reproduced, every numeric leaf within the case's absolute tolerance.
 */

interface VectorCase {
  name: string;
  function: string;
  inputs: Record<string, unknown>;
  expected: Record<string, unknown>;
  tolerance: { abs: number };
  notes?: string;
}

const file = new URL("../../../test/fixtures/reference/stats-vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(file, "utf8")) as { cases: VectorCase[] };

type Compute = (inputs: Record<string, unknown>) => Record<string, unknown>;

const str = (v: unknown): string => {
  if (typeof v !== "string") throw new Error(`expected a string input, got ${JSON.stringify(v)}`);
  return v;
};
const strs = (v: unknown): string[] => {
  if (!Array.isArray(v)) throw new Error(`expected a list input, got ${JSON.stringify(v)}`);
  return v.map(str);
};
const nums = (v: unknown): number[] => (v as unknown[]).map((x) => x as number);

function bleuOptions(inputs: Record<string, unknown>) {
  if (inputs.smoothing !== undefined && inputs.smoothing !== "none") {
    throw new Error(`unexpected smoothing ${String(inputs.smoothing)}`);
  }
  if (inputs.tokenization !== undefined && inputs.tokenization !== "whitespace split") {
    throw new Error(`unexpected tokenization ${String(inputs.tokenization)}`);
  }
  return { maxN: inputs.max_n as number, weights: nums(inputs.weights), smoothing: "none" as const };
}

const compute: Record<string, Compute> = {
  tokenF1: (inputs) => {
    const golds = strs(inputs.golds);
    const v1 = tokenF1(str(inputs.prediction), golds, { emptyRule: "v1.1" });
    const v2 = tokenF1(str(inputs.prediction), golds, { emptyRule: "v2.0" });
    return {
      normalized_prediction: v1.normalizedPrediction,
      normalized_golds: v1.normalizedGolds,
      exact_match: v1.exactMatch,
      precision: v1.precision,
      recall: v1.recall,
      f1_v1_1: v1.f1,
      f1_v2_0: v2.f1,
    };
  },
  rouge: (inputs) => {
    if (inputs.use_stemmer) throw new Error("stemming is not supported");
    const target = str(inputs.target);
    const prediction = str(inputs.prediction);
    return {
      rougeL: rougeL(target, prediction),
      rouge1: rougeN(target, prediction, 1),
      rouge2: rougeN(target, prediction, 2),
      target_tokens: rougeTokenize(target),
      prediction_tokens: rougeTokenize(prediction),
    };
  },
  sentenceBleu: (inputs) => ({
    bleu: sentenceBleu(strs(inputs.references), str(inputs.hypothesis), bleuOptions(inputs)).bleu,
  }),
  corpusBleu: (inputs) => {
    const refs = (inputs.references as unknown[]).map(strs);
    const hyps = strs(inputs.hypotheses);
    const options = bleuOptions(inputs);
    const direct = corpusBleu(refs, hyps, options).bleu;
    // The per-sentence sufficient statistics must recompute the same corpus BLEU.
    const fromStats = corpusBleuFromStats(
      hyps.map((h, i) => bleuStatistics(refs[i], h, options.maxN)),
      options,
    ).bleu;
    if (fromStats !== direct) throw new Error(`corpus BLEU from statistics ${fromStats} != ${direct}`);
    return { bleu: direct };
  },
  levenshtein: (inputs) => {
    const r = levenshtein(str(inputs.a), str(inputs.b));
    return { distance: r.distance, normalized_similarity: r.similarity };
  },
};

/** Compares every leaf of `expected` with `actual`; returns how many numeric leaves were checked. */
function compareLeaves(expected: unknown, actual: unknown, tol: number, path: string): number {
  if (expected === null) {
    const undefinedLike =
      actual === undefined || actual === null || (typeof actual === "number" && Number.isNaN(actual));
    expect(undefinedLike, `${path}: expected undefined, got ${JSON.stringify(actual)}`).toBe(true);
    return 0;
  }
  if (typeof expected === "number") {
    expect(typeof actual, `${path}: not a number`).toBe("number");
    const diff = Math.abs((actual as number) - expected);
    expect(diff <= tol, `${path}: |${String(actual)} - ${expected}| = ${diff} > ${tol}`).toBe(true);
    return 1;
  }
  if (typeof expected === "string" || typeof expected === "boolean") {
    expect(actual, path).toBe(expected);
    return 0;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path}: not an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}: length`).toBe(expected.length);
    return expected.reduce<number>(
      (n, e, i) => n + compareLeaves(e, (actual as unknown[])[i], tol, `${path}[${i}]`),
      0,
    );
  }
  if (typeof expected === "object") {
    expect(actual !== null && typeof actual === "object", `${path}: not an object`).toBe(true);
    let n = 0;
    for (const [key, e] of Object.entries(expected as Record<string, unknown>)) {
      const a = (actual as Record<string, unknown>)[key];
      expect(e === null || a !== undefined, `${path}.${key}: missing from the result`).toBe(true);
      n += compareLeaves(e, a, tol, `${path}.${key}`);
    }
    return n;
  }
  throw new Error(`${path}: unexpected expected value ${JSON.stringify(expected)}`);
}

const TEXT_FUNCTIONS = ["tokenF1", "levenshtein", "rouge", "sentenceBleu", "corpusBleu"] as const;
const textCases = vectors.cases.filter((c) => (TEXT_FUNCTIONS as readonly string[]).includes(c.function));

describe("stats-vectors.json: text metrics", () => {
  it("has cases for every text-metric function", () => {
    for (const fn of TEXT_FUNCTIONS) {
      expect(
        textCases.some((c) => c.function === fn),
        `no vector for ${fn}`,
      ).toBe(true);
    }
    // Every case of these functions is run below: none is skipped.
    expect(textCases.every((c) => typeof compute[c.function] === "function")).toBe(true);
  });

  for (const c of textCases) {
    it(`${c.function}: ${c.name}`, () => {
      const fn = compute[c.function];
      const actual = fn(c.inputs);
      const checked = compareLeaves(c.expected, actual, c.tolerance.abs, c.name);
      expect(checked, "no numeric leaf was checked").toBeGreaterThan(0);
    });
  }
});
