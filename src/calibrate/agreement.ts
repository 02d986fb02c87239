import {
  type AlphaLevel,
  type Category,
  cohenKappa,
  createRng,
  kendallTauB,
  krippendorffAlpha,
  quantile,
  type Rating,
  type Seed,
  seedToUint32,
  spearmanRho,
  weightedKappa,
  wilsonInterval,
} from "../stats/index.ts";

/**
 * Thin, total wrappers over the stats module for calibration: undefined quantities (kappa when
 * every rating is the same class, a rank correlation with a constant column) come back as null,
 * never NaN and never a throw, so a report can always be written as JSON.
 */

export function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Cohen's kappa of judge vs human over the declared categories. */
export function kappaOf(judge: Category[], human: Category[], labels: readonly Category[]): number | null {
  if (judge.length === 0) return null;
  return finite(cohenKappa(judge, human, { labels }).kappa);
}

/** Weighted kappa (linear or quadratic steps over the declared scale). */
export function weightedKappaOf(
  judge: Category[],
  human: Category[],
  labels: readonly Category[],
  weights: "linear" | "quadratic",
): number | null {
  if (judge.length === 0) return null;
  return finite(weightedKappa(judge, human, { labels, weights }).kappa);
}

/** Krippendorff's alpha of two raters (judge, human) over paired units. */
export function pairAlpha(
  judge: Category[],
  human: Category[],
  level: AlphaLevel,
  values: readonly Category[] | null,
): number | null {
  return alphaOf([judge, human], level, values);
}

/** Krippendorff's alpha of any number of raters (rows) over units (columns), missing = null. */
export function alphaOf(
  ratingsByRater: Rating[][],
  level: AlphaLevel,
  values: readonly Category[] | null,
): number | null {
  if (ratingsByRater.length < 2) return null;
  // The declared values validate every rating; unused categories add zero marginals, which
  // changes neither the nominal nor the ordinal (rank-sum) distances.
  const r = krippendorffAlpha(ratingsByRater, level, values !== null ? { values } : {});
  if (r.n_units_pairable === 0) return null;
  return finite(r.alpha);
}

/**
 * Krippendorff's alpha of two raters who rated every unit, from their confusion counts — the
 * bootstrap's fast path. With two ratings per unit each unit adds 1/(2 − 1) to both ordered
 * cells, so the coincidence matrix is C + Cᵀ and alpha follows from the k × k counts in O(k³)
 * instead of one map per unit: the same formula as stats' `krippendorffAlpha` (Krippendorff
 * 2011), which the point estimate uses and which a test checks this against on resamples.
 */
export function pairAlphaFast(
  judge: readonly Category[],
  human: readonly Category[],
  level: AlphaLevel,
  values: readonly Category[],
): number | null {
  const k = values.length;
  const index = new Map(values.map((v, i) => [v, i]));
  const o = new Float64Array(k * k);
  for (let u = 0; u < judge.length; u++) {
    const a = index.get(judge[u]);
    const b = index.get(human[u]);
    if (a === undefined || b === undefined) throw new RangeError("rating not on the declared scale");
    o[a * k + b] += 1;
    o[b * k + a] += 1;
  }
  const marginals = new Float64Array(k);
  let n = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) marginals[c] += o[c * k + d];
    n += marginals[c];
  }
  if (n < 2) return null;
  const delta2 = (c: number, d: number): number => {
    if (level === "nominal") return 1;
    if (level === "ordinal") {
      const lo = Math.min(c, d);
      const hi = Math.max(c, d);
      let sum = 0;
      for (let g = lo; g <= hi; g++) sum += marginals[g];
      return (sum - (marginals[c] + marginals[d]) / 2) ** 2;
    }
    const vc = values[c] as number;
    const vd = values[d] as number;
    if (level === "interval") return (vc - vd) ** 2;
    return vc + vd === 0 ? 0 : ((vc - vd) / (vc + vd)) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      if (c === d) continue;
      const dist = delta2(c, d);
      observed += o[c * k + d] * dist;
      expected += marginals[c] * marginals[d] * dist;
    }
  }
  return finite(1 - observed / n / (expected / (n * (n - 1))));
}

export function spearmanOf(x: number[], y: number[]): number | null {
  if (x.length < 2) return null;
  return finite(spearmanRho(x, y).rho);
}

export function kendallOf(x: number[], y: number[]): number | null {
  if (x.length < 2) return null;
  return finite(kendallTauB(x, y).tau_b);
}

export interface Share {
  /** how many agreed (or were consistent) */
  agree: number;
  n: number;
  /** agree / n, null when n = 0 */
  rate: number | null;
  /** Wilson 95% interval of the rate */
  ci: [number, number] | null;
}

export function share(agree: number, n: number): Share {
  if (n === 0) return { agree, n, rate: null, ci: null };
  const w = wilsonInterval(agree, n);
  return { agree, n, rate: agree / n, ci: [w.lower, w.upper] };
}

/** A square confusion matrix: `matrix[i][j]` counts items humans rated labels[i] and the judge labels[j]. */
export interface Confusion {
  labels: Category[];
  rows: "human";
  columns: "judge";
  matrix: number[][];
}

export function confusionOf(judge: Category[], human: Category[], labels: readonly Category[]): Confusion {
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (let i = 0; i < judge.length; i++) {
    const h = index.get(human[i]);
    const j = index.get(judge[i]);
    if (h !== undefined && j !== undefined) matrix[h][j]++;
  }
  return { labels: [...labels], rows: "human", columns: "judge", matrix };
}

export interface BootstrapInterval {
  /** null when the interval is undefined: too many resamples left the statistic undefined */
  lower: number | null;
  upper: number | null;
  /** resamples where the statistic was undefined (e.g. one class only) and left out */
  undefined: number;
  resamples: number;
}

/**
 * Seeded percentile bootstrap over *items*: each resample draws items with replacement and keeps
 * every rating pair of each drawn item (an item rated by several labellers stays together).
 * Returns one interval per statistic, or null when there was nothing to resample (fewer than two
 * items, or no resamples asked for).
 *
 * A resample where the statistic is undefined (kappa when both raters used one class) cannot be
 * placed in the distribution. Leaving it out conditions the interval on the resamples that
 * happened to be defined; once more than the interval's tail share (1 − confidence)/2 of the
 * resamples are left out, they could have filled a whole tail, so the endpoints mean nothing and
 * are reported as undefined (null), never as a number — with the count of undefined resamples.
 */
export function itemBootstrap<T>(
  groups: T[][],
  statistics: Record<string, (rows: T[]) => number | null>,
  options: { resamples: number; seed: Seed; confidence?: number },
): Record<string, BootstrapInterval | null> {
  const names = Object.keys(statistics);
  const out: Record<string, BootstrapInterval | null> = {};
  if (groups.length < 2 || options.resamples < 1) {
    for (const name of names) out[name] = null;
    return out;
  }
  const rng = createRng(options.seed);
  const draws: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const m = groups.length;
  for (let b = 0; b < options.resamples; b++) {
    const rows: T[] = [];
    for (let i = 0; i < m; i++) {
      const g = groups[rng.nextIndex(m)];
      for (const row of g) rows.push(row);
    }
    for (const name of names) {
      const v = statistics[name](rows);
      if (v !== null && Number.isFinite(v)) draws[name].push(v);
    }
  }
  const confidence = options.confidence ?? 0.95;
  const tail = (1 - confidence) / 2;
  for (const name of names) {
    const values = draws[name];
    const undefinedCount = options.resamples - values.length;
    const defined = values.length > 0 && undefinedCount <= tail * options.resamples;
    out[name] = {
      lower: defined ? quantile(values, tail) : null,
      upper: defined ? quantile(values, 1 - tail) : null,
      undefined: undefinedCount,
      resamples: options.resamples,
    };
  }
  return out;
}

export function seedNumber(seed: Seed): number {
  return seedToUint32(seed);
}
