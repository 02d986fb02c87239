import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { InputError } from "../config/errors.ts";
import { type DatasetSummary, summarizeDataset } from "../dataset/dataset.ts";
import { normalizeCase } from "../dataset/normalize.ts";
import { readRecords } from "../dataset/readers.ts";
import type { RunRecord, Store } from "../store/types.ts";

/**
 * Promotion: a failing output becomes a regression case. The case (input, expected, tags) is
 * appended as one JSONL line to a dataset file, tagged `source=failure`, with provenance in
 * `metadata.promotedFrom` (run, case, epoch, the output, the label, when). A case id already in
 * the file is refused (naming its line) so the regression set never holds two versions of a case.
 */

export interface PromoteOptions {
  run: RunRecord;
  caseId: string;
  file: string;
  /** why it is promoted (e.g. "wrong action"); default: none */
  label?: string;
  /** the output's epoch (default: the first stored) */
  epoch?: number;
  /** id of the new case (default: the case's id) */
  id?: string;
  /** a corrected expected value (default: the case's) */
  expected?: unknown;
  now?: Date;
}

export interface PromoteResult {
  file: string;
  id: string;
  line: number;
  record: Record<string, unknown>;
  before: DatasetSummary | null;
  after: DatasetSummary;
}

/** The ids already in a JSONL dataset file and their lines (a malformed line is an error naming it). */
async function idsInFile(file: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for await (const rec of readRecords(file)) {
    if ("error" in rec) throw rec.error;
    const raw = rec.raw as { id?: unknown } | null;
    if (raw && typeof raw === "object" && (typeof raw.id === "string" || typeof raw.id === "number")) {
      const id = String(raw.id).trim();
      if (!ids.has(id)) ids.set(id, rec.source.line);
    }
  }
  return ids;
}

/** Lines in a file's text (a last line without a newline counts). */
export function countLines(text: string): number {
  if (text === "") return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

export async function promoteCase(store: Store, opts: PromoteOptions): Promise<PromoteResult> {
  const { run, caseId, file } = opts;
  const ext = extname(file).toLowerCase();
  if (ext !== ".jsonl" && ext !== ".ndjson") {
    throw new InputError("promote appends JSON Lines: give a .jsonl file", { file });
  }
  const cases = await store.listCases(run.datasetVersion);
  const c = cases.find((x) => x.id === caseId);
  if (!c) throw new InputError(`run ${run.id} has no case "${caseId}"`, { field: "case" });
  const outputs = (await store.listOutputs(run.id)).filter((o) => o.caseId === caseId);
  outputs.sort((a, b) => a.epoch - b.epoch);
  const output = opts.epoch === undefined ? outputs[0] : outputs.find((o) => o.epoch === opts.epoch);
  if (!output) {
    throw new InputError(
      `run ${run.id} has no output for case "${caseId}"${opts.epoch === undefined ? "" : ` at epoch ${opts.epoch}`}`,
      { field: "case" },
    );
  }
  const id = opts.id ?? c.id;
  const exists = existsSync(file);
  let before: DatasetSummary | null = null;
  let lines = 0;
  if (exists) {
    const ids = await idsInFile(file);
    const at = ids.get(id);
    if (at !== undefined) {
      throw new InputError(`case "${id}" is already in this file (promote it under another id with --id)`, {
        file,
        line: at,
        field: "id",
      });
    }
    before = await summarizeDataset([file]);
    lines = countLines(readFileSync(file, "utf8"));
  }
  const at = (opts.now ?? new Date()).toISOString();
  const record: Record<string, unknown> = { id, input: c.input };
  const expected = opts.expected !== undefined ? opts.expected : c.expected;
  if (expected !== undefined) record.expected = expected;
  record.tags = { ...c.tags, source: "failure" };
  if (c.cluster !== undefined) record.cluster = c.cluster;
  const promotedOutput: Record<string, unknown> = { epoch: output.epoch, text: output.text };
  if (output.error) promotedOutput.error = output.error.class;
  record.metadata = {
    promotedFrom: {
      run: run.id,
      case: c.id,
      output: promotedOutput,
      label: opts.label ?? null,
      at,
    },
  };
  // the record must read back as a valid case before it is written
  normalizeCase(record, { file, line: lines + 1 });
  if (exists) {
    const text = readFileSync(file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) appendFileSync(file, "\n");
  } else {
    mkdirSync(dirname(file), { recursive: true });
  }
  appendFileSync(file, `${JSON.stringify(record)}\n`);
  const after = await summarizeDataset([file]);
  return { file, id, line: lines + 1, record, before, after };
}
