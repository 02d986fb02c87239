import type { Scorecard } from "../scorecard/types.ts";
import { describeReasons } from "../scorecard/unscored.ts";
import { fmtCi, fmtMs, fmtPct, fmtScore, fmtUsd, safeLine, table } from "./format.ts";
import {
  calibrationSentence,
  escalationSentence,
  reliabilityRows,
  sampleSizeSentence,
  volumeSentence,
} from "./operating.ts";

/**
 * `unscored   tone: judge-refused ×3, judge-unparseable ×1` — one line per dimension with
 * unscored cases, its most frequent reasons first.
 */
function unscoredLines(card: Scorecard): string[] {
  const lines: string[] = [];
  for (const [name, d] of Object.entries(card.dimensions)) {
    const reasons = d.unscoredReasons ?? {};
    if (d.unscored === 0 || Object.keys(reasons).length === 0) continue;
    const text = describeReasons(reasons, (r) => safeLine(r, 80));
    lines.push(`${lines.length === 0 ? "unscored  " : "          "} ${name}: ${text}`);
  }
  return lines;
}

/** A flaky case's verdict per epoch: `pass fail pass` (— for an epoch left unscored). */
export function epochVerdicts(verdicts: Array<boolean | null>): string {
  return verdicts.map((v) => (v === null ? "—" : v ? "pass" : "fail")).join(" ");
}

const FLAKY_SHOWN = 10;

/** Cases whose verdict changed between epochs (repeats), so a reader does not trust one run of them. */
function flakyLines(card: Scorecard): string[] {
  const flaky = card.flaky ?? [];
  if (flaky.length === 0) return [];
  const cases = new Set(flaky.map((f) => f.caseId)).size;
  const lines = [
    `flaky      ${cases} case${cases === 1 ? "" : "s"} changed verdict between epochs (${flaky.length} case × dimension)`,
  ];
  for (const f of flaky.slice(0, FLAKY_SHOWN)) {
    lines.push(`  ${safeLine(f.caseId, 60)} · ${f.dimension}: ${epochVerdicts(f.verdicts)}`);
  }
  if (flaky.length > FLAKY_SHOWN)
    lines.push(`  … ${flaky.length - FLAKY_SHOWN} more (--json lists every one)`);
  return lines;
}

/** Cost at volume, suite-size advice, calibration and the escalation threshold (issue 13). */
function operatingLines(card: Scorecard): string[] {
  const lines: string[] = [];
  const volume = volumeSentence(card);
  if (volume) {
    lines.push(`volume     ${volume}`);
    lines.push(`           ${card.cost.projection?.note ?? ""}`);
  }
  const size = sampleSizeSentence(card);
  if (size) lines.push(`suite size ${size}`);
  const calibration = calibrationSentence(card);
  if (calibration) {
    lines.push("");
    lines.push(`confidence ${calibration}`);
    const escalation = escalationSentence(card);
    if (escalation) lines.push(`           ${escalation}`);
    const rows = reliabilityRows(card).map((r) => [`  ${r[0]}`, ...r.slice(1)]);
    lines.push(table(rows, ["  confidence", "n", "accuracy", "mean conf."]));
  }
  return lines;
}

/** The scorecard as a person reads it in a terminal. */
export function renderScorecard(card: Scorecard): string {
  const out: string[] = [];
  const r = card.run;
  out.push(`${r.suite} · ${r.target} · run ${r.id}`);
  out.push(
    `dataset ${r.datasetVersion} · ${card.cases} cases${r.epochs > 1 ? ` × ${r.epochs} epochs` : ""} · ${r.status}` +
      (card.missing > 0 ? ` · ${card.missing} cases not yet run` : ""),
  );
  out.push("");
  const rows = Object.entries(card.dimensions).map(([name, d]) => [
    name,
    fmtScore(d.mean),
    fmtCi(d.ci),
    fmtPct(d.passRate),
    fmtCi(d.passCi, true),
    String(d.n),
    String(d.unscored),
    `${d.weight}`,
    safeLine(d.band ?? "—", 30),
  ]);
  rows.push([
    "aggregate",
    fmtScore(card.aggregate.mean),
    fmtCi(card.aggregate.ci),
    "",
    "",
    String(card.aggregate.n),
    "",
    "",
    safeLine(card.aggregate.band ?? "—", 30),
  ]);
  const header = ["dimension", "mean", "95% CI", "pass", "95% CI", "n", "unscored", "weight", "band"];
  // Judges carry a calibration marker: agreement with human labels, or a warning that there is none.
  const dims = Object.values(card.dimensions);
  if (dims.some((d) => d.calibrated !== undefined)) {
    header.push("calibration");
    dims.forEach((d, i) => {
      const c = d.calibrated;
      rows[i].push(
        c === undefined ? "" : c === null ? "UNCALIBRATED" : `kappa ${fmtScore(c.kappa, 2)} (n=${c.n})`,
      );
    });
  }
  out.push(table(rows, header));
  const why = unscoredLines(card);
  if (why.length > 0) {
    out.push("");
    out.push(...why);
  }
  out.push("");
  const errs = Object.entries(card.errors.byClass)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  out.push(`errors     ${card.errors.count} (${fmtPct(card.errors.rate)})${errs ? ` — ${errs}` : ""}`);
  out.push(
    `latency    p50 ${fmtMs(card.latencyMs.p50)} · p95 ${fmtMs(card.latencyMs.p95)} · p99 ${fmtMs(card.latencyMs.p99)}`,
  );
  out.push(
    `tokens     ${card.tokens.input} in / ${card.tokens.output} out · cost ${fmtUsd(card.cost.total)} (${fmtUsd(card.cost.perCase)} per case)`,
  );
  if (card.cost.judge > 0 || card.cost.judgeTokens.input > 0) {
    out.push(
      `judges     ${card.cost.judgeTokens.input} in / ${card.cost.judgeTokens.output} out · cost ${fmtUsd(card.cost.judge)} (scoring, apart from the target)`,
    );
  }
  if (card.cache && card.cache.hits > 0) {
    out.push(
      `cache      ${card.cache.hits} hit${card.cache.hits === 1 ? "" : "s"}, saved ${fmtUsd(card.cache.savedCost)} (${card.cache.outputs} target outputs, ${card.cache.judgeCalls} judge calls)`,
    );
  }
  out.push(...operatingLines(card));
  out.push(...flakyLines(card));
  if (card.weaknesses.length > 0) {
    out.push("");
    out.push("weakest");
    for (const w of card.weaknesses) {
      out.push(
        `  ${w.slice ? `${w.slice} · ` : ""}${w.dimension}: pass ${fmtPct(w.passRate)}, mean ${fmtScore(w.mean)} (n=${w.n})`,
      );
    }
  }
  if (card.strengths.length > 0) {
    out.push("strongest");
    for (const s of card.strengths) {
      out.push(
        `  ${s.slice ? `${s.slice} · ` : ""}${s.dimension}: pass ${fmtPct(s.passRate)}, mean ${fmtScore(s.mean)} (n=${s.n})`,
      );
    }
  }
  if (card.patterns.length > 0) {
    out.push("");
    out.push("failure patterns");
    for (const p of card.patterns.slice(0, 8)) {
      const field = p.field ? `${p.field}: ` : "";
      out.push(
        `  ${p.dimension} · ${field}expected ${safeLine(p.expected, 30)}, got ${safeLine(p.actual, 30)} ×${p.count} (${p.caseIds.join(", ")})`,
      );
    }
  }
  if (card.worst.length > 0) {
    out.push("");
    out.push("worst cases");
    for (const w of card.worst.slice(0, 5)) {
      const first = w.failing[0];
      out.push(`  ${w.caseId} (${fmtScore(w.aggregate)}) ${first.dimension}: ${safeLine(first.reason, 90)}`);
    }
  }
  return out.join("\n");
}
