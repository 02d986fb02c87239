/**
 * Threshold search for pass/fail judges with graded scores: the cut on the judge's score (pass
 * when score ≥ threshold) that best reproduces the humans' pass/fail labels.
 *
 * Every distinct score is a candidate (thresholds between two adjacent scores classify alike).
 * One sort and one sweep, so it stays O(n log n) however many distinct scores there are.
 * Ties on the maximised figure go to the other figure, then to the cut nearest the current
 * threshold, then to the lower cut.
 */

export interface ThresholdPoint {
  /** pass when score ≥ threshold */
  threshold: number;
  agreement: number;
  kappa: number | null;
  /** share of outputs the judge would pass */
  passRate: number;
}

export interface ThresholdSearch {
  by: "agreement" | "kappa";
  n: number;
  /** share of outputs the humans passed */
  humanPassRate: number;
  best: ThresholdPoint & {
    /** every threshold in (above, threshold] classifies the same way; null below the lowest score */
    above: number | null;
  };
  /** the judge's configured threshold, when known */
  current: ThresholdPoint | null;
  /** every candidate, when there are at most 101 of them */
  curve: ThresholdPoint[] | null;
}

const CURVE_LIMIT = 101;
const EPS = 1e-12;

function point(
  threshold: number,
  n: number,
  passed: number,
  truePass: number,
  humanPass: number,
): ThresholdPoint {
  // agreement = (TP + TN) / n, TN = humans' fails the judge also fails
  const trueFail = n - humanPass - (passed - truePass);
  const agreement = (truePass + trueFail) / n;
  const pj = passed / n;
  const ph = humanPass / n;
  const expected = pj * ph + (1 - pj) * (1 - ph);
  const kappa = expected >= 1 ? null : (agreement - expected) / (1 - expected);
  return { threshold, agreement, kappa, passRate: pj };
}

export function thresholdSearch(
  rows: Array<{ score: number; human: boolean }>,
  options: { current?: number | null; by?: "agreement" | "kappa" } = {},
): ThresholdSearch | null {
  const n = rows.length;
  if (n === 0) return null;
  const by = options.by ?? "agreement";
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  const humanPass = rows.filter((r) => r.human).length;
  const candidates: ThresholdPoint[] = [];
  let passed = 0;
  let truePass = 0;
  for (let i = 0; i < n; ) {
    const s = sorted[i].score;
    while (i < n && sorted[i].score === s) {
      passed++;
      if (sorted[i].human) truePass++;
      i++;
    }
    candidates.push(point(s, n, passed, truePass, humanPass));
  }
  candidates.reverse(); // ascending thresholds
  const current = options.current ?? null;
  let currentPoint: ThresholdPoint | null = null;
  if (current !== null && Number.isFinite(current)) {
    let p = 0;
    let tp = 0;
    for (const r of rows) {
      if (r.score >= current) {
        p++;
        if (r.human) tp++;
      }
    }
    currentPoint = point(current, n, p, tp, humanPass);
  }
  const primary = (c: ThresholdPoint) => (by === "kappa" ? (c.kappa ?? -Infinity) : c.agreement);
  const secondary = (c: ThresholdPoint) => (by === "kappa" ? c.agreement : (c.kappa ?? -Infinity));
  let bestIndex = 0;
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i];
    const b = candidates[bestIndex];
    const dp = primary(c) - primary(b);
    if (dp > EPS) bestIndex = i;
    else if (dp >= -EPS) {
      const ds = secondary(c) - secondary(b);
      if (ds > EPS) bestIndex = i;
      else if (ds >= -EPS && current !== null) {
        if (Math.abs(c.threshold - current) < Math.abs(b.threshold - current) - EPS) bestIndex = i;
      }
    }
  }
  const best = candidates[bestIndex];
  return {
    by,
    n,
    humanPassRate: humanPass / n,
    best: { ...best, above: bestIndex > 0 ? candidates[bestIndex - 1].threshold : null },
    current: currentPoint,
    curve: candidates.length <= CURVE_LIMIT ? candidates : null,
  };
}
