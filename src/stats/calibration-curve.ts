/**
 * Confidence calibration and selective prediction: how well a system's stated confidence matches
 * how often it is right, and which confidence threshold to escalate below.
 *
 * Reliability bins follow scikit-learn's `calibration_curve(strategy="uniform")`: `bins` equal-width
 * bins over [0, 1] with edges `i · (1 / bins)` (numpy's linspace), a confidence p going to the bin
 * whose upper edge is the first ≥ p (`searchsorted(edges[1:-1], p)`, so bins are (lo, hi] and the
 * first also holds 0). Unlike scikit-learn, empty bins are kept (n = 0, nulls) so a diagram shows
 * where there is no evidence.
 *
 * - ECE = Σ_b (n_b / N) · |accuracy_b − meanConfidence_b| (expected calibration error)
 * - MCE = max over non-empty bins of |accuracy_b − meanConfidence_b| (maximum calibration error)
 * - Brier = mean of (p − y)², y ∈ {0, 1}
 * - selective curve: for each distinct confidence t (ascending), the cases with p ≥ t are answered
 *   and the rest escalated; coverage = answered / N, accuracy = correct among answered.
 * - escalation threshold: the smallest t on that curve whose accuracy reaches the target (so the
 *   most cases are answered), with a Wilson 95% interval of the accuracy on the answered cases.
 */
import { wilsonInterval } from "./intervals.ts";

export interface CalibrationBin {
  lo: number;
  hi: number;
  /** predictions in the bin */
  n: number;
  /** share correct in the bin; null when empty */
  accuracy: number | null;
  /** mean confidence in the bin; null when empty */
  meanConfidence: number | null;
}

export interface SelectivePoint {
  /** cases with confidence ≥ threshold are answered, the rest escalated */
  threshold: number;
  /** answered / all */
  coverage: number;
  /** correct among the answered */
  accuracy: number;
}

export interface CalibrationSummary {
  /** predictions with a confidence */
  n: number;
  ece: number;
  mce: number;
  brier: number;
  bins: CalibrationBin[];
  selective: SelectivePoint[];
}

export interface EscalationPoint {
  /** escalate cases whose confidence is below this */
  threshold: number;
  coverage: number;
  accuracy: number;
  /** Wilson 95% interval of the accuracy on the answered cases */
  ci: [number, number];
  /** answered cases */
  answered: number;
}

function checkInputs(confidences: readonly number[], correct: readonly boolean[]): void {
  if (confidences.length !== correct.length) {
    throw new RangeError(
      `confidences and outcomes differ in length (${confidences.length} vs ${correct.length})`,
    );
  }
  for (const p of confidences) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`a confidence must be in [0, 1] (got ${p})`);
  }
}

/** The bin edges numpy's `linspace(0, 1, bins + 1)` gives. */
export function binEdges(bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer (got ${bins})`);
  const step = 1 / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step);
  edges[bins] = 1;
  return edges;
}

/** Reliability bins (see the module comment for the binning rule). */
export function reliabilityBins(
  confidences: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): CalibrationBin[] {
  checkInputs(confidences, correct);
  const edges = binEdges(bins);
  const inner = edges.slice(1, -1);
  const count = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidences.length; i++) {
    const p = confidences[i];
    let b = 0;
    while (b < inner.length && inner[b] < p) b++;
    count[b]++;
    confSum[b] += p;
    if (correct[i]) hits[b]++;
  }
  return count.map((n, b) => ({
    lo: edges[b],
    hi: edges[b + 1],
    n,
    accuracy: n > 0 ? hits[b] / n : null,
    meanConfidence: n > 0 ? confSum[b] / n : null,
  }));
}

/** Accuracy against coverage as the threshold rises through each distinct confidence. */
export function selectiveCurve(
  confidences: readonly number[],
  correct: readonly boolean[],
): SelectivePoint[] {
  checkInputs(confidences, correct);
  const total = confidences.length;
  const order = confidences.map((p, i) => ({ p, y: correct[i] })).sort((a, b) => b.p - a.p);
  // Walk from the most confident down; each distinct value closes a threshold's answered set.
  const points: SelectivePoint[] = [];
  let answered = 0;
  let right = 0;
  for (let i = 0; i < order.length; i++) {
    answered++;
    if (order[i].y) right++;
    if (i + 1 < order.length && order[i + 1].p === order[i].p) continue;
    points.push({ threshold: order[i].p, coverage: answered / total, accuracy: right / answered });
  }
  return points.reverse();
}

/** ECE, MCE, Brier score, reliability bins and the selective curve. Null with no predictions. */
export function calibrationSummary(
  confidences: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): CalibrationSummary | null {
  checkInputs(confidences, correct);
  const n = confidences.length;
  if (n === 0) return null;
  const binned = reliabilityBins(confidences, correct, bins);
  let ece = 0;
  let mce = 0;
  for (const b of binned) {
    if (b.n === 0) continue;
    const gap = Math.abs((b.accuracy as number) - (b.meanConfidence as number));
    ece += (b.n / n) * gap;
    mce = Math.max(mce, gap);
  }
  let brier = 0;
  for (let i = 0; i < n; i++) brier += (confidences[i] - (correct[i] ? 1 : 0)) ** 2;
  return { n, ece, mce, brier: brier / n, bins: binned, selective: selectiveCurve(confidences, correct) };
}

/**
 * The smallest threshold on the selective curve whose answered cases reach `targetAccuracy`, or
 * null when no threshold does.
 */
export function escalationThreshold(
  selective: readonly SelectivePoint[],
  total: number,
  targetAccuracy: number,
): EscalationPoint | null {
  if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
    throw new RangeError(`targetAccuracy must be in (0, 1] (got ${targetAccuracy})`);
  }
  // Ascending thresholds: the first that reaches the target answers the most cases.
  for (const point of selective) {
    // A tiny tolerance so 0.95 reached as 19/20 (0.9499999…) counts.
    if (point.accuracy + 1e-12 < targetAccuracy) continue;
    const answered = Math.round(point.coverage * total);
    const right = Math.round(point.accuracy * answered);
    const w = wilsonInterval(right, answered);
    // (rounding can put Wilson's bound a hair inside the point at 0% or 100%)
    const ci: [number, number] = [Math.min(w.lower, point.accuracy), Math.max(w.upper, point.accuracy)];
    return { ...point, ci, answered };
  }
  return null;
}
