import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { extname } from "node:path";
import { type Scale, scaleFromConfig } from "../calibrate/scale.ts";
import { InputError } from "../config/errors.ts";
import { type RawRecord, readRecords } from "../dataset/readers.ts";
import type { LabelRecord, RunRecord, Store } from "../store/types.ts";
import { isBlank, isLabelKind, LABEL_KINDS, type LabelKind, parseLabelValue } from "./values.ts";

/**
 * Importing human labels from CSV (header row), JSONL or a JSON list. One label per record:
 * `id` (the case id), `labeller`, `value`, and optionally `dimension`, `run`, `epoch` (required
 * only when the run has several epochs; else the run's only epoch), `comment`,
 * `kind`, `other_run` (pairwise), `created_at`. What a record leaves out comes from the options
 * (`--dimension`, `--labeller`, `--kind`, `--other-run`). An export (`assay labels export`) reads
 * back unchanged.
 *
 * Every record is checked before anything is stored: an error names file, line and field, and
 * then nothing from the file is stored. A label for an output the same labeller already labelled
 * (same run, case, epoch, dimension and other run) is stored as a new label that `supersedes`
 * the old one, so history is kept and the newest is current.
 */

const COLUMNS = new Set([
  "id",
  "labeller",
  "value",
  "dimension",
  "run",
  "epoch",
  "comment",
  "kind",
  "other_run",
  "otherRun",
  "created_at",
  "createdAt",
  // written by `labels export --history`; read and ignored
  "label_id",
  "supersedes",
  "current",
  "queue",
]);

export interface LabelImportOptions {
  run: RunRecord;
  file: string;
  dimension?: string;
  labeller?: string;
  kind?: LabelKind;
  /** pairwise: the run whose output was compared (b) */
  otherRunId?: string;
  /** validates ordinal and nominal values when given */
  scale?: Scale | null;
  now?: Date;
}

export interface LabelImportResult {
  file: string;
  added: LabelRecord[];
  /** new labels that replaced an earlier label of the same labeller (history kept) */
  superseding: number;
  byDimension: Record<string, number>;
  labellers: string[];
}

/** `label_key`: one labeller's judgment of one output on one dimension (against one other run). */
export function labelKey(
  l: Pick<LabelRecord, "caseId" | "epoch" | "dimension" | "labeller" | "otherRunId">,
): string {
  return [l.caseId, l.epoch, l.dimension, l.labeller, l.otherRunId ?? ""].join("\u0000");
}

/** A new label id: ordered by time, then by `seq` (file order within one import), unique. */
export function newLabelId(now: Date, seq = 0): string {
  return `lbl-${now.getTime().toString(36).padStart(9, "0")}-${String(seq).padStart(7, "0")}-${randomBytes(4).toString("hex")}`;
}

/** Undoes the spreadsheet-formula guard (`'=…`) that CSV exports put before risky cells. */
function unguard(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

function defaultKind(run: RunRecord, dimension: string): LabelKind {
  const d = run.dimensions[dimension];
  if (!d) return "binary";
  if (d.kind.includes("pairwise")) return "pairwise";
  const s = scaleFromConfig(d.with?.scale);
  return s?.kind === "ordinal" ? "ordinal" : "binary";
}

/** Reads, validates and stores the labels of one file. */
export async function importLabels(store: Store, opts: LabelImportOptions): Promise<LabelImportResult> {
  const { run, file } = opts;
  if (!existsSync(file)) throw new InputError("labels file not found", { file });
  const csv = extname(file).toLowerCase() === ".csv";
  const outputs = await store.listOutputs(run.id);
  const epochsByCase = new Map<string, Set<number>>();
  const runEpochs = new Set<number>();
  for (const o of outputs) {
    const set = epochsByCase.get(o.caseId) ?? new Set<number>();
    set.add(o.epoch);
    epochsByCase.set(o.caseId, set);
    runEpochs.add(o.epoch);
  }
  // A label without an epoch is for the run's only epoch; with several, it must say which.
  const onlyEpoch = runEpochs.size === 1 ? [...runEpochs][0] : undefined;
  const dimensions = Object.keys(run.dimensions);
  const current = new Map<string, LabelRecord>();
  for (const l of await store.listLabels({ runId: run.id })) current.set(labelKey(l), l);
  const knownRuns = new Map<string, boolean>([[run.id, true]]);
  const runExists = async (id: string) => {
    let ok = knownRuns.get(id);
    if (ok === undefined) {
      ok = (await store.getRun(id)) !== undefined;
      knownRuns.set(id, ok);
    }
    return ok;
  };

  const now = opts.now ?? new Date();
  const added: LabelRecord[] = [];
  let superseding = 0;
  let records: AsyncGenerator<RawRecord>;
  try {
    records = readRecords(file);
  } catch (err) {
    if (err instanceof InputError) {
      throw new InputError(`unsupported labels format "${extname(file)}" (use .csv, .jsonl or .json)`, {
        file,
      });
    }
    throw err;
  }
  for await (const rec of records) {
    if ("error" in rec) throw rec.error;
    const line = rec.source.line;
    const fail = (field: string | undefined, message: string) =>
      new InputError(message, { file, line, field });
    if (rec.raw === null || typeof rec.raw !== "object" || Array.isArray(rec.raw)) {
      throw fail(undefined, "a label must be an object with id, labeller and value");
    }
    const r: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec.raw as Record<string, unknown>)) {
      if (!COLUMNS.has(k)) {
        throw fail(
          k,
          `unknown column (a label has id, labeller, value, dimension, run, epoch, comment, kind, other_run)`,
        );
      }
      r[k] = csv && typeof v === "string" ? unguard(v) : v;
    }
    const text = (field: string): string | undefined => {
      const v = r[field];
      if (isBlank(v)) return undefined;
      if (typeof v !== "string" && typeof v !== "number") throw fail(field, "must be text");
      return String(v).trim();
    };

    const caseId = text("id");
    if (caseId === undefined) throw fail("id", "required: the id of the case whose output was labelled");
    const runRef = text("run");
    if (runRef !== undefined && runRef !== run.id) {
      throw fail("run", `label is for run "${runRef}", but the import is into run ${run.id}`);
    }
    const epochs = epochsByCase.get(caseId);
    if (!epochs) throw fail("id", `unknown case id "${caseId}" for run ${run.id} (no output stored for it)`);
    let epoch: number;
    const epochText = text("epoch");
    if (epochText !== undefined) {
      epoch = Number(epochText);
      if (!Number.isInteger(epoch) || epoch < 0)
        throw fail("epoch", `must be a whole number ≥ 0 (got "${epochText}")`);
    } else if (onlyEpoch !== undefined) {
      epoch = onlyEpoch;
    } else {
      const all = [...runEpochs].sort((a, b) => a - b).join(", ");
      throw fail(
        "epoch",
        `required: run ${run.id} has ${runEpochs.size} epochs (${all}), so a label must say which output it is for (an epoch column)`,
      );
    }
    if (!epochs.has(epoch)) {
      throw fail(
        "epoch",
        `run ${run.id} has no output of case "${caseId}" at epoch ${epoch} (epochs: ${[...epochs].sort((a, b) => a - b).join(", ")})`,
      );
    }

    const dimension =
      text("dimension") ?? opts.dimension ?? (dimensions.length === 1 ? dimensions[0] : undefined);
    if (dimension === undefined) {
      throw fail(
        "dimension",
        `required: give a dimension column or --dimension (run dimensions: ${dimensions.join(", ")})`,
      );
    }
    if (!run.dimensions[dimension]) {
      throw fail(
        "dimension",
        `run ${run.id} has no dimension "${dimension}" (dimensions: ${dimensions.join(", ")})`,
      );
    }
    const labeller = text("labeller") ?? opts.labeller;
    if (labeller === undefined) throw fail("labeller", "required: give a labeller column or --labeller NAME");

    const kindText = text("kind");
    if (kindText !== undefined && !isLabelKind(kindText)) {
      throw fail("kind", `"${kindText}" is not a label kind (${LABEL_KINDS.join(", ")})`);
    }
    const kind: LabelKind = (kindText as LabelKind | undefined) ?? opts.kind ?? defaultKind(run, dimension);
    const scale =
      opts.scale ?? (kind === "ordinal" ? scaleFromConfig(run.dimensions[dimension].with?.scale) : null);
    const parsed = parseLabelValue(kind, r.value, scale);
    if (!parsed.ok) throw fail("value", parsed.message);

    const label: LabelRecord = {
      id: newLabelId(now, added.length),
      runId: run.id,
      caseId,
      epoch,
      dimension,
      kind,
      value: parsed.value,
      labeller,
      createdAt: now.toISOString(),
    };
    const otherRun = text("other_run") ?? text("otherRun") ?? opts.otherRunId;
    if (kind === "pairwise") {
      if (otherRun === undefined) {
        throw fail(
          "other_run",
          "required for pairwise labels: the run whose output was compared (--other-run RUN)",
        );
      }
      if (!(await runExists(otherRun))) throw fail("other_run", `no run "${otherRun}"`);
      label.otherRunId = otherRun;
    } else if (otherRun !== undefined) {
      throw fail("other_run", `only pairwise labels compare with another run (this label is ${kind})`);
    }
    const comment = r.comment;
    if (!isBlank(comment)) {
      if (typeof comment !== "string") throw fail("comment", "must be text");
      label.comment = comment;
    }
    const at = text("created_at") ?? text("createdAt");
    if (at !== undefined) {
      const t = Date.parse(at);
      if (Number.isNaN(t)) throw fail("created_at", `"${at}" is not a date and time (ISO 8601)`);
      label.createdAt = new Date(t).toISOString();
    }
    const key = labelKey(label);
    const previous = current.get(key);
    if (previous) {
      label.supersedes = previous.id;
      superseding++;
    }
    current.set(key, label);
    added.push(label);
  }
  if (added.length === 0) throw new InputError("no labels in the file", { file });
  await store.addLabels(added);
  const byDimension: Record<string, number> = {};
  for (const l of added) byDimension[l.dimension] = (byDimension[l.dimension] ?? 0) + 1;
  return {
    file,
    added,
    superseding,
    byDimension,
    labellers: [...new Set(added.map((l) => l.labeller))].sort(),
  };
}
