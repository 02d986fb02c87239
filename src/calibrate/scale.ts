import { InputError } from "../config/errors.ts";
import type { AlphaLevel, Category } from "../stats/index.ts";

/**
 * The declared rating scale of a calibration: what values a rating may take, in order, and how
 * far apart they are. Weighted kappa counts steps over the *declared* scale (a category nobody
 * used still counts), Krippendorff's alpha uses the scale's level of measurement.
 *
 * Written on the command line as:
 * - `binary` (also `pass-fail`): 0 = fail, 1 = pass; nominal.
 * - `nominal` (categories taken from the data) or `nominal:a,b,c` (declared categories).
 * - `1-5`, `0-10`, `1..7`: whole-number ordinal scales; `interval:1-5` measures alpha at the
 *   interval level instead of the ordinal one.
 * - `ordinal:low,medium,high` or `1,2,3,5`: an ordinal scale of listed values, in order.
 * - `pairwise`: a preference between two outputs, `a`, `b` or `tie`; nominal.
 */
export interface Scale {
  kind: "binary" | "nominal" | "ordinal" | "pairwise";
  /** ordered values; null for a nominal scale whose categories come from the data */
  values: Category[] | null;
  /** level of measurement for Krippendorff's alpha */
  level: AlphaLevel;
  /** the scale as written (`binary`, `1-5`, …) */
  name: string;
}

export const BINARY_SCALE: Scale = { kind: "binary", values: [0, 1], level: "nominal", name: "binary" };
export const PAIRWISE_SCALE: Scale = {
  kind: "pairwise",
  values: ["a", "b", "tie"],
  level: "nominal",
  name: "pairwise",
};
export const NOMINAL_SCALE: Scale = { kind: "nominal", values: null, level: "nominal", name: "nominal" };

/** An unknown or malformed scale (an input error: the CLI exits 2). */
export class ScaleError extends InputError {
  constructor(message: string) {
    super(message, { field: "scale" });
    this.name = "ScaleError";
  }
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const RANGE = new RegExp(`^(${NUMBER})\\s*(?:-|\\.\\.|–)\\s*(${NUMBER})$`);

function listValues(text: string): Category[] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0) throw new ScaleError("a scale needs at least one value");
  const numeric = parts.every((p) => new RegExp(`^${NUMBER}$`).test(p));
  const values: Category[] = numeric ? parts.map(Number) : parts;
  if (new Set(values).size !== values.length) throw new ScaleError(`duplicate value in scale "${text}"`);
  return values;
}

function rangeValues(lo: number, hi: number, spec: string): number[] {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) {
    throw new ScaleError(`a range scale needs whole-number ends (got "${spec}"); list the values instead`);
  }
  if (hi <= lo) throw new ScaleError(`scale "${spec}": the upper end must be above the lower end`);
  if (hi - lo > 1000) throw new ScaleError(`scale "${spec}" has more than 1000 steps`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Parses a scale as written on the command line (see `Scale`). Throws ScaleError. */
export function parseScale(spec: string): Scale {
  const text = spec.trim();
  const lower = text.toLowerCase();
  if (lower === "binary" || lower === "pass-fail" || lower === "passfail") return BINARY_SCALE;
  if (lower === "pairwise") return PAIRWISE_SCALE;
  if (lower === "nominal") return NOMINAL_SCALE;
  const colon = text.indexOf(":");
  if (colon > 0) {
    const head = lower.slice(0, colon).trim();
    const rest = text.slice(colon + 1).trim();
    if (head === "nominal")
      return { kind: "nominal", values: listValues(rest), level: "nominal", name: text };
    if (head === "ordinal" || head === "interval") {
      const range = RANGE.exec(rest);
      const values = range ? rangeValues(Number(range[1]), Number(range[2]), rest) : listValues(rest);
      if (head === "interval" && values.some((v) => typeof v !== "number")) {
        throw new ScaleError(`an interval scale needs numeric values (got "${rest}")`);
      }
      return { kind: "ordinal", values, level: head, name: text };
    }
    throw new ScaleError(`unknown scale type "${head}" (use nominal:, ordinal: or interval:)`);
  }
  const range = RANGE.exec(text);
  if (range) {
    return {
      kind: "ordinal",
      values: rangeValues(Number(range[1]), Number(range[2]), text),
      level: "ordinal",
      name: text,
    };
  }
  if (text.includes(",")) {
    const values = listValues(text);
    if (values.every((v) => typeof v === "number")) {
      const sorted = [...(values as number[])].sort((a, b) => a - b);
      return { kind: "ordinal", values: sorted, level: "ordinal", name: text };
    }
  }
  throw new ScaleError(
    `unknown scale "${spec}" (use binary, nominal, nominal:a,b,c, pairwise, a range such as 1-5 or 0-10, ordinal:low,mid,high or interval:1-5)`,
  );
}

/** An ordinal scale from a dimension's `with.scale` (`[1, 5]`, `"1-5"`, `{min, max}`, a list), if any. */
export function scaleFromConfig(value: unknown): Scale | null {
  if (value === undefined || value === null) return null;
  try {
    if (typeof value === "string") return parseScale(value);
    if (Array.isArray(value)) {
      if (value.length === 2 && value.every((v) => typeof v === "number" && Number.isInteger(v))) {
        return parseScale(`${value[0]}-${value[1]}`);
      }
      if (value.every((v) => typeof v === "number" || typeof v === "string")) {
        return parseScale(`ordinal:${value.join(",")}`);
      }
      return null;
    }
    if (typeof value === "object") {
      const { min, max } = value as { min?: unknown; max?: unknown };
      if (typeof min === "number" && typeof max === "number") return parseScale(`${min}-${max}`);
    }
  } catch {
    return null;
  }
  return null;
}

/** Whether `value` is on the scale (any value is, on a nominal scale without declared categories). */
export function onScale(scale: Scale, value: Category): boolean {
  return scale.values === null || scale.values.includes(value);
}

/**
 * The number a rating stands for, for bias and rank correlations: binary 0/1, an ordinal number
 * itself, an ordinal category its position on the scale; null on nominal and pairwise scales.
 */
export function numericValue(scale: Scale, value: Category): number | null {
  if (scale.kind === "nominal" || scale.kind === "pairwise") return null;
  if (typeof value === "number") return value;
  const i = scale.values?.indexOf(value) ?? -1;
  return i >= 0 ? i : null;
}

/** A scale with the categories seen in the data when it declared none (nominal). */
export function withObservedValues(scale: Scale, observed: Iterable<Category>): Scale {
  if (scale.values !== null) return scale;
  const unique = [...new Set(observed)];
  const numbers = unique.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  const strings = unique.filter((v): v is string => typeof v === "string").sort();
  return { ...scale, values: [...numbers, ...strings] };
}

/**
 * Maps a score normalised to [0, 1] back onto a numeric ordinal scale: lo + s·(hi − lo), rounded
 * to the nearest value on the scale. Null when the scale is not numeric.
 */
export function denormalise(scale: Scale, score: number): number | null {
  const values = scale.values;
  if (!values || values.length === 0 || values.some((v) => typeof v !== "number")) return null;
  const nums = values as number[];
  const lo = nums[0];
  const hi = nums[nums.length - 1];
  const raw = lo + Math.min(1, Math.max(0, score)) * (hi - lo);
  return nearestOnScale(nums, raw);
}

/** The value of a numeric scale nearest to x (the lower one on an exact tie). */
export function nearestOnScale(values: number[], x: number): number {
  let best = values[0];
  for (const v of values) if (Math.abs(v - x) < Math.abs(best - x) - 1e-12) best = v;
  return best;
}
