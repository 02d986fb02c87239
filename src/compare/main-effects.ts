import { adjustPValues, meanWithStandardError, studentTInterval, studentTSf } from "../stats/index.ts";

/**
 * Main effects of a variant matrix (issue 13): for a factor (prompt, model, temperature, …) and two
 * of its levels a and b, how much b scores above a averaged over the other factors' combinations.
 * Paired over cases: each case contributes the mean, over the combinations of the other factors
 * where both levels were run, of (score at b − score at a); the effect is the mean of those case
 * differences with a Student t interval. Cases are the unit because they are what varies between
 * repeats of the suite; the other factors are held fixed within each difference.
 */

export type FactorLevel = string | number;

export interface MainEffect {
  factor: string;
  /** the reference level */
  a: FactorLevel;
  /** the level compared with it */
  b: FactorLevel;
  /** mean over cases of (score at b − score at a), averaged over the other factors */
  delta: number;
  /** 95% Student t interval of delta over cases (null with fewer than 2 cases) */
  ci: [number, number] | null;
  /** cases with a difference */
  n: number;
  /** combinations of the other factors where both levels were run */
  combinations: number;
  /** two-sided one-sample t test of the case differences against 0 */
  p: number | null;
  /** Holm-adjusted across every main effect of the comparison */
  pAdjusted: number | null;
}

export interface VariantRun {
  /** the run's factor levels (its target configuration's `factors`) */
  factors: Record<string, FactorLevel>;
  /** case id → aggregate score (null: unscored) */
  scores: Map<string, number | null>;
}

/** Factors with at least two levels across the runs, each with its levels in order of appearance. */
export function factorLevels(runs: VariantRun[]): Map<string, FactorLevel[]> {
  const levels = new Map<string, FactorLevel[]>();
  for (const r of runs) {
    for (const [f, v] of Object.entries(r.factors)) {
      const list = levels.get(f) ?? [];
      if (!list.includes(v)) list.push(v);
      levels.set(f, list);
    }
  }
  return new Map([...levels].filter(([, l]) => l.length > 1));
}

/** The mean score per case over the runs of one cell (repeated runs of one combination average). */
function cellScores(runs: VariantRun[]): Map<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of runs) {
    for (const [id, s] of r.scores) {
      if (s === null) continue;
      const acc = sums.get(id) ?? { sum: 0, n: 0 };
      acc.sum += s;
      acc.n += 1;
      sums.set(id, acc);
    }
  }
  return new Map([...sums].map(([id, { sum, n }]) => [id, sum / n]));
}

const keyOf = (factors: Record<string, FactorLevel>, omit: string, names: string[]) =>
  JSON.stringify(names.filter((n) => n !== omit).map((n) => factors[n] ?? null));

export function computeMainEffects(runs: VariantRun[], opts: { alpha?: number } = {}): MainEffect[] {
  const alpha = opts.alpha ?? 0.05;
  // Only runs that say every factor's level take part: a run without factors is not in the matrix.
  const levels = factorLevels(runs);
  const names = [...levels.keys()];
  const inMatrix = runs.filter((r) => names.every((n) => r.factors[n] !== undefined));
  const effects: MainEffect[] = [];
  for (const [factor, list] of levels) {
    // other-factor combination → level → cell scores
    const cells = new Map<string, Map<FactorLevel, VariantRun[]>>();
    for (const r of inMatrix) {
      const key = keyOf(r.factors, factor, names);
      const byLevel = cells.get(key) ?? new Map<FactorLevel, VariantRun[]>();
      byLevel.set(r.factors[factor], [...(byLevel.get(r.factors[factor]) ?? []), r]);
      cells.set(key, byLevel);
    }
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        effects.push(effectOf(factor, list[i], list[j], cells));
      }
    }
  }
  const tested = effects.filter((e) => e.p !== null);
  if (tested.length > 0) {
    const adj = adjustPValues(
      tested.map((e) => e.p as number),
      "holm",
      alpha,
    );
    tested.forEach((e, k) => {
      e.pAdjusted = adj.p_adjusted[k];
    });
  }
  return effects;
}

function effectOf(
  factor: string,
  a: FactorLevel,
  b: FactorLevel,
  cells: Map<string, Map<FactorLevel, VariantRun[]>>,
): MainEffect {
  // case → differences (b − a), one per combination of the other factors where both ran it
  const diffs = new Map<string, number[]>();
  let combinations = 0;
  for (const byLevel of cells.values()) {
    const ra = byLevel.get(a);
    const rb = byLevel.get(b);
    if (!ra || !rb) continue;
    combinations += 1;
    const sa = cellScores(ra);
    const sb = cellScores(rb);
    for (const [id, x] of sa) {
      const y = sb.get(id);
      if (y === undefined) continue;
      diffs.set(id, [...(diffs.get(id) ?? []), y - x]);
    }
  }
  const perCase = [...diffs.values()].map((d) => d.reduce((s, x) => s + x, 0) / d.length);
  const n = perCase.length;
  if (n === 0) return { factor, a, b, delta: 0, ci: null, n, combinations, p: null, pAdjusted: null };
  const summary = meanWithStandardError(perCase);
  const delta = summary.mean;
  if (n < 2) return { factor, a, b, delta, ci: null, n, combinations, p: null, pAdjusted: null };
  const se = summary.se;
  if (!(se > 0)) {
    // every case moved by the same amount: no spread to test against
    return {
      factor,
      a,
      b,
      delta,
      ci: [delta, delta],
      n,
      combinations,
      p: delta === 0 ? 1 : 0,
      pAdjusted: null,
    };
  }
  const ci = studentTInterval(delta, se, n - 1);
  const p = Math.min(1, 2 * studentTSf(Math.abs(delta / se), n - 1));
  return { factor, a, b, delta, ci: [ci[0], ci[1]], n, combinations, p, pAdjusted: null };
}

/** A run's factor levels, from its recorded target configuration (variants: targets only). */
export function factorsOf(
  targetConfig: Record<string, unknown> | undefined,
): Record<string, FactorLevel> | null {
  const f = targetConfig?.factors;
  if (f === null || typeof f !== "object" || Array.isArray(f)) return null;
  const out: Record<string, FactorLevel> = {};
  for (const [k, v] of Object.entries(f)) if (typeof v === "string" || typeof v === "number") out[k] = v;
  return out;
}
