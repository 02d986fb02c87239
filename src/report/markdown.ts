import type { Scorecard } from "../scorecard/types.ts";
import { describeReasons } from "../scorecard/unscored.ts";
import { fmtCi, fmtMs, fmtPct, fmtScore, fmtUsd } from "./format.ts";
import {
  calibrationSentence,
  escalationSentence,
  reliabilityRows,
  sampleSizeSentence,
  volumeSentence,
} from "./operating.ts";
import { epochVerdicts } from "./terminal.ts";

/** Markdown-safe table cell: pipes escaped, HTML neutralised, one line. */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/`/g, "\\`");
}

/** Cost at volume, suite-size advice, calibration and the escalation threshold (issue 13). */
function operatingMarkdown(card: Scorecard): string[] {
  const lines: string[] = [];
  const volume = volumeSentence(card);
  if (volume) {
    lines.push("");
    lines.push(`**Cost at volume:** ${volume}. ${mdCell(card.cost.projection?.note ?? "")}.`);
  }
  const size = sampleSizeSentence(card);
  if (size) {
    lines.push("");
    lines.push(`**Suite size:** ${size}.`);
  }
  const calibration = calibrationSentence(card);
  if (calibration) {
    lines.push("");
    lines.push("### Confidence calibration");
    lines.push("");
    lines.push(`${mdCell(calibration)}.`);
    const escalation = escalationSentence(card);
    if (escalation) {
      lines.push("");
      lines.push(`**${mdCell(escalation)}**`);
    }
    lines.push("");
    lines.push("| confidence | n | accuracy | mean confidence |");
    lines.push("|---|---:|---:|---:|");
    for (const r of reliabilityRows(card)) lines.push(`| ${r.join(" | ")} |`);
  }
  return lines;
}

export function scorecardMarkdown(card: Scorecard): string {
  const r = card.run;
  const lines: string[] = [];
  lines.push(`## ${mdCell(r.suite)} · ${mdCell(r.target)}`);
  lines.push("");
  lines.push(`Run \`${r.id}\` · dataset \`${r.datasetVersion}\` · ${card.cases} cases · ${r.status}`);
  lines.push("");
  lines.push("| dimension | mean | 95% CI | pass | 95% CI | n | unscored | band |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---|");
  for (const [name, d] of Object.entries(card.dimensions)) {
    lines.push(
      `| ${mdCell(name)} | ${fmtScore(d.mean)} | ${fmtCi(d.ci)} | ${fmtPct(d.passRate)} | ${fmtCi(d.passCi, true)} | ${d.n} | ${d.unscored} | ${mdCell(d.band ?? "—")} |`,
    );
  }
  lines.push(
    `| **aggregate** | **${fmtScore(card.aggregate.mean)}** | ${fmtCi(card.aggregate.ci)} | | | ${card.aggregate.n} | | **${mdCell(card.aggregate.band ?? "—")}** |`,
  );
  const unscored = Object.entries(card.dimensions).filter(
    ([, d]) => d.unscored > 0 && Object.keys(d.unscoredReasons ?? {}).length > 0,
  );
  if (unscored.length > 0) {
    lines.push("");
    lines.push("Why unscored:");
    for (const [name, d] of unscored) {
      lines.push(`- ${mdCell(name)} (${d.unscored}): ${describeReasons(d.unscoredReasons, mdCell)}`);
    }
  }
  lines.push("");
  const cache =
    card.cache && card.cache.hits > 0
      ? ` · cache ${card.cache.hits} hits, saved ${fmtUsd(card.cache.savedCost)}`
      : "";
  lines.push(
    `Errors: ${card.errors.count} (${fmtPct(card.errors.rate)}) · latency p50 ${fmtMs(card.latencyMs.p50)}, p95 ${fmtMs(card.latencyMs.p95)}, p99 ${fmtMs(card.latencyMs.p99)} · cost ${fmtUsd(card.cost.total)}${cache}`,
  );
  lines.push(...operatingMarkdown(card));
  const flaky = card.flaky ?? [];
  if (flaky.length > 0) {
    lines.push("");
    lines.push(`### Flaky: ${flaky.length} case × dimension verdicts changed between epochs`);
    for (const f of flaky.slice(0, 20)) {
      lines.push(`- \`${mdCell(f.caseId)}\` ${mdCell(f.dimension)}: ${epochVerdicts(f.verdicts)}`);
    }
    if (flaky.length > 20) lines.push(`- … ${flaky.length - 20} more (\`--json\` lists every one)`);
  }
  if (card.weaknesses.length > 0) {
    lines.push("");
    lines.push("### Weakest");
    for (const w of card.weaknesses) {
      lines.push(
        `- ${w.slice ? `${mdCell(w.slice)} · ` : ""}${mdCell(w.dimension)}: pass ${fmtPct(w.passRate)} (n=${w.n})`,
      );
    }
  }
  if (card.worst.length > 0) {
    lines.push("");
    lines.push("### Worst cases");
    lines.push("| case | aggregate | failing | reason |");
    lines.push("|---|---:|---|---|");
    for (const w of card.worst) {
      const f = w.failing[0];
      lines.push(
        `| ${mdCell(w.caseId)} | ${fmtScore(w.aggregate)} | ${mdCell(f.dimension)} | ${mdCell(f.reason.slice(0, 160))} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
