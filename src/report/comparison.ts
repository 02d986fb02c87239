import type { GateResult } from "../compare/gate.ts";
import type { Leaderboard } from "../compare/leaderboard.ts";
import type { Comparison, PairedDimension } from "../compare/types.ts";
import { xmlEscape } from "./export.ts";
import { fmtMs, safeLine, table } from "./format.ts";
import { mdCell } from "./markdown.ts";

const pts = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}`;
const sc = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toFixed(3));
const pv = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
const ci = (c: [number, number] | null) => (c ? `[${pts(c[0])}, ${pts(c[1])}]` : "—");

function row(name: string, d: PairedDimension): string[] {
  return [
    name,
    sc(d.base),
    sc(d.candidate),
    pts(d.delta),
    ci(d.ci),
    d.test,
    pv(d.p),
    pv(d.pAdjusted),
    d.verdict + (d.evaluatorChanged ? " *" : ""),
    String(d.n),
  ];
}

/** The warning printed under a comparison made across different evaluators. */
function evaluatorChangeNote(cmp: Comparison): string[] {
  const changes = Object.entries(cmp.evaluatorChanges ?? {});
  if (changes.length === 0) return [];
  return [
    "* evaluator changed between the runs (--allow-evaluator-change): these rows compare scores made by different evaluators or settings",
    ...changes.map(([d, c]) => `  ${d}: ${c.base} → ${c.candidate}`),
  ];
}

const HEADER = ["", "base", "cand", "Δ pts", "95% CI", "test", "p", "p (Holm)", "verdict", "n"];

/** Slice rows worth showing: anything not `no-change`. */
function notableSlices(cmp: Comparison): string[][] {
  const rows: string[][] = [];
  for (const [slice, entry] of Object.entries(cmp.slices)) {
    for (const [name, d] of Object.entries(entry)) {
      if (d.verdict !== "no-change") rows.push(row(`${slice} · ${name}`, d));
    }
  }
  return rows;
}

export function renderComparison(cmp: Comparison): string {
  const out: string[] = [];
  out.push(`compare ${cmp.targets.base} (${cmp.base}) → ${cmp.targets.candidate} (${cmp.candidate})`);
  out.push(
    `${cmp.cases} paired cases (${cmp.pairs} case×epoch pairs)` +
      (cmp.unmatched.base.length + cmp.unmatched.candidate.length > 0
        ? ` · unmatched: ${cmp.unmatched.base.length} only in base, ${cmp.unmatched.candidate.length} only in candidate`
        : "") +
      (cmp.changed.length > 0 ? ` · ${cmp.changed.length} changed between dataset versions (left out)` : ""),
  );
  out.push("");
  out.push(
    table(
      Object.entries(cmp.dimensions).map(([n, d]) => row(n, d)),
      HEADER,
    ),
  );
  const slices = notableSlices(cmp);
  if (slices.length > 0) {
    out.push("");
    out.push("slices with a verdict other than no-change");
    out.push(table(slices, HEADER));
  }
  const note = evaluatorChangeNote(cmp);
  if (note.length > 0) out.push("", ...note);
  out.push("");
  const l = cmp.latencyMs;
  out.push(
    `latency    p50 ${fmtMs(l.p50.base)} → ${fmtMs(l.p50.candidate)} · p95 ${fmtMs(l.p95.base)} → ${fmtMs(l.p95.candidate)} · p99 ${fmtMs(l.p99.base)} → ${fmtMs(l.p99.candidate)}`,
  );
  out.push(
    `errors     ${(cmp.errorRate.base * 100).toFixed(1)}% → ${(cmp.errorRate.candidate * 100).toFixed(1)}%`,
  );
  out.push(`power      ${cmp.power.statement}`);
  const down = cmp.flips.filter((f) => f.direction === "pass→fail");
  const up = cmp.flips.filter((f) => f.direction === "fail→pass");
  out.push(`flips      ${down.length} pass→fail, ${up.length} fail→pass`);
  // one entry per case: the dimensions it flipped on, then its output diff once
  const byCase = new Map<string, typeof down>();
  for (const f of down) byCase.set(f.caseId, [...(byCase.get(f.caseId) ?? []), f]);
  for (const [caseId, fs] of [...byCase].slice(0, 8)) {
    out.push(
      `  ✗ ${caseId} (${fs.map((f) => f.dimension).join(", ")}): ${safeLine(fs[0].candidate.reason, 80)}`,
    );
    out.push(`      ${safeLine(renderDiff(fs[0].diff), 110)}`);
  }
  if (byCase.size > 8) out.push(`  … ${byCase.size - 8} more cases (--json or --md for all)`);
  return out.join("\n");
}

/** A word diff for a terminal: [-removed-] {+added+}. */
export function renderDiff(diff: Array<[-1 | 0 | 1, string]>): string {
  return diff
    .map(([op, t]) =>
      op === 0
        ? t
        : op < 0
          ? `[-${t.trimEnd()}-]${t.slice(t.trimEnd().length)}`
          : `{+${t.trimEnd()}+}${t.slice(t.trimEnd().length)}`,
    )
    .join("");
}

export function comparisonMarkdown(cmp: Comparison): string {
  const lines: string[] = [];
  lines.push(`## ${mdCell(cmp.targets.base)} → ${mdCell(cmp.targets.candidate)}`);
  lines.push("");
  lines.push(
    `\`${cmp.base}\` → \`${cmp.candidate}\` · ${cmp.cases} paired cases · alpha ${cmp.alpha}, Holm-adjusted`,
  );
  lines.push("");
  lines.push("| dimension | base | candidate | Δ pts | 95% CI | test | p | p (Holm) | verdict |");
  lines.push("|---|---:|---:|---:|---:|---|---:|---:|---|");
  const mdRow = (name: string, d: PairedDimension) =>
    `| ${mdCell(name)} | ${sc(d.base)} | ${sc(d.candidate)} | ${pts(d.delta)} | ${ci(d.ci)} | ${d.test} | ${pv(d.p)} | ${pv(d.pAdjusted)} | **${d.verdict}**${d.evaluatorChanged ? " \\*" : ""} |`;
  for (const [n, d] of Object.entries(cmp.dimensions)) lines.push(mdRow(n, d));
  for (const [slice, entry] of Object.entries(cmp.slices)) {
    for (const [n, d] of Object.entries(entry))
      if (d.verdict !== "no-change") lines.push(mdRow(`${slice} · ${n}`, d));
  }
  const note = evaluatorChangeNote(cmp);
  if (note.length > 0) lines.push("", ...note.map((l) => mdCell(l.trim())));
  lines.push("");
  lines.push(`${cmp.power.statement}.`);
  const down = cmp.flips.filter((f) => f.direction === "pass→fail");
  if (down.length > 0) {
    lines.push("");
    lines.push(`### ${down.length} pass→fail flips`);
    for (const f of down.slice(0, 20))
      lines.push(
        `- \`${mdCell(f.caseId)}\` ${mdCell(f.dimension)}: ${mdCell(f.candidate.reason.slice(0, 160))}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

const ICON = { pass: "PASS", fail: "FAIL", warn: "WARN" } as const;

export function renderGate(gate: GateResult): string {
  const out: string[] = [];
  out.push(
    `gate: candidate ${gate.candidate}${gate.baseline ? ` vs baseline ${gate.baseline}` : " (no baseline)"}`,
  );
  for (const r of gate.rules) out.push(`  ${ICON[r.status]}  ${r.rule.padEnd(14)} ${r.message}`);
  out.push(
    `${gate.verdict}${gate.warnings > 0 ? ` (${gate.warnings} warning${gate.warnings > 1 ? "s" : ""})` : ""} — exit ${gate.exitCode}`,
  );
  return out.join("\n");
}

export function gateMarkdown(gate: GateResult, cmp?: Comparison): string {
  const lines: string[] = [];
  const badge =
    gate.verdict === "PASS" ? (gate.warnings > 0 ? "✅ PASS (with warnings)" : "✅ PASS") : "❌ FAIL";
  lines.push(`## assay gate: ${badge}`);
  lines.push("");
  lines.push(`Candidate \`${gate.candidate}\`${gate.baseline ? ` vs baseline \`${gate.baseline}\`` : ""}`);
  lines.push("");
  lines.push("| | rule | check |");
  lines.push("|---|---|---|");
  for (const r of gate.rules) lines.push(`| ${ICON[r.status]} | ${mdCell(r.rule)} | ${mdCell(r.message)} |`);
  if (cmp) {
    lines.push("");
    lines.push(comparisonMarkdown(cmp));
  }
  return `${lines.join("\n")}\n`;
}

/** JUnit XML: one testcase per rule check; warnings pass with a system-out note. */
export function gateJunit(gate: GateResult): string {
  const failures = gate.rules.filter((r) => r.status === "fail").length;
  const cases = gate.rules.map((r) => {
    const open = `    <testcase classname="assay.gate.${xmlEscape(r.rule)}" name="${xmlEscape(r.subject)}"`;
    if (r.status === "fail") return `${open}><failure message="${xmlEscape(r.message)}"/></testcase>`;
    if (r.status === "warn")
      return `${open}><system-out>${xmlEscape(`WARN: ${r.message}`)}</system-out></testcase>`;
    return `${open}/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="assay gate">\n  <testsuite name="assay.gate" tests="${gate.rules.length}" failures="${failures}" errors="0">\n${cases.join("\n")}\n  </testsuite>\n</testsuites>\n`;
}

export function renderLeaderboard(lb: Leaderboard): string {
  const dims = Object.keys(lb.entries[0]?.dimensions ?? {});
  const cost = (e: Leaderboard["entries"][number]) =>
    e.costPerCase === null ? "—" : `$${e.costPerCase.toFixed(e.costPerCase < 0.01 ? 6 : 4)}`;
  const rows = lb.entries.map((e) => [
    String(e.rank),
    e.target,
    sc(e.aggregate.mean),
    e.aggregate.ci ? `[${sc(e.aggregate.ci[0])}, ${sc(e.aggregate.ci[1])}]` : "—",
    ...dims.map((d) => sc(e.dimensions[d].mean)),
    cost(e),
    fmtMs(e.latencyP95Ms),
    e.vsBest ? `${pts(e.vsBest.delta)} (p ${pv(e.vsBest.pAdjusted)})` : "best",
    e.tiedWithBest ? "tied" : "",
    e.pareto ? "◆" : "",
  ]);
  const header = [
    "#",
    "target",
    "aggregate",
    "95% CI",
    ...dims,
    "cost/case",
    "p95",
    "vs best (Holm)",
    "",
    "pareto",
  ];
  return [
    `leaderboard · ${lb.entries.length} runs · dataset ${lb.datasetVersion} · ${lb.cases} cases`,
    "",
    table(rows, header),
    "",
    `tied = not significantly different from the best at alpha ${lb.alpha}; ◆ = on the quality/${lb.costAxis} Pareto front`,
  ].join("\n");
}

export function leaderboardMarkdown(lb: Leaderboard): string {
  const lines = [
    `## Leaderboard (${lb.cases} cases)`,
    "",
    "| # | target | aggregate | 95% CI | cost/case | p95 | vs best | tied | Pareto |",
    "|---:|---|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const e of lb.entries) {
    lines.push(
      `| ${e.rank} | ${mdCell(e.target)} | ${sc(e.aggregate.mean)} | ${e.aggregate.ci ? `[${sc(e.aggregate.ci[0])}, ${sc(e.aggregate.ci[1])}]` : "—"} | ${e.costPerCase === null ? "—" : `$${e.costPerCase.toFixed(6)}`} | ${fmtMs(e.latencyP95Ms)} | ${e.vsBest ? `${pts(e.vsBest.delta)} (p ${pv(e.vsBest.pAdjusted)})` : "best"} | ${e.tiedWithBest ? "yes" : "no"} | ${e.pareto ? "yes" : ""} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
