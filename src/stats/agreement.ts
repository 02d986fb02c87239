/**
 * Inter-rater agreement: Cohen's kappa, weighted kappa and Krippendorff's alpha.
 *
 * - Kappa follows scikit-learn's `cohen_kappa_score`: confusion matrix over a label list, chance
 *   agreement from the two raters' own marginals, kappa = 1 − Σw·O / Σw·E with weights on
 *   category *indices*: none (0 on the diagonal, 1 elsewhere), linear |i − j|, quadratic
 *   (i − j)². Pass the declared rating scale as `labels`: a category nobody used still counts as
 *   a step on an ordinal scale (inferring labels from the data, sklearn's default, silently
 *   shrinks distances when a middle category is unused).
 * - Krippendorff's alpha follows Krippendorff (2011) "Computing Krippendorff's Alpha-
 *   Reliability": coincidence matrix o_ck = Σ_u (pairs c–k in unit u)/(m_u − 1) over units with
 *   at least two ratings, α = 1 − D_o/D_e with D_o = Σ o_ck δ²_ck / n and D_e = Σ n_c n_k δ²_ck /
 *   (n(n − 1)). Distance metrics: nominal (c ≠ k), ordinal (rank-sum of the marginals between c
 *   and k), interval (c − k)², ratio ((c − k)/(c + k))². Missing ratings are null/undefined/NaN.
 *   (R's irr::kripp.alpha divides by 1 instead of m_u − 1 for complete data with ≥ 3 raters —
 *   a known bug; this implementation matches the published examples and the PyPI package.)
 */

export type Category = string | number;
export type Rating = Category | null | undefined;

export type KappaWeights = "none" | "linear" | "quadratic";

export interface KappaOptions {
  /** Declared scale, in order. Default: the sorted union of observed ratings. */
  labels?: readonly Category[] | null;
  weights?: KappaWeights;
}

export interface KappaResult {
  kappa: number;
  /** Proportion of cases where the two ratings are identical. */
  observed_agreement: number;
  /** Chance agreement from the marginals (unweighted). */
  expected_agreement: number;
  /** Number of rated pairs used (pairs with a missing rating are dropped). */
  n: number;
  weights: KappaWeights;
  labels: Category[];
}

function isMissing(v: Rating): v is null | undefined {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

function sortCategories(values: Iterable<Category>): Category[] {
  const unique = [...new Set(values)];
  const numbers = unique.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  const strings = unique.filter((v): v is string => typeof v === "string").sort();
  return [...numbers, ...strings];
}

/** Weighted (or unweighted) Cohen's kappa for two raters over the same items. */
export function weightedKappa(
  rater1: ArrayLike<Rating>,
  rater2: ArrayLike<Rating>,
  options: KappaOptions = {},
): KappaResult {
  if (rater1.length !== rater2.length) {
    throw new RangeError(
      `rater1 and rater2 must have the same length (got ${rater1.length} and ${rater2.length})`,
    );
  }
  const weights = options.weights ?? "none";
  const pairs: [Category, Category][] = [];
  for (let i = 0; i < rater1.length; i++) {
    const a = rater1[i];
    const b = rater2[i];
    if (!isMissing(a) && !isMissing(b)) pairs.push([a, b]);
  }
  const labels = options.labels ? [...options.labels] : sortCategories(pairs.flat());
  const index = new Map<Category, number>();
  labels.forEach((label, i) => {
    if (index.has(label)) throw new RangeError(`duplicate label ${JSON.stringify(label)}`);
    index.set(label, i);
  });
  const k = labels.length;
  const confusion = new Float64Array(k * k);
  let agree = 0;
  for (const [a, b] of pairs) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) {
      throw new RangeError(`rating ${JSON.stringify(i === undefined ? a : b)} is not on the declared scale`);
    }
    confusion[i * k + j]++;
    if (i === j) agree++;
  }
  const n = pairs.length;
  const rowSums = new Float64Array(k);
  const colSums = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rowSums[i] += confusion[i * k + j];
      colSums[j] += confusion[i * k + j];
    }
  }
  let observedWeighted = 0;
  let expectedWeighted = 0;
  let chance = 0;
  for (let i = 0; i < k; i++) {
    chance += (rowSums[i] * colSums[i]) / (n * n);
    for (let j = 0; j < k; j++) {
      const w =
        weights === "none" ? (i === j ? 0 : 1) : weights === "linear" ? Math.abs(i - j) : (i - j) ** 2;
      observedWeighted += w * confusion[i * k + j];
      expectedWeighted += (w * rowSums[i] * colSums[j]) / n;
    }
  }
  return {
    kappa: 1 - observedWeighted / expectedWeighted,
    observed_agreement: agree / n,
    expected_agreement: chance,
    n,
    weights,
    labels,
  };
}

/** Cohen's kappa (unweighted) for two raters. */
export function cohenKappa(
  rater1: ArrayLike<Rating>,
  rater2: ArrayLike<Rating>,
  options: { labels?: readonly Category[] | null } = {},
): KappaResult {
  return weightedKappa(rater1, rater2, { labels: options.labels, weights: "none" });
}

export type AlphaLevel = "nominal" | "ordinal" | "interval" | "ratio";

export interface KrippendorffOptions {
  /**
   * Ordered scale of values. Needed for ordinal data with string categories; for numbers the
   * numeric order is used. Values outside the scale are an error.
   */
  values?: readonly Category[];
}

export interface KrippendorffResult {
  alpha: number;
  D_o: number;
  D_e: number;
  /** n: number of pairable values (ratings in units with ≥ 2 ratings). */
  n_pairable_values: number;
  n_units: number;
  n_units_pairable: number;
  level: AlphaLevel;
}

/**
 * Krippendorff's alpha. `ratingsByRater[r][u]` is rater r's rating of unit u (null = missing);
 * raters may have rated different subsets of units.
 */
export function krippendorffAlpha(
  ratingsByRater: ArrayLike<ArrayLike<Rating>>,
  level: AlphaLevel = "nominal",
  options: KrippendorffOptions = {},
): KrippendorffResult {
  const raters = ratingsByRater.length;
  let units = 0;
  for (let r = 0; r < raters; r++) units = Math.max(units, ratingsByRater[r].length);

  // Per-unit value counts for pairable units.
  const unitCounts: Map<Category, number>[] = [];
  const unitSizes: number[] = [];
  for (let u = 0; u < units; u++) {
    const counts = new Map<Category, number>();
    let m = 0;
    for (let r = 0; r < raters; r++) {
      const v = u < ratingsByRater[r].length ? ratingsByRater[r][u] : undefined;
      if (isMissing(v)) continue;
      if ((level === "interval" || level === "ratio") && typeof v !== "number") {
        throw new RangeError(`${level} alpha needs numeric ratings (got ${JSON.stringify(v)})`);
      }
      counts.set(v, (counts.get(v) ?? 0) + 1);
      m++;
    }
    if (m >= 2) {
      unitCounts.push(counts);
      unitSizes.push(m);
    }
  }

  const observed = new Set<Category>();
  for (const counts of unitCounts) for (const v of counts.keys()) observed.add(v);
  let values: Category[];
  if (options.values) {
    values = [...options.values];
    const known = new Set(values);
    for (const v of observed) {
      if (!known.has(v)) throw new RangeError(`rating ${JSON.stringify(v)} is not in the declared values`);
    }
  } else {
    if (level === "ordinal" && [...observed].some((v) => typeof v === "string")) {
      throw new RangeError("ordinal alpha with string categories needs the ordered scale in options.values");
    }
    values = sortCategories(observed);
  }
  const index = new Map<Category, number>(values.map((v, i) => [v, i]));
  const k = values.length;

  // Coincidence matrix.
  const o = new Float64Array(k * k);
  for (let u = 0; u < unitCounts.length; u++) {
    const entries = [...unitCounts[u].entries()];
    const scale = 1 / (unitSizes[u] - 1);
    for (const [c, nc] of entries) {
      const ci = index.get(c) as number;
      for (const [d, nd] of entries) {
        const di = index.get(d) as number;
        o[ci * k + di] += (c === d ? nc * (nc - 1) : nc * nd) * scale;
      }
    }
  }
  const marginals = new Float64Array(k);
  let n = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) marginals[c] += o[c * k + d];
    n += marginals[c];
  }

  const delta2 = (c: number, d: number): number => {
    if (c === d) return 0;
    switch (level) {
      case "nominal":
        return 1;
      case "ordinal": {
        const lo = Math.min(c, d);
        const hi = Math.max(c, d);
        let s = 0;
        for (let g = lo; g <= hi; g++) s += marginals[g];
        return (s - (marginals[c] + marginals[d]) / 2) ** 2;
      }
      case "interval":
        return ((values[c] as number) - (values[d] as number)) ** 2;
      case "ratio": {
        const vc = values[c] as number;
        const vd = values[d] as number;
        return vc + vd === 0 ? 0 : ((vc - vd) / (vc + vd)) ** 2;
      }
      default:
        throw new RangeError(`unknown level ${String(level)}`);
    }
  };

  let sumObserved = 0;
  let sumExpected = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) {
      if (c === d) continue;
      const dist = delta2(c, d);
      sumObserved += o[c * k + d] * dist;
      sumExpected += marginals[c] * marginals[d] * dist;
    }
  }
  const dO = sumObserved / n;
  const dE = sumExpected / (n * (n - 1));
  return {
    alpha: 1 - dO / dE,
    D_o: dO,
    D_e: dE,
    n_pairable_values: n,
    n_units: units,
    n_units_pairable: unitCounts.length,
    level,
  };
}
