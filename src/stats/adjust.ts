/**
 * Multiple-comparison adjustment of p-values, following statsmodels `multipletests` exactly
 * (same arithmetic, so results agree bit for bit in ordinary cases):
 * - Bonferroni: min(1, m·p); reject when p ≤ α/m. Controls the family-wise error rate (FWER).
 * - Holm (step-down): sorted ascending, adj₍ᵢ₎ = max_{j≤i} min(1, (m − j + 1)·p₍ⱼ₎); reject the
 *   hypotheses before the first p₍ᵢ₎ > α/(m − i + 1). Controls FWER, uniformly more powerful
 *   than Bonferroni: the default for the dimensions and slices a CI gate checks.
 * - Benjamini–Hochberg (step-up): adj₍ᵢ₎ = min_{j≥i} min(1, p₍ⱼ₎/(j/m)); reject all up to the
 *   largest i with p₍ᵢ₎ ≤ (i/m)·α. Controls the false discovery rate under independence or
 *   positive dependence: for exploratory slice scans.
 * Results are returned in input order; ties keep their input order (stable sort).
 */

export type PAdjustMethod = "holm" | "bonferroni" | "benjamini_hochberg";

export interface PAdjustResult {
  p_adjusted: number[];
  reject_at_alpha: boolean[];
  method: PAdjustMethod;
  alpha: number;
}

/** Adjusts p-values for multiple comparisons. Accepts "bh"/"fdr_bh" as aliases of "benjamini_hochberg". */
export function adjustPValues(
  p: ArrayLike<number>,
  method: PAdjustMethod | "bh" | "fdr_bh",
  alpha = 0.05,
): PAdjustResult {
  const m = p.length;
  for (let i = 0; i < m; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) throw new RangeError(`p[${i}] must be a probability (got ${p[i]})`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  const canonical: PAdjustMethod = method === "bh" || method === "fdr_bh" ? "benjamini_hochberg" : method;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const sorted = order.map((i) => p[i]);
  const adjustedSorted = new Array<number>(m);
  const rejectSorted = new Array<boolean>(m).fill(false);

  if (canonical === "bonferroni") {
    for (let i = 0; i < m; i++) {
      adjustedSorted[i] = Math.min(1, sorted[i] * m);
      rejectSorted[i] = sorted[i] <= alpha / m;
    }
  } else if (canonical === "holm") {
    let running = 0;
    let stopped = false;
    for (let i = 0; i < m; i++) {
      running = Math.max(running, sorted[i] * (m - i));
      adjustedSorted[i] = Math.min(1, running);
      if (!stopped && sorted[i] > alpha / (m - i)) stopped = true;
      rejectSorted[i] = !stopped;
    }
  } else if (canonical === "benjamini_hochberg") {
    let running = Number.POSITIVE_INFINITY;
    let lastReject = -1;
    for (let i = m - 1; i >= 0; i--) {
      const factor = (i + 1) / m;
      running = Math.min(running, sorted[i] / factor);
      adjustedSorted[i] = Math.min(1, running);
      if (lastReject < 0 && sorted[i] <= factor * alpha) lastReject = i;
    }
    for (let i = 0; i <= lastReject; i++) rejectSorted[i] = true;
  } else {
    throw new RangeError(`unknown p-value adjustment method: ${String(method)}`);
  }

  const pAdjusted = new Array<number>(m);
  const reject = new Array<boolean>(m);
  for (let k = 0; k < m; k++) {
    pAdjusted[order[k]] = adjustedSorted[k];
    reject[order[k]] = rejectSorted[k];
  }
  return { p_adjusted: pAdjusted, reject_at_alpha: reject, method: canonical, alpha };
}
