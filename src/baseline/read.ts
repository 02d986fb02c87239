import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { InputError } from "../config/errors.ts";
import type { StoredCase, StoredOutput, StoredScore } from "../store/types.ts";
import { resultKey } from "../store/types.ts";
import { safeJsonParse } from "../util/json.ts";
import {
  BASELINE_FORMAT,
  BASELINE_VERSION,
  type BaselineHeader,
  headerSchema,
  type RecordKind,
  recordSchemas,
} from "./format.ts";

/** A baseline file, read and checked: every record belongs to the header's run. */
export interface BaselineFile {
  file: string;
  header: BaselineHeader;
  cases: Array<{ case: Omit<StoredCase, "datasetVersion" | "ordinal">; ordinal: number }>;
  outputs: StoredOutput[];
  scores: StoredScore[];
}

const KINDS = Object.keys(recordSchemas) as RecordKind[];

/**
 * Reads a file written by `assay baseline export`. Every problem is an InputError naming the file,
 * the line and the field (`baseline.jsonl:17 output.epoch: expected number, got string`); a file
 * whose records do not add up to the header's counts (truncated, or edited) is refused whole.
 */
export async function readBaselineFile(file: string): Promise<BaselineFile> {
  if (!existsSync(file)) throw new InputError("baseline file not found", { file });
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let header: BaselineHeader | undefined;
  const result: Omit<BaselineFile, "header"> = { file, cases: [], outputs: [], scores: [] };
  const caseIds = new Map<string, number>();
  const outputKeys = new Map<string, number>();
  const scoreKeys = new Set<string>();
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    const at = (message: string, field?: string) => new InputError(message, { file, line, field });
    let value: unknown;
    try {
      value = safeJsonParse(text);
    } catch (err) {
      throw at(`malformed JSON: ${(err as Error).message}`);
    }
    if (header === undefined) {
      header = parseHeader(value, at);
      continue;
    }
    const runId = header.run.id;
    const kind = recordKind(value, at);
    const record = parseWith(recordSchemas[kind], (value as Record<string, unknown>)[kind], kind, at);
    if (kind === "case") {
      const { ordinal, ...c } = record as z.output<typeof recordSchemas.case>;
      const first = caseIds.get(c.id);
      if (first !== undefined) throw at(`duplicate case "${c.id}" (first at line ${first})`, "case.id");
      caseIds.set(c.id, line);
      result.cases.push({ case: c as BaselineFile["cases"][number]["case"], ordinal });
    } else if (kind === "output") {
      const o = record as z.output<typeof recordSchemas.output>;
      const key = resultKey(o.caseId, o.epoch);
      if (!caseIds.has(o.caseId)) throw at(`no case "${o.caseId}" before this line`, "output.caseId");
      if (o.epoch > header.run.epochs)
        throw at(`epoch ${o.epoch} of a run with ${header.run.epochs} epochs`, "output.epoch");
      if (outputKeys.has(key)) {
        throw at(
          `duplicate output for case "${o.caseId}" epoch ${o.epoch} (first at line ${outputKeys.get(key)})`,
          "output",
        );
      }
      outputKeys.set(key, line);
      result.outputs.push({ ...(o as Omit<StoredOutput, "runId">), runId });
    } else {
      const s = record as z.output<typeof recordSchemas.score>;
      if (!header.scoreSets.some((set) => set.id === s.scoreSet)) {
        throw at(
          `score set ${s.scoreSet} is not in the header (sets: ${header.scoreSets.map((set) => set.id).join(", ")})`,
          "score.scoreSet",
        );
      }
      if (!outputKeys.has(resultKey(s.caseId, s.epoch)))
        throw at(`no output for case "${s.caseId}" epoch ${s.epoch} before this line`, "score.caseId");
      const key = `${s.scoreSet}\u0000${resultKey(s.caseId, s.epoch)}\u0000${s.dimension}`;
      if (scoreKeys.has(key)) throw at(`duplicate score of "${s.dimension}" in set ${s.scoreSet}`, "score");
      scoreKeys.add(key);
      result.scores.push({ ...(s as Omit<StoredScore, "runId">), runId });
    }
  }
  if (header === undefined) throw new InputError("empty file: not an assay baseline", { file });
  const found = { cases: result.cases.length, outputs: result.outputs.length, scores: result.scores.length };
  for (const k of ["cases", "outputs", "scores"] as const) {
    if (found[k] !== header.counts[k]) {
      throw new InputError(
        `the header counts ${header.counts[k]} ${k} but the file holds ${found[k]}: it is truncated or was edited; export it again`,
        { file, field: `counts.${k}` },
      );
    }
  }
  return { header, ...result };
}

type ErrorAt = (message: string, field?: string) => InputError;

function parseHeader(value: unknown, at: ErrorAt): BaselineHeader {
  const v = value as Record<string, unknown> | null;
  if (v === null || typeof v !== "object" || v.format !== BASELINE_FORMAT) {
    throw at(`not an assay baseline file (its first line has no "format": "${BASELINE_FORMAT}")`, "format");
  }
  if (typeof v.version === "number" && v.version > BASELINE_VERSION) {
    throw at(
      `written by a newer assay (format version ${v.version}; this one reads version ${BASELINE_VERSION})`,
      "version",
    );
  }
  const header = parseWith(headerSchema, value, "", at) as unknown as BaselineHeader;
  if (!header.scoreSets.some((s) => s.id === header.run.scoreSet)) {
    throw at(`the run's current score set ${header.run.scoreSet} is not in scoreSets`, "run.scoreSet");
  }
  return header;
}

function recordKind(value: unknown, at: ErrorAt): RecordKind {
  const keys = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
  const kind = keys.length === 1 ? KINDS.find((k) => k === keys[0]) : undefined;
  if (!kind) throw at(`expected one of ${KINDS.map((k) => `{"${k}": …}`).join(", ")}`);
  return kind;
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: string, at: ErrorAt): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== "").join(".");
  const keys = issue.code === "unrecognized_keys" ? `.${issue.keys[0]}` : "";
  throw at(issue.message, `${path}${keys}` || undefined);
}
