import { fmtMs, fmtPct, safeLine, table } from "../report/format.ts";
import type { ProbeReport, ProbeStep } from "./types.ts";

function errorCell(s: ProbeStep): string {
  const statuses = Object.entries(s.errors.byStatus).map(([k, n]) => `${k}×${n}`);
  const classes = Object.entries(s.errors.byClass)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`);
  return [...classes, ...statuses].join(", ") || "—";
}

/** The probe as a terminal table, then the knee, the recommendation and the headers seen. */
export function renderProbe(report: ProbeReport): string {
  const rate = report.mode === "rate";
  const header = [
    ...(rate ? ["rate/s", "in flight"] : ["concurrency"]),
    "requests",
    "ok/s",
    "p50",
    "p95",
    "p99",
    "errors",
    "by class / status",
  ];
  const rows = report.steps.map((s) => [
    ...(rate ? [String(s.rate ?? "—"), String(s.concurrency)] : [String(s.concurrency)]),
    s.unfinished > 0 ? `${s.requests} (${s.unfinished} cut)` : String(s.requests),
    s.throughput.toFixed(1),
    fmtMs(s.latencyMs.p50),
    fmtMs(s.latencyMs.p95),
    fmtMs(s.latencyMs.p99),
    fmtPct(s.errorRate),
    errorCell(s),
  ]);
  const lines = [
    `probe of target ${report.target}: ${report.requests} calls, no retries`,
    "",
    table(rows, header),
    "",
  ];
  const k = report.knee;
  const kneeAt = rate ? k.rate : k.concurrency;
  lines.push(
    `knee: ${kneeAt === null || kneeAt === undefined ? "none" : `${rate ? "rate " : "concurrency "}${kneeAt}`}`,
  );
  lines.push(`  ${k.reason}`);
  const r = report.recommendation;
  const at = rate ? r.rate : r.concurrency;
  lines.push(
    at === null || at === undefined
      ? `recommendation: none (${r.reason})`
      : `recommendation: ${rate ? `${at} calls/s` : `concurrency: ${at}`}, retries: ${r.retries}`,
  );
  if (at !== null && at !== undefined) lines.push(`  ${r.reason}`);
  const headers = Object.entries(report.headers);
  if (headers.length > 0) {
    lines.push("rate-limit headers seen (last values):");
    for (const [name, value] of headers) lines.push(`  ${safeLine(name, 60)}: ${safeLine(value, 80)}`);
  } else {
    lines.push("rate-limit headers seen: none");
  }
  if (report.stoppedEarly) lines.push(`stopped early: ${report.stoppedEarly}`);
  return `${lines.join("\n")}\n`;
}
