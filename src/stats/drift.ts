/**
 * Drift detection between a reference window and a current window of scores.
 *
 * - `ksTwoSample`: two-sample Kolmogorov–Smirnov, D = sup |F₁ − F₂| over the pooled sample.
 *   p_exact is the exact lattice-path probability P(D ≥ d) (scipy `ks_2samp(method='exact')`,
 *   R `psmirnov`); p_asymptotic reproduces scipy's `method='asymp'`, which evaluates the
 *   one-sample Kolmogorov distribution at n = round(m·n/(m+n)) (half to even, as numpy). Ties
 *   in the data make both conservative. "auto" uses the exact p when m·n ≤ 10⁷.
 * - `chiSquareIndependence`: Pearson chi-square on a windows × categories count table
 *   (scipy `chi2_contingency`), Yates' continuity correction only for 1-df tables (scipy's and
 *   R's default, `correction: false` to disable). Rows or columns that are entirely zero are
 *   left out of the degrees of freedom (scipy raises instead); `low_expected` flags any
 *   expected count below 5, where the chi-square approximation is doubtful.
 * - `tabularCusum`: the textbook tabular CUSUM (Page 1954; Montgomery, Introduction to
 *   Statistical Quality Control): C⁺_t = max(0, C⁺_{t−1} + x_t − (μ₀ + k)),
 *   C⁻_t = max(0, C⁻_{t−1} + (μ₀ − k) − x_t), C_0 = 0, alarm at the first t with C > h.
 *   Usually k = δ/2 for a shift δ to detect and h = 4–5 σ.
 */
import { assertFinite } from "./descriptive.ts";
import { chiSquareSf } from "./distributions.ts";
import { kolmogorovSf, ksTwoSampleExactSf } from "./kolmogorov.ts";

export interface KsOptions {
  method?: "auto" | "exact" | "asymp";
}

export interface KsResult {
  n1: number;
  n2: number;
  D: number;
  /** Exact P(D ≥ d) under H0; NaN when not computed ("asymp", or "auto" with a huge sample). */
  p_exact: number;
  p_asymptotic: number;
  /** The p-value of the chosen method. */
  p: number;
  method: "exact" | "asymp";
}

const EXACT_KS_LIMIT = 1e7;

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Two-sample Kolmogorov–Smirnov test (two-sided). */
export function ksTwoSample(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: KsOptions = {},
): KsResult {
  assertFinite(reference, "reference");
  assertFinite(current, "current");
  const m = reference.length;
  const n = current.length;
  if (m === 0 || n === 0) throw new RangeError("both samples must be non-empty");
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(current).sort();
  // D·m·n as an exact integer: max over pooled values of |i·n − j·m|.
  let i = 0;
  let j = 0;
  let dScaled = 0;
  while (i < m || j < n) {
    const v = j >= n || (i < m && a[i] <= b[j]) ? a[i] : b[j];
    while (i < m && a[i] === v) i++;
    while (j < n && b[j] === v) j++;
    dScaled = Math.max(dScaled, Math.abs(i * n - j * m));
  }
  const d = dScaled / (m * n);
  const method = options.method ?? "auto";
  const exact = method === "exact" || (method === "auto" && m * n <= EXACT_KS_LIMIT);
  const pExact = exact ? ksTwoSampleExactSf(m, n, dScaled) : Number.NaN;
  const en = Math.max(1, roundHalfEven((m * n) / (m + n)));
  const pAsymp = kolmogorovSf(en, d);
  return {
    n1: m,
    n2: n,
    D: d,
    p_exact: pExact,
    p_asymptotic: pAsymp,
    p: exact ? pExact : pAsymp,
    method: exact ? "exact" : "asymp",
  };
}

export interface ChiSquareOptions {
  /** Yates' correction for 1-df tables (default true, as scipy and R). */
  correction?: boolean;
}

export interface ChiSquareResult {
  chi2: number;
  df: number;
  p: number;
  expected_counts: number[][];
  /** True when any expected count (in a non-empty row/column) is below 5. */
  low_expected: boolean;
  yates_correction_applied: boolean;
}

/** Pearson chi-square test of independence on a contingency table of counts. */
export function chiSquareIndependence(
  table: ArrayLike<ArrayLike<number>>,
  options: ChiSquareOptions = {},
): ChiSquareResult {
  const rows = table.length;
  const cols = rows > 0 ? table[0].length : 0;
  const rowSums = new Float64Array(rows);
  const colSums = new Float64Array(cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    if (table[r].length !== cols) throw new RangeError("all rows of the table must have the same length");
    for (let c = 0; c < cols; c++) {
      const v = table[r][c];
      if (!(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`table[${r}][${c}] must be a non-negative count`);
      rowSums[r] += v;
      colSums[c] += v;
      total += v;
    }
  }
  const liveRows = rowSums.filter((s) => s > 0).length;
  const liveCols = colSums.filter((s) => s > 0).length;
  const df = (liveRows - 1) * (liveCols - 1);
  const yates = (options.correction ?? true) && df === 1;
  const expected: number[][] = [];
  let chi2 = 0;
  let low = false;
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < cols; c++) {
      const e = total > 0 ? (rowSums[r] * colSums[c]) / total : 0;
      row.push(e);
      if (e === 0) continue;
      if (e < 5) low = true;
      let o = table[r][c];
      if (yates) {
        const diff = e - o;
        o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      chi2 += (o - e) ** 2 / e;
    }
    expected.push(row);
  }
  return {
    chi2: df > 0 ? chi2 : Number.NaN,
    df,
    p: df > 0 ? chiSquareSf(chi2, df) : Number.NaN,
    expected_counts: expected,
    low_expected: low,
    yates_correction_applied: yates,
  };
}

export interface CusumOptions {
  /** In-control mean μ₀. */
  target_mean: number;
  /** Allowance (slack) k, in score units. */
  k: number;
  /** Decision interval h. */
  h: number;
}

export interface CusumResult {
  c_plus: number[];
  c_minus: number[];
  /** First 0-based index where C⁺ or C⁻ exceeds h, or null if none. */
  first_alarm_index: number | null;
  /** Direction of the first alarm. */
  alarm_direction: "up" | "down" | null;
  alarm_indices: number[];
}

/** Two-sided tabular CUSUM over a stream of scores. */
export function tabularCusum(stream: ArrayLike<number>, options: CusumOptions): CusumResult {
  assertFinite(stream, "stream");
  const { target_mean: mu0, k, h } = options;
  const cPlus: number[] = [];
  const cMinus: number[] = [];
  const alarms: number[] = [];
  let first: number | null = null;
  let direction: "up" | "down" | null = null;
  let up = 0;
  let down = 0;
  for (let t = 0; t < stream.length; t++) {
    const x = stream[t];
    up = Math.max(0, up + x - (mu0 + k));
    down = Math.max(0, down + (mu0 - k) - x);
    cPlus.push(up);
    cMinus.push(down);
    if (up > h || down > h) {
      alarms.push(t);
      if (first === null) {
        first = t;
        direction = up > h ? "up" : "down";
      }
    }
  }
  return {
    c_plus: cPlus,
    c_minus: cMinus,
    first_alarm_index: first,
    alarm_direction: direction,
    alarm_indices: alarms,
  };
}
