import type { MonitorReport } from "./run.ts";
import type { DimensionSummary } from "./windows.ts";

/** The terminal form of a monitor pass: the latest windows per dimension, the CUSUMs, drift tests, alerts. */

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null) => (x === null ? "—" : x.toFixed(3));

function cell(d: DimensionSummary | undefined): string {
  if (!d || d.n === 0) return "—";
  const ci = d.ci ? ` [${num(d.ci[0])}, ${num(d.ci[1])}]` : "";
  return `${num(d.mean)}${ci} pass ${pct(d.passRate)}`;
}

export function renderMonitorReport(r: MonitorReport, lastWindows = 12): string {
  const lines: string[] = [];
  const window = typeof r.window === "number" ? `${r.window} records` : r.window;
  lines.push(
    `monitor ${r.monitor} (suite ${r.suite}) · window ${window} · this pass scored ${r.scoring.scored} ` +
      `(filtered ${r.scoring.filtered}, unsampled ${r.scoring.unsampled}) · ${r.totals.scored} scored in all`,
  );
  if (r.windows.length === 0) {
    lines.push("no scored records yet: `assay ingest FILE.jsonl` or POST /v1/records on `assay serve`");
    return lines.join("\n");
  }
  const shown = r.windows.slice(-lastWindows);
  const header = ["window", "n", ...r.dimensions];
  const rows = shown.map((w) => [
    `${w.start}${w.complete ? "" : " (open)"}`,
    String(w.n),
    ...r.dimensions.map((d) => cell(w.dimensions[d])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join("  ");
  lines.push("");
  if (r.windows.length > shown.length)
    lines.push(`(the last ${shown.length} of ${r.windows.length} windows)`);
  lines.push(fmt(header), ...rows.map(fmt));
  lines.push("");
  if (!r.reference.complete) {
    lines.push(
      `baseline: ${r.reference.windows} of ${r.reference.needed} reference windows so far; drift is tested once they are complete and a later window exists`,
    );
  } else {
    for (const c of r.cusum) {
      lines.push(
        `CUSUM ${c.dimension}: reference pass rate ${pct(c.p0)}, tuned for ${pct(c.p1)}; k = ${c.k.toFixed(2)} per ` +
          `${c.windowSize} records, h = ${c.h}; in-control ARL ${Number.isFinite(c.arl0) ? Math.round(c.arl0) : "∞"} ` +
          `windows, ARL at the shift ${Number.isFinite(c.arl1) ? c.arl1.toFixed(1) : "∞"}; now ${c.statistic.toFixed(2)}${c.open ? "  ALARM" : ""}`,
      );
    }
    for (const t of r.tests) {
      lines.push(
        `${t.kind === "ks" ? "KS" : "χ²"} ${t.name}: ${t.statistic.toFixed(3)}, p = ${t.p.toPrecision(3)}, Holm ${t.pAdjusted.toPrecision(3)}${t.alarm ? "  ALARM" : ""}`,
      );
    }
  }
  lines.push("");
  if (r.alerts.length === 0) lines.push("alerts: none open");
  for (const a of r.alerts) {
    const told = a.notifiedAt
      ? `notified ${a.notifiedAt}`
      : a.notifyError
        ? `not delivered: ${a.notifyError}`
        : "not notified";
    lines.push(
      `ALERT ${a.dimension} (${a.kind}) since window ${a.window}: statistic ${a.statistic.toFixed(3)}${a.p !== undefined ? `, p ${a.p.toPrecision(3)}` : ""}; ${told}`,
    );
  }
  if (r.closed.length > 0) lines.push(`closed this pass: ${r.closed.length}`);
  lines.push(
    `review queue: ${r.reviews.pending} pending (${r.reviews.added} added this pass) — \`assay records review\``,
  );
  return lines.join("\n");
}
