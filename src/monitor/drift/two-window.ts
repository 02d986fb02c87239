/**
 * Two-window drift tests: does the current window look like the reference window?
 *
 * One family of tests per comparison, Holm-corrected across the whole family (so the chance
 * that any test in it alarms when nothing changed is at most alpha, whatever the dependence
 * between the tests):
 * - `scores` (per dimension) and `features` (numeric input features, e.g. length): the
 *   two-sample Kolmogorov–Smirnov test (`ksTwoSample`, exact p when m·n ≤ 10⁷). Ties (pass/fail
 *   scores, integer lengths) make it conservative, never anti-conservative. Non-finite values
 *   (unscored records) are left out.
 * - `categories` (categorical outputs, tags, the input language): Pearson's chi-square on the
 *   2 × C table of counts (`chiSquareIndependence`, Yates' correction when it has one degree
 *   of freedom). Categories too rare for the chi-square approximation — an expected count
 *   below `minExpected` (5, Cochran's rule) in either window — are pooled into one column
 *   "(other)" (a pool of one category keeps its name). Large categories are never pooled, and
 *   when every category is rare the largest keeps its own column, so a table with two or more
 *   categories is always tested; one whose pool is still small is flagged `lowExpected`
 *   (Yates' correction keeps a 2 × 2 conservative). The columns tested are reported, largest
 *   first.
 * A key present in only one window, a window with no usable values, or a categorical key with
 * a single column left has nothing to compare and is not tested (not counted in the family).
 * Results come in a fixed order: scores, features, categories, keys sorted within each.
 */
import { adjustPValues } from "../../stats/adjust.ts";
import { chiSquareIndependence, ksTwoSample } from "../../stats/drift.ts";

export interface DriftSample {
  /** Scores per dimension. */
  scores?: Record<string, readonly number[]>;
  /** Categorical values per name: outputs, tags, language. */
  categories?: Record<string, readonly string[]>;
  /** Numeric input features per name: length, … */
  features?: Record<string, readonly number[]>;
}

export type DriftSource = "scores" | "features" | "categories";

export interface TwoWindowTest {
  /** The dimension, feature or category key. */
  name: string;
  source: DriftSource;
  kind: "ks" | "chi2";
  /** KS: D; chi-square: χ². */
  statistic: number;
  p: number;
  /** Holm-adjusted across every test in the result. */
  pAdjusted: number;
  /** Rejected at alpha after Holm. */
  alarm: boolean;
  /** Values used from the reference and the current window. */
  n: [number, number];
  /** Chi-square only: degrees of freedom, the columns tested (after pooling), any expected count < 5. */
  df?: number;
  columns?: string[];
  lowExpected?: boolean;
}

export interface TwoWindowOptions {
  /** Family-wise error rate (default 0.05). */
  alpha?: number;
  /** Pool categories whose expected count is below this (default 5). */
  minExpected?: number;
}

export const OTHER_CATEGORY = "(other)";

type Untested = Omit<TwoWindowTest, "pAdjusted" | "alarm">;

function sortedSharedKeys<T>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): string[] {
  if (!a || !b) return [];
  return Object.keys(a)
    .filter((key) => Object.hasOwn(b, key))
    .sort();
}

function clampP(p: number): number {
  return Math.min(1, Math.max(0, p));
}

function ksTest(
  name: string,
  source: DriftSource,
  ref: readonly number[],
  cur: readonly number[],
): Untested | null {
  const a = ref.filter(Number.isFinite);
  const b = cur.filter(Number.isFinite);
  if (a.length === 0 || b.length === 0) return null;
  const result = ksTwoSample(a, b);
  return { name, source, kind: "ks", statistic: result.D, p: clampP(result.p), n: [a.length, b.length] };
}

function chiSquareTest(
  name: string,
  ref: readonly string[],
  cur: readonly string[],
  minExpected: number,
): Untested | null {
  const nRef = ref.length;
  const nCur = cur.length;
  if (nRef === 0 || nCur === 0) return null;
  const counts = new Map<string, [number, number]>();
  for (const v of ref) {
    const c = counts.get(v) ?? [0, 0];
    c[0]++;
    counts.set(v, c);
  }
  for (const v of cur) {
    const c = counts.get(v) ?? [0, 0];
    c[1]++;
    counts.set(v, c);
  }
  // The smallest expected count of a column with pooled total t is min(nRef, nCur)·t / N.
  const threshold = (minExpected * (nRef + nCur)) / Math.min(nRef, nCur);
  const totalOf = (c: [number, number]) => c[0] + c[1];
  // Largest first, names breaking ties, so the pooling below is deterministic.
  const byTotal = [...counts.entries()].sort(
    (x, y) => totalOf(y[1]) - totalOf(x[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0),
  );
  let kept = byTotal.findIndex(([, c]) => totalOf(c) < threshold);
  if (kept < 0) kept = byTotal.length;
  // If every category is rare, the largest keeps its own column.
  if (kept === 0) kept = 1;
  const columns = byTotal.slice(0, kept).map(([key]) => key);
  const cells = byTotal.slice(0, kept).map(([, c]) => c);
  const pool = byTotal.slice(kept);
  if (pool.length === 1) {
    // A pool of one category is that category.
    columns.push(pool[0][0]);
    cells.push(pool[0][1]);
  } else if (pool.length > 1) {
    columns.push(OTHER_CATEGORY);
    cells.push(pool.reduce<[number, number]>((a, [, c]) => [a[0] + c[0], a[1] + c[1]], [0, 0]));
  }
  if (columns.length < 2) return null;
  const table = [cells.map((c) => c[0]), cells.map((c) => c[1])];
  const result = chiSquareIndependence(table);
  return {
    name,
    source: "categories",
    kind: "chi2",
    statistic: result.chi2,
    p: clampP(result.p),
    n: [nRef, nCur],
    df: result.df,
    columns,
    lowExpected: result.low_expected,
  };
}

/** KS and chi-square tests of the current window against the reference, Holm-corrected as one family. */
export function twoWindowTests(
  reference: DriftSample,
  current: DriftSample,
  options: TwoWindowOptions = {},
): TwoWindowTest[] {
  const alpha = options.alpha ?? 0.05;
  const minExpected = options.minExpected ?? 5;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  if (!(minExpected >= 0)) throw new RangeError(`minExpected must be ≥ 0 (got ${minExpected})`);
  const tests: Untested[] = [];
  for (const source of ["scores", "features"] as const) {
    for (const key of sortedSharedKeys(reference[source], current[source])) {
      const t = ksTest(key, source, reference[source]![key], current[source]![key]);
      if (t) tests.push(t);
    }
  }
  for (const key of sortedSharedKeys(reference.categories, current.categories)) {
    const t = chiSquareTest(key, reference.categories![key], current.categories![key], minExpected);
    if (t) tests.push(t);
  }
  if (tests.length === 0) return [];
  const holm = adjustPValues(
    tests.map((t) => t.p),
    "holm",
    alpha,
  );
  return tests.map(({ name, source, kind, statistic, p, n, ...chiSquare }, i) => ({
    name,
    source,
    kind,
    statistic,
    p,
    pAdjusted: holm.p_adjusted[i],
    alarm: holm.reject_at_alpha[i],
    n,
    ...chiSquare,
  }));
}
