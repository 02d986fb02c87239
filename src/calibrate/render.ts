import { fmtPct, safeLine, table } from "../report/format.ts";
import type { BootstrapInterval, Share } from "./agreement.ts";
import type { PairwiseReport } from "./pairwise.ts";
import type { CalibrationReport } from "./report.ts";

/** Terminal rendering of calibration reports. */

/** An undefined statistic is printed as "n/a", never as a number (a 0 would read as "no agreement"). */
const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(3);
const ci = (i: BootstrapInterval | null | undefined) => {
  if (!i) return "n/a";
  if (i.lower === null || i.upper === null) {
    return `n/a (undefined in ${i.undefined} of ${i.resamples} resamples)`;
  }
  return `[${f3(i.lower)}, ${f3(i.upper)}]`;
};
const pct = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? "n/a" : fmtPct(v);
const sharePct = (s: Share) =>
  s.rate === null
    ? "n/a"
    : `${s.agree}/${s.n} = ${pct(s.rate)}${s.ci ? ` [${pct(s.ci[0])}, ${pct(s.ci[1])}]` : ""}`;

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
  return `human–human (ceiling): α ${f3(h.krippendorffAlpha)} (${h.level}), agreement ${pct(h.agreement)} on ${h.items} items labelled by ${h.labellers.length} people`;
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
    ["agreement (exact)", pct(r.agreement), ""],
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
        `${b.direction === "neutral" ? "no net bias" : `the judge is ${b.direction}`} — higher on ${pct(b.judgeHigher)}, lower on ${pct(b.judgeLower)} of pairs`,
    );
  }
  out.push(humanLine(r.humanAgreement, r.labellers.length));
  if (r.threshold) {
    const t = r.threshold;
    const cur = t.current
      ? `; current threshold ${t.current.threshold}: agreement ${pct(t.current.agreement)}, κ ${f3(t.current.kappa)}`
      : "";
    const range =
      t.best.above === null ? "" : ` (any cut in (${t.best.above}, ${t.best.threshold}] gives the same)`;
    out.push(
      `best threshold (by ${t.by}): pass when score ≥ ${t.best.threshold}${range} → agreement ${pct(t.best.agreement)}, κ ${f3(t.best.kappa)}${cur}`,
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
          pct(s.agreement),
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
    `pairwise preferences · ${r.n} labelled items judged (${p.original.n} with a shown first, ${p.swapped.n} with b shown first) on ${r.items} items · labellers: ${r.labellers.join(", ") || "—"}`,
  );
  const refused = p.refusals.original + p.refusals.swapped;
  out.push(
    `refusals (no usable verdict): ${refused}${refused > 0 ? ` (${p.refusals.original} with a shown first, ${p.refusals.swapped} with b shown first)` : ""}, counted as ${r.nullVerdict} (--null-verdict ${r.nullVerdict}${r.nullVerdict === "unscored" ? ": left out of that order's n" : r.nullVerdict === "wrong" ? ": a miss, as LLMBar counts them" : ""})`,
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
    `average agreement ${pct(p.average)} · pooled κ ${f3(r.cohenKappa)} ${ci(r.intervals.cohenKappa)} · α ${f3(r.krippendorffAlpha)} ${ci(r.intervals.krippendorffAlpha)}`,
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
          pct(s.original),
          pct(s.swapped),
          pct(s.both),
          pct(s.positionConsistency),
        ]),
        ["slice", "n", "original", "swapped", "both", "consistent"],
      ),
    );
  }
  return out.join("\n");
}
