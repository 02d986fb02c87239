import { tempDir } from "../support/temp.ts";

/**
 * A suite folder with monitors over production records: `format` (json-valid) and `polite`
 * (regex), records whose output is JSON with "thanks" when good and plain text when bad.
 */

export interface RecordSpec {
  /** how many records */
  n: number;
  /** index → whether the record's output is bad (fails both dimensions) */
  bad?: (i: number) => boolean;
  /** minutes between records (default 1) */
  everyMinutes?: number;
  start?: string;
  idPrefix?: string;
  metadata?: (i: number) => Record<string, unknown>;
}

export function records(spec: RecordSpec): Array<Record<string, unknown>> {
  const start = Date.parse(spec.start ?? "2026-12-01T00:00:00Z");
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < spec.n; i++) {
    const bad = spec.bad?.(i) ?? false;
    out.push({
      id: `${spec.idPrefix ?? "r"}${i}`,
      time: new Date(start + i * (spec.everyMinutes ?? 1) * 60_000).toISOString(),
      input: `please summarise ticket number ${i % 7}`,
      output: bad ? "I cannot do that" : JSON.stringify({ summary: `ticket ${i % 7}`, note: "thanks" }),
      metadata: { app: "triage", ...(spec.metadata?.(i) ?? {}) },
      latencyMs: 100 + (i % 10),
    });
  }
  return out;
}

export function monitorSuite(
  opts: { monitorYaml?: string; extraDimensions?: string; targets?: string } = {},
) {
  const tmp = tempDir("assay-monitor-");
  tmp.write("cases.jsonl", `${JSON.stringify({ id: "c1", input: "x" })}\n`);
  tmp.write(
    "assay.yaml",
    [
      "suite: monitor-test",
      "dataset: cases.jsonl",
      "targets:",
      opts.targets ??
        "  - id: echo\n    exec: [node, -e, 'process.stdout.write(JSON.stringify({output: \"x\"}))']",
      "dimensions:",
      "  format: { evaluator: json-valid }",
      '  polite: { evaluator: regex, with: { pattern: "(?i)thanks" } }',
      ...(opts.extraDimensions ? [opts.extraDimensions] : []),
      "monitors:",
      opts.monitorYaml ??
        [
          "  prod:",
          "    filter: { app: triage }",
          "    window: 20",
          "    dimensions: [format, polite]",
          "    reference: { windows: 3 }",
        ].join("\n"),
      "",
    ].join("\n"),
  );
  return tmp;
}
