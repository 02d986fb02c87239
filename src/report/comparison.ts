import type { GateResult, GateRuleResult } from "../compare/gate.ts";
import type { Leaderboard } from "../compare/leaderboard.ts";
import type { Comparison, PairedDimension } from "../compare/types.ts";
import { xmlEscape } from "./export.ts";
import { fmtMs, fmtP, fmtPts, fmtUsd, safeLine, table } from "./format.ts";
import { mdCell } from "./markdown.ts";

/** Deltas, signed, in points. */
const pts = (v: number | null | undefined) => fmtPts(v, true);
const sc = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toFixed(3));
const pv = fmtP;
const ci = (c: [number, number] | null) => (c ? `[${pts(c[0])}, ${pts(c[1])}]` : "—");

/** One compared dimension (or slice × dimension): scores and deltas in points. */
function row(name: string, d: PairedDimension): string[] {
  return [
    name,
    fmtPts(d.base),
    fmtPts(d.candidate),
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

/** `2 slices not tested (fewer than 2 paired cases): rare=yes (1), lang=fi (0)`, or null. */
function skippedSlicesLine(cmp: Comparison, max = 10): string | null {
  // comparisons written before skippedSlices existed have none
  const skipped = cmp.skippedSlices ?? [];
  if (skipped.length === 0) return null;
  const listed = skipped.slice(0, max).map((s) => `${s.slice} (${s.pairs})`);
  if (skipped.length > max) listed.push(`… ${skipped.length - max} more`);
  return `${skipped.length} slice${skipped.length > 1 ? "s" : ""} not tested (fewer than 2 paired cases): ${listed.join(", ")}`;
}

const HEADER = ["", "base", "cand", "Δ pts", "95% CI", "test", "p", "p (Holm)", "verdict", "n"];

interface Compared {
  name: string;
  d: PairedDimension;
}

/** Every compared row: the dimensions, then each slice × dimension. */
function comparedRows(cmp: Comparison): { dimensions: Compared[]; slices: Compared[] } {
  const dimensions = Object.entries(cmp.dimensions).map(([name, d]) => ({ name, d }));
  const slices: Compared[] = [];
  for (const [slice, entry] of Object.entries(cmp.slices)) {
    for (const [name, d] of Object.entries(entry)) slices.push({ name: `${slice} · ${name}`, d });
  }
  return { dimensions, slices };
}

/** What regressed (significantly, Holm-adjusted), worst drop first: what a reader looks for first. */
export function regressedRows(cmp: Comparison): Compared[] {
  const { dimensions, slices } = comparedRows(cmp);
  return [...dimensions, ...slices]
    .filter((r) => r.d.verdict === "regressed")
    .sort((a, b) => (a.d.delta ?? 0) - (b.d.delta ?? 0));
}

/** `regressed: 1 dimension, 5 slice rows` or `nothing regressed`. */
function regressedHeadline(cmp: Comparison, rows: Compared[]): string {
  if (rows.length === 0) {
    return `nothing regressed: no dimension or slice dropped significantly (Holm-adjusted, alpha ${cmp.alpha})`;
  }
  const dims = rows.filter((r) => !r.name.includes(" · ")).length;
  const parts = [
    dims > 0 ? `${dims} of ${Object.keys(cmp.dimensions).length} dimensions` : "",
    rows.length - dims > 0 ? `${rows.length - dims} slice rows` : "",
  ].filter(Boolean);
  return `regressed: ${parts.join(", ")} (significant drops, Holm-adjusted, alpha ${cmp.alpha}; worst first)`;
}

/** The comparison for a terminal: what regressed first, then every dimension, then other slices. */
export function renderComparison(cmp: Comparison): string {
  const out: string[] = [];
  out.push(`compare ${cmp.targets.base} (${cmp.base}) → ${cmp.targets.candidate} (${cmp.candidate})`);
  out.push(
    `${cmp.cases} paired cases (${cmp.pairs} case×epoch pairs) · scores and deltas in points (0–100)` +
      (cmp.unmatched.base.length + cmp.unmatched.candidate.length > 0
        ? ` · unmatched: ${cmp.unmatched.base.length} only in base, ${cmp.unmatched.candidate.length} only in candidate`
        : "") +
      (cmp.changed.length > 0 ? ` · ${cmp.changed.length} changed between dataset versions (left out)` : ""),
  );
  out.push("");
  const regressed = regressedRows(cmp);
  out.push(regressedHeadline(cmp, regressed));
  if (regressed.length > 0)
    out.push(
      table(
        regressed.map((r) => row(r.name, r.d)),
        HEADER,
      ),
    );
  out.push("");
  out.push("dimensions");
  out.push(
    table(
      comparedRows(cmp).dimensions.map((r) => row(r.name, r.d)),
      HEADER,
    ),
  );
  const others = comparedRows(cmp).slices.filter(
    (r) => r.d.verdict !== "no-change" && r.d.verdict !== "regressed",
  );
  if (others.length > 0) {
    out.push("");
    out.push("other slices with a verdict (improved or underpowered)");
    out.push(
      table(
        others.map((r) => row(r.name, r.d)),
        HEADER,
      ),
    );
  }
  const skipped = skippedSlicesLine(cmp);
  if (skipped) out.push("", safeLine(skipped, 400));
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

const MD_HEADER = [
  "| | base | cand | Δ pts | 95% CI | test | p | p (Holm) | verdict | n |",
  "|---|---:|---:|---:|---:|---|---:|---:|---|---:|",
];

const mdRow = ({ name, d }: Compared) =>
  `| ${mdCell(name)} | ${fmtPts(d.base)} | ${fmtPts(d.candidate)} | ${pts(d.delta)} | ${ci(d.ci)} | ${d.test} | ${pv(d.p)} | ${pv(d.pAdjusted)} | **${d.verdict}**${d.evaluatorChanged ? " \\*" : ""} | ${d.n} |`;

/** The comparison as Markdown: what regressed first, every dimension, the rest collapsed. */
export function comparisonMarkdown(cmp: Comparison): string {
  const lines: string[] = [];
  lines.push(`## ${mdCell(cmp.targets.base)} → ${mdCell(cmp.targets.candidate)}`);
  lines.push("");
  lines.push(
    `\`${cmp.base}\` → \`${cmp.candidate}\` · ${cmp.cases} paired cases · scores and deltas in points · alpha ${cmp.alpha}, Holm-adjusted`,
  );
  lines.push("");
  const regressed = regressedRows(cmp);
  if (regressed.length === 0)
    lines.push(`**Nothing regressed** significantly (Holm-adjusted, alpha ${cmp.alpha}).`);
  else {
    lines.push(`### Regressed (${regressed.length})`);
    lines.push("");
    lines.push(...MD_HEADER, ...regressed.map(mdRow));
  }
  lines.push("");
  lines.push("### Dimensions");
  lines.push("");
  lines.push(...MD_HEADER, ...comparedRows(cmp).dimensions.map(mdRow));
  const others = comparedRows(cmp).slices.filter(
    (r) => r.d.verdict !== "no-change" && r.d.verdict !== "regressed",
  );
  if (others.length > 0) {
    lines.push("");
    lines.push(
      `<details><summary>${others.length} other slice rows with a verdict (improved or underpowered)</summary>`,
    );
    lines.push("");
    lines.push(...MD_HEADER, ...others.map(mdRow));
    lines.push("");
    lines.push("</details>");
  }
  const skipped = skippedSlicesLine(cmp);
  if (skipped) lines.push("", `${mdCell(skipped)}.`);
  const note = evaluatorChangeNote(cmp);
  if (note.length > 0) lines.push("", ...note.map((l) => mdCell(l.trim())));
  lines.push("");
  lines.push(`${cmp.power.statement}.`);
  const down = cmp.flips.filter((f) => f.direction === "pass→fail");
  if (down.length > 0) {
    lines.push("");
    lines.push(`<details><summary>${down.length} pass→fail flips</summary>`);
    lines.push("");
    for (const f of down.slice(0, 20))
      lines.push(
        `- \`${mdCell(f.caseId)}\` ${mdCell(f.dimension)}: ${mdCell(f.candidate.reason.slice(0, 160))}`,
      );
    if (down.length > 20) lines.push(`- … ${down.length - 20} more (\`--json\` has every flip)`);
    lines.push("");
    lines.push("</details>");
  }
  return `${lines.join("\n")}\n`;
}

const ICON = { pass: "PASS", fail: "FAIL", warn: "WARN" } as const;

/** A rule as a terminal line. */
const ruleLine = (r: GateRuleResult) =>
  `  ${ICON[r.status]}  ${r.rule.padEnd(14)} ${safeLine(r.message, 400)}`;

/** `floors ×2, regressionSet, latency ×2`: rules by name, counted. */
function ruleCounts(rules: GateRuleResult[]): string {
  const counts = new Map<string, number>();
  for (const r of rules) counts.set(r.rule, (counts.get(r.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => (n > 1 ? `${rule} ×${n}` : rule)).join(", ");
}

export interface RenderGateOptions {
  /** list warnings and passing rules one per line (default: counted on one line) */
  verbose?: boolean;
}

/**
 * The gate for a terminal, quiet by default: the summary line first, then the failing rules, then
 * warnings and passing rules as counts (each on its own line with `verbose`).
 */
export function renderGate(gate: GateResult, opts: RenderGateOptions = {}): string {
  const out: string[] = [gate.summary];
  out.push(
    `candidate ${gate.candidate}${gate.baseline ? ` vs baseline ${gate.baseline}` : " (no baseline)"}`,
  );
  const of = (status: GateRuleResult["status"]) => gate.rules.filter((r) => r.status === status);
  const [failing, warnings, passing] = [of("fail"), of("warn"), of("pass")];
  for (const r of failing) out.push(ruleLine(r));
  if (opts.verbose) {
    for (const r of [...warnings, ...passing]) out.push(ruleLine(r));
    return out.join("\n");
  }
  const rest = [
    warnings.length > 0
      ? `${warnings.length} warning${warnings.length === 1 ? "" : "s"} (${ruleCounts(warnings)})`
      : "",
    passing.length > 0 ? `${passing.length} passed (${ruleCounts(passing)})` : "",
  ].filter(Boolean);
  if (rest.length > 0) out.push(`${rest.join(" · ")} — --verbose lists them`);
  return out.join("\n");
}

/** At most this many failing rules before the fold; the rest go inside it. */
const MD_FAILING_SHOWN = 10;

const mdRule = (r: GateRuleResult) => `- **${ICON[r.status]}** ${mdCell(r.rule)}: ${mdCell(r.message)}`;

/**
 * The gate as a pull-request comment: the verdict and the failing rules first, everything else
 * (warnings, passing rules, the comparison's dimensions) folded in one `<details>`, so the
 * comment stays a screenful however many slices the suite has.
 */
export function gateMarkdown(gate: GateResult, cmp?: Comparison): string {
  const lines: string[] = [];
  const badge =
    gate.verdict === "PASS" ? (gate.warnings > 0 ? "✅ PASS (with warnings)" : "✅ PASS") : "❌ FAIL";
  lines.push(`## assay gate: ${badge}`);
  lines.push(
    `**${mdCell(gate.summary)}** · candidate \`${gate.candidate}\`${gate.baseline ? ` vs baseline \`${gate.baseline}\`` : " (no baseline)"}`,
  );
  const failing = gate.rules.filter((r) => r.status === "fail");
  const shown = failing.slice(0, MD_FAILING_SHOWN);
  if (shown.length > 0) lines.push("", ...shown.map(mdRule));
  const folded = [
    ...failing.slice(MD_FAILING_SHOWN),
    ...gate.rules.filter((r) => r.status === "warn"),
    ...gate.rules.filter((r) => r.status === "pass"),
  ];
  if (folded.length === 0 && !cmp) return `${lines.join("\n")}\n`;
  const what = [
    failing.length > shown.length ? `${failing.length - shown.length} more failing` : "",
    gate.warnings > 0 ? `${gate.warnings} warning${gate.warnings === 1 ? "" : "s"}` : "",
    folded.some((r) => r.status === "pass")
      ? `${folded.filter((r) => r.status === "pass").length} passed`
      : "",
    cmp ? "the comparison" : "",
  ].filter(Boolean);
  lines.push("", `<details><summary>${what.join(", ")}</summary>`, "");
  lines.push(...folded.map(mdRule));
  if (cmp) {
    if (folded.length > 0) lines.push("");
    const rows = comparedRows(cmp).dimensions;
    // regressed first, as everywhere
    rows.sort((a, b) => Number(b.d.verdict === "regressed") - Number(a.d.verdict === "regressed"));
    lines.push(...MD_HEADER, ...rows.map(mdRow));
    const down = cmp.flips.filter((f) => f.direction === "pass→fail").length;
    const up = cmp.flips.length - down;
    lines.push("");
    lines.push(
      `${cmp.cases} paired cases · scores and deltas in points · ${down} pass→fail and ${up} fail→pass flips · ${mdCell(cmp.power.statement)}. ` +
        `Every slice: \`assay compare ${cmp.base} ${cmp.candidate} --md FILE\`.`,
    );
  }
  lines.push("", "</details>");
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

/** `$1950.00 [$1563.62, $2336.38]`: an entry's projected monthly cost. */
function monthly(e: Leaderboard["entries"][number]): string {
  const m = e.monthlyCost;
  if (!m || m.mean === null) return "—";
  return `${fmtUsd(m.mean)}${m.ci ? ` [${fmtUsd(m.ci[0])}, ${fmtUsd(m.ci[1])}]` : ""}`;
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
    ...(lb.volume !== undefined ? [monthly(e)] : []),
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
    ...(lb.volume !== undefined ? [`per month at ${lb.volume.toLocaleString("en-US")}`] : []),
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
    ...mainEffectsLines(lb),
  ].join("\n");
}

/** The variant matrix's main effects: a factor's level b against a, averaged over the other factors. */
function mainEffectsLines(lb: Leaderboard): string[] {
  if (!lb.mainEffects || lb.mainEffects.length === 0) return [];
  const rows = lb.mainEffects.map((m) => [
    safeLine(m.factor, 40),
    safeLine(`${m.b} vs ${m.a}`, 60),
    pts(m.delta),
    ci(m.ci),
    String(m.n),
    String(m.combinations),
    pv(m.p),
    pv(m.pAdjusted),
  ]);
  return [
    "",
    "main effects (aggregate, points; each level pair averaged over the other factors)",
    "",
    table(rows, ["factor", "b vs a", "delta", "95% CI", "cases", "combos", "p", "p (Holm)"]),
  ];
}

export function leaderboardMarkdown(lb: Leaderboard): string {
  const lines = [
    `## Leaderboard (${lb.cases} cases)`,
    "",
    `| # | target | aggregate | 95% CI | cost/case |${lb.volume !== undefined ? ` per month at ${lb.volume.toLocaleString("en-US")} |` : ""} p95 | vs best | tied | Pareto |`,
    `|---:|---|---:|---:|---:|${lb.volume !== undefined ? "---:|" : ""}---:|---:|---|---|`,
  ];
  for (const e of lb.entries) {
    lines.push(
      `| ${e.rank} | ${mdCell(e.target)} | ${sc(e.aggregate.mean)} | ${e.aggregate.ci ? `[${sc(e.aggregate.ci[0])}, ${sc(e.aggregate.ci[1])}]` : "—"} | ${e.costPerCase === null ? "—" : `$${e.costPerCase.toFixed(6)}`} |${lb.volume !== undefined ? ` ${monthly(e)} |` : ""} ${fmtMs(e.latencyP95Ms)} | ${e.vsBest ? `${pts(e.vsBest.delta)} (p ${pv(e.vsBest.pAdjusted)})` : "best"} | ${e.tiedWithBest ? "yes" : "no"} | ${e.pareto ? "yes" : ""} |`,
    );
  }
  if (lb.mainEffects && lb.mainEffects.length > 0) {
    lines.push(
      "",
      "### Main effects",
      "",
      "Aggregate score of level b minus level a, per case averaged over the other factors' combinations (points).",
      "",
      "| factor | b vs a | delta | 95% CI | cases | combinations | p | p (Holm) |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const m of lb.mainEffects) {
      lines.push(
        `| ${mdCell(m.factor)} | ${mdCell(`${m.b} vs ${m.a}`)} | ${pts(m.delta)} | ${ci(m.ci)} | ${m.n} | ${m.combinations} | ${pv(m.p)} | ${pv(m.pAdjusted)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
