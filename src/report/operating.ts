/**
 * The operating characteristics of a scorecard (issue 13) in words, shared by the terminal and
 * Markdown renderings so both say the same thing: calibration and the escalation threshold, cost
 * at volume, and suite-size advice. `escape` makes user-supplied text safe for the medium.
 */
import type { Scorecard } from "../scorecard/types.ts";
import { fmtCi, fmtPct, fmtScore, fmtUsd } from "./format.ts";

/** `[$0.0012, $0.0019]`. */
function usdCi(ci: [number, number] | null): string {
  return ci ? `[${fmtUsd(ci[0])}, ${fmtUsd(ci[1])}]` : "—";
}

/** "escalate below 0.82: 23.0% of cases go to a person, accuracy on the rest 95.3% [93.1, 96.9]". */
export function escalationSentence(card: Scorecard): string | null {
  const e = card.confidence?.escalation;
  if (!e) return null;
  if (e.threshold === null) {
    return `no confidence threshold reaches ${fmtPct(e.targetAccuracy)} accuracy: every threshold leaves too many errors answered`;
  }
  return (
    `escalate below ${fmtScore(e.threshold, 2)}: ${fmtPct(e.escalated)} of cases go to a person, ` +
    `accuracy on the rest ${fmtPct(e.accuracy)} ${fmtCi(e.ci, true)} (target ${fmtPct(e.targetAccuracy)})`
  );
}

/** "ECE 0.081 · MCE 0.155 · Brier 0.167 over 200 results (correct = all dimensions)". */
export function calibrationSentence(card: Scorecard): string | null {
  const c = card.confidence;
  if (!c) return null;
  const missing = c.missing > 0 ? `; ${c.missing} without a confidence or verdict left out` : "";
  return `ECE ${fmtScore(c.ece)} · MCE ${fmtScore(c.mce)} · Brier ${fmtScore(c.brier)} over ${c.n} results (correct = ${c.correctness})${missing}`;
}

/** Reliability rows: bin, n, accuracy, mean confidence. */
export function reliabilityRows(card: Scorecard): string[][] {
  return (card.confidence?.bins ?? []).map((b) => [
    `${b.lo.toFixed(2)}–${b.hi.toFixed(2)}`,
    String(b.n),
    fmtPct(b.accuracy),
    fmtScore(b.meanConfidence, 2),
  ]);
}

/** "1000000 cases a month: $0.0015 per case [$0.0012, $0.0019] → $1500.00 a month [$1200.00, $1900.00]". */
export function volumeSentence(card: Scorecard): string | null {
  const p = card.cost.projection;
  if (!p) return null;
  return (
    `${p.perMonth.toLocaleString("en-US")} cases a month: ${fmtUsd(p.perCase.mean)} per case ${usdCi(p.perCase.ci)} → ` +
    `${fmtUsd(p.monthly.mean)} a month ${usdCi(p.monthly.ci)} (95% CI from ${p.n} cases)`
  );
}

/** "to detect a change of 0.030 in the aggregate: needs ≈ 412 paired cases at 80% power (…)". */
export function sampleSizeSentence(card: Scorecard): string | null {
  const s = card.sampleSize;
  if (!s) return null;
  if (s.needed === null) {
    return `to detect a change of ${fmtScore(s.minEffect)} in the aggregate: no estimate (the per-case aggregate does not vary over ${s.cases} cases)`;
  }
  return (
    `to detect a change of ${fmtScore(s.minEffect)} in the aggregate: needs ≈ ${s.needed} paired cases at 80% power ` +
    `(this suite has ${s.cases}; its MDE is ${fmtScore(s.mde)})`
  );
}
