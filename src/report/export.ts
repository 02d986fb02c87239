import type { RunRecord, StoredCase, StoredOutput, StoredScore } from "../store/types.ts";

/** Row-level exports of a run: one row per (case, epoch), a column per dimension. */

export interface ExportInput {
  run: RunRecord;
  cases: StoredCase[];
  outputs: StoredOutput[];
  scores: StoredScore[];
}

interface Row {
  c: StoredCase | undefined;
  o: StoredOutput;
  scores: Map<string, StoredScore>;
}

function joinRows({ cases, outputs, scores }: ExportInput): Row[] {
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const byKey = new Map<string, Map<string, StoredScore>>();
  for (const s of scores) {
    const key = `${s.caseId}\u0000${s.epoch}`;
    const m = byKey.get(key) ?? new Map<string, StoredScore>();
    byKey.set(key, m);
    m.set(s.dimension, s);
  }
  return outputs
    .map((o) => ({
      c: caseById.get(o.caseId),
      o,
      scores: byKey.get(`${o.caseId}\u0000${o.epoch}`) ?? new Map(),
    }))
    .sort((a, b) => (a.c?.ordinal ?? 0) - (b.c?.ordinal ?? 0) || a.o.epoch - b.o.epoch);
}

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with '. */
export function csvCell(value: unknown): string {
  let s =
    value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function exportCsv(input: ExportInput): string {
  const dims = Object.keys(input.run.dimensions);
  const tagKeys = [...new Set(input.cases.flatMap((c) => Object.keys(c.tags)))].sort();
  const header = [
    "id",
    "epoch",
    ...tagKeys.map((k) => `tags.${k}`),
    "output",
    "error",
    "latency_ms",
    "cost_usd",
    ...dims.flatMap((d) => [`${d}.score`, `${d}.passed`, `${d}.reason`]),
  ];
  const lines = [header.map(csvCell).join(",")];
  for (const { c, o, scores } of joinRows(input)) {
    const cells: unknown[] = [
      o.caseId,
      o.epoch,
      ...tagKeys.map((k) => c?.tags[k] ?? ""),
      o.text,
      o.error ? `${o.error.class}: ${o.error.message}` : "",
      o.latencyMs,
      o.costUsd ?? "",
    ];
    for (const d of dims) {
      const s = scores.get(d);
      cells.push(s?.score ?? "", s?.passed === null || s === undefined ? "" : s.passed, s?.reason ?? "");
    }
    lines.push(cells.map(csvCell).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function exportJsonl(input: ExportInput): string {
  const lines = joinRows(input).map(({ c, o, scores }) =>
    JSON.stringify({
      run: input.run.id,
      id: o.caseId,
      epoch: o.epoch,
      input: c?.input,
      expected: c?.expected,
      tags: c?.tags,
      output: o.json ?? o.text,
      error: o.error ?? null,
      latencyMs: o.latencyMs,
      usage: o.usage ?? null,
      costUsd: o.costUsd ?? null,
      scores: Object.fromEntries(
        [...scores.values()].map((s) => [
          s.dimension,
          { score: s.score, passed: s.passed, reason: s.reason, evaluator: s.evaluator },
        ]),
      ),
    }),
  );
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** JUnit XML: a testsuite per dimension, a testcase per (case, epoch); unscored is skipped, errors are errors. */
export function exportJunit(input: ExportInput): string {
  const rows = joinRows(input);
  const suites: string[] = [];
  for (const [dim] of Object.entries(input.run.dimensions)) {
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    const cases: string[] = [];
    for (const { o, scores } of rows) {
      const name = xmlEscape(input.run.epochs > 1 ? `${o.caseId}#${o.epoch}` : o.caseId);
      const time = (o.latencyMs / 1000).toFixed(3);
      const open = `    <testcase classname="${xmlEscape(`${input.run.suite}.${dim}`)}" name="${name}" time="${time}"`;
      const s = scores.get(dim);
      if (o.error) {
        errors++;
        cases.push(
          `${open}><error type="${xmlEscape(o.error.class)}" message="${xmlEscape(o.error.message)}"/></testcase>`,
        );
      } else if (!s || s.score === null) {
        skipped++;
        cases.push(`${open}><skipped message="${xmlEscape(s?.reason ?? "not scored")}"/></testcase>`);
      } else if (!s.passed) {
        failures++;
        const msg = `score ${s.score.toFixed(3)}: ${s.reason}`;
        cases.push(`${open}><failure message="${xmlEscape(msg)}"/></testcase>`);
      } else {
        cases.push(`${open}/>`);
      }
    }
    suites.push(
      `  <testsuite name="${xmlEscape(`${input.run.suite}.${dim}`)}" tests="${rows.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${cases.join("\n")}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(`${input.run.suite} ${input.run.target}`)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
