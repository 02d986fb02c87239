import { fmtPct, safeLine, table } from "../report/format.ts";
import type { Share } from "./agreement.ts";
import type { PairwiseReport } from "./pairwise.ts";
import type { CalibrationReport } from "./report.ts";

/** Terminal rendering of calibration reports. */

const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(3);
const ci = (i: { lower: number; upper: number } | null | undefined) =>
  i ? `[${f3(i.lower)}, ${f3(i.upper)}]` : "—";
const sharePct = (s: Share) =>
  s.rate === null
    ? "—"
    : `${s.agree}/${s.n} = ${fmtPct(s.rate)}${s.ci ? ` [${fmtPct(s.ci[0])}, ${fmtPct(s.ci[1])}]` : ""}`;

function confusionTable(c: { labels: Array<string | number>; matrix: number[][] }): string {
  const header = ["human ↓ / judge →", ...c.labels.map(String)];
  const rows = c.labels.map((l, i) => [String(l), ...c.matrix[i].map(String)]);
  return table(rows, header);
}

function humanLine(h: CalibrationReport["humanAgreement"], labellers: number): string {
  if (!h) {
    return labellers < 2
      ? "human–human: one labeller, so no ceiling (a review queue with --overlap gives one)"
      : "human–human: no item labelled by two or more people, so no ceiling (use --overlap in review queues)";
  }
  return `human–human (ceiling): α ${f3(h.krippendorffAlpha)} (${h.level}), agreement ${fmtPct(h.agreement)} on ${h.items} items labelled by ${h.labellers.length} people`;
}

export function renderCalibration(report: CalibrationReport | PairwiseReport, title?: string): string {
  return report.kind === "pairwise" ? renderPairwise(report, title) : renderCategorical(report, title);
}

function renderCategorical(r: CalibrationReport, title?: string): string {
  const out: string[] = [];
  const ordinal = r.scale.kind === "ordinal";
  if (title) out.push(safeLine(title), "");
  out.push(
    `scale ${r.scale.name} (${r.scale.kind}; ${r.scale.values.join(", ")}) · ${r.n} label pairs on ${r.items} items · labellers: ${r.labellers.join(", ") || "—"}`,
  );
  out.push("");
  const rows: string[][] = [
    ["agreement (exact)", fmtPct(r.agreement), ""],
    ["Cohen's kappa", f3(r.cohenKappa), ci(r.intervals.cohenKappa)],
  ];
  if (r.scale.kind === "ordinal") {
    rows.push(["weighted kappa (linear)", f3(r.weightedKappa.linear), ""]);
    rows.push([
      "weighted kappa (quadratic)",
      f3(r.weightedKappa.quadratic),
      ci(r.intervals.weightedKappaQuadratic),
    ]);
  }
  rows.push([
    `Krippendorff's alpha (${r.alphaLevel})`,
    f3(r.krippendorffAlpha),
    ci(r.intervals.krippendorffAlpha),
  ]);
  if (r.spearman !== null || r.kendallTauB !== null || r.scale.kind === "ordinal") {
    rows.push(["Spearman ρ", f3(r.spearman), ""]);
    rows.push(["Kendall τ-b", f3(r.kendallTauB), ""]);
  }
  out.push(table(rows, ["", "value", `${Math.round(r.intervals.confidence * 100)}% CI`]));
  out.push("");
  if (r.bias) {
    const b = r.bias;
    out.push(
      `bias: judge mean ${f3(b.meanJudge)} vs human ${f3(b.meanHuman)} (${b.difference >= 0 ? "+" : ""}${f3(b.difference)}): ` +
        `${b.direction === "neutral" ? "no net bias" : `the judge is ${b.direction}`} — higher on ${fmtPct(b.judgeHigher)}, lower on ${fmtPct(b.judgeLower)} of pairs`,
    );
  }
  out.push(humanLine(r.humanAgreement, r.labellers.length));
  if (r.threshold) {
    const t = r.threshold;
    const cur = t.current
      ? `; current threshold ${t.current.threshold}: agreement ${fmtPct(t.current.agreement)}, κ ${f3(t.current.kappa)}`
      : "";
    const range =
      t.best.above === null ? "" : ` (any cut in (${t.best.above}, ${t.best.threshold}] gives the same)`;
    out.push(
      `best threshold (by ${t.by}): pass when score ≥ ${t.best.threshold}${range} → agreement ${fmtPct(t.best.agreement)}, κ ${f3(t.best.kappa)}${cur}`,
    );
  }
  out.push("", "confusion matrix:", confusionTable(r.confusion));
  const slices = Object.entries(r.slices);
  if (slices.length > 0) {
    out.push("", "by slice:");
    out.push(
      table(
        slices.map(([k, s]) => [
          safeLine(k, 60),
          String(s.n),
          fmtPct(s.agreement),
          f3(s.cohenKappa),
          ...(ordinal ? [f3(s.weightedKappa.quadratic)] : []),
          f3(s.krippendorffAlpha),
        ]),
        ["slice", "n", "agreement", "κ", ...(ordinal ? ["κw (quadratic)"] : []), "α"],
      ),
    );
  }
  out.push("", `kappa for gates: ${r.headline.kappaMethod}; ${r.methods.intervals}`);
  return out.join("\n");
}

function renderPairwise(r: PairwiseReport, title?: string): string {
  const p = r.pairwise;
  const out: string[] = [];
  if (title) out.push(safeLine(title), "");
  out.push(
    `pairwise preferences · ${r.n} judged pairs on ${r.items} items · labellers: ${r.labellers.join(", ") || "—"}`,
    "",
  );
  out.push(
    table(
      [
        ["agreement, a shown first (original)", sharePct(p.original), f3(p.cohenKappa.original)],
        ["agreement, b shown first (swapped)", sharePct(p.swapped), f3(p.cohenKappa.swapped)],
        ["correct in both orders", sharePct(p.both), ""],
        ["position consistency", sharePct(p.positionConsistency), ""],
        ["both orders combined (inconsistent = tie)", sharePct(p.consensus), ""],
      ],
      ["", "share [95% Wilson]", "κ"],
    ),
  );
  out.push("");
  out.push(
    `average agreement ${fmtPct(p.average)} · pooled κ ${f3(r.cohenKappa)} ${ci(r.intervals.cohenKappa)} · α ${f3(r.krippendorffAlpha)} ${ci(r.intervals.krippendorffAlpha)}`,
  );
  const b = p.positionBias;
  if (b.inconsistent > 0) {
    out.push(
      `position bias: of ${b.inconsistent} inconsistent items the judge preferred the output shown first in ${b.favouredFirst}, the one shown second in ${b.favouredSecond}${b.other ? `, other (ties) ${b.other}` : ""}`,
    );
  }
  out.push(humanLine(r.humanAgreement, r.labellers.length));
  const slices = Object.entries(r.slices);
  if (slices.length > 0) {
    out.push("", "by slice:");
    out.push(
      table(
        slices.map(([k, s]) => [
          safeLine(k, 60),
          String(s.n),
          fmtPct(s.original),
          fmtPct(s.swapped),
          fmtPct(s.both),
          fmtPct(s.positionConsistency),
        ]),
        ["slice", "n", "original", "swapped", "both", "consistent"],
      ),
    );
  }
  return out.join("\n");
}
