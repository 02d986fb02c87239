/**
 * Descriptive helpers shared by the other modules: mean, variance (two-pass, ddof as numpy),
 * Pearson correlation of two columns, and average ("mid") ranks with tie bookkeeping.
 * Two-pass sums are used instead of one-pass running formulas so results agree with numpy to the
 * last few ulps.
 */

/** Arithmetic mean (NaN for an empty input). */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  return sum / n;
}

/** Variance with `ddof` delta degrees of freedom (1 = sample, 0 = population); NaN when n ≤ ddof. */
export function variance(values: ArrayLike<number>, ddof = 1): number {
  const n = values.length;
  if (n - ddof <= 0) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    ss += d * d;
  }
  return ss / (n - ddof);
}

/** Standard deviation with `ddof` delta degrees of freedom (1 = sample, 0 = population). */
export function standardDeviation(values: ArrayLike<number>, ddof = 1): number {
  return Math.sqrt(variance(values, ddof));
}

/** Sample covariance (ddof = 1) of two equally long columns. */
export function covariance(x: ArrayLike<number>, y: ArrayLike<number>, ddof = 1): number {
  assertSameLength(x, y);
  const n = x.length;
  if (n - ddof <= 0) return Number.NaN;
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (n - ddof);
}

/** Pearson correlation coefficient (NaN if either column is constant or n < 2). */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assertSameLength(x, y);
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** Average ranks (1-based; ties share the mean of the ranks they span), like scipy's `rankdata`. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

/** Sizes of the groups of tied values (only groups of size > 1). */
export function tieGroupSizes(values: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(values).sort();
  const sizes: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > 1) sizes.push(j - i);
    i = j;
  }
  return sizes;
}

export function assertSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what = "inputs"): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what} must have the same length (got ${a.length} and ${b.length})`);
  }
}

export function assertFinite(values: ArrayLike<number>, what = "values"): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}[${i}] is not a finite number`);
  }
}

export function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  }
}
