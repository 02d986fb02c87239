import { csvCell } from "../report/export.ts";
import type { LabelRecord } from "../store/types.ts";

/**
 * Exporting labels as CSV or JSONL, in the columns `assay labels import` reads:
 * `id, labeller, value, dimension, run, epoch, comment, kind, other_run, created_at`, and with
 * history also `label_id, supersedes, current` (superseded labels included, oldest first).
 */

export type LabelExportFormat = "csv" | "jsonl";

const COLUMNS = [
  "id",
  "labeller",
  "value",
  "dimension",
  "run",
  "epoch",
  "comment",
  "kind",
  "other_run",
  "created_at",
];
const HISTORY_COLUMNS = ["label_id", "supersedes", "current"];

function row(l: LabelRecord, history: boolean, current: boolean): Record<string, string | number | boolean> {
  const r: Record<string, string | number | boolean> = {
    id: l.caseId,
    labeller: l.labeller,
    value: l.value,
    dimension: l.dimension,
    run: l.runId,
    epoch: l.epoch,
  };
  if (l.comment !== undefined) r.comment = l.comment;
  r.kind = l.kind;
  if (l.otherRunId !== undefined) r.other_run = l.otherRunId;
  r.created_at = l.createdAt;
  if (history) {
    r.label_id = l.id;
    if (l.supersedes !== undefined) r.supersedes = l.supersedes;
    r.current = current;
  }
  return r;
}

export function exportLabels(labels: LabelRecord[], format: LabelExportFormat, history = false): string {
  const superseded = new Set(labels.map((l) => l.supersedes).filter((id): id is string => id !== undefined));
  const rows = labels.map((l) => row(l, history, !superseded.has(l.id)));
  if (format === "jsonl") return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  const columns = history ? [...COLUMNS, ...HISTORY_COLUMNS] : COLUMNS;
  const lines = [columns.join(",")];
  for (const r of rows)
    lines.push(columns.map((c) => csvCell(r[c] === undefined ? "" : String(r[c]))).join(","));
  return `${lines.join("\n")}\n`;
}
