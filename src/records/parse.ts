import type { Trace, Usage } from "../core/output.ts";
import type { ProductionRecord } from "../store/production.ts";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { hashValue } from "../util/hash.ts";

/**
 * One production record from outside (a JSONL line of `assay ingest`, an element of a
 * `POST /v1/records` body): checked field by field, so a bad line is refused with the field it got
 * wrong, and normalised (time to UTC ISO 8601, an id derived when none is given).
 *
 * Unknown keys are refused rather than dropped: a misspelt `metdata` would otherwise silently lose
 * the slices a monitor filters on.
 */

export const RECORD_KEYS = [
  "id",
  "time",
  "input",
  "output",
  "trace",
  "metadata",
  "model",
  "usage",
  "latencyMs",
  "costUsd",
] as const;

/** A record that cannot be taken, with the field at fault (`metadata.app`, `time`, …). */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly field: string,
    /** which record of a request (`line 3`, `[2]`), when a body holds several */
    readonly position?: string,
  ) {
    super(message);
    this.name = "RecordError";
  }

  /** `line 3: metadata.app: expected …` */
  describe(): string {
    return `${this.position ? `${this.position}: ` : ""}${this.field}: ${this.message}`;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 text (a date, or date and time with an optional offset; no offset = UTC) → UTC ISO. */
export function normaliseTime(value: unknown, field = "time"): string {
  if (typeof value !== "string" || !ISO_8601.test(value.trim())) {
    throw new RecordError(
      `expected an ISO 8601 time such as 2026-12-07T10:15:00Z, got ${JSON.stringify(value)}`,
      field,
    );
  }
  let text = value.trim().replace(" ", "T");
  // a time without an offset is UTC (Date would read it as local time)
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += "Z";
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new RecordError(`not a real date: ${JSON.stringify(value)}`, field);
  return new Date(ms).toISOString();
}

function nonNegative(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RecordError(`expected a number ≥ 0, got ${JSON.stringify(v)}`, field);
  }
  return v;
}

function parseUsage(v: unknown): Usage {
  if (!isPlainObject(v)) throw new RecordError("expected {inputTokens, outputTokens}", "usage");
  for (const k of Object.keys(v)) {
    if (k !== "inputTokens" && k !== "outputTokens" && k !== "cachedTokens") {
      throw new RecordError(
        `unknown key "${k}"${didYouMeanSuffix(k, ["inputTokens", "outputTokens", "cachedTokens"])}`,
        `usage.${k}`,
      );
    }
  }
  const usage: Usage = {
    inputTokens: Math.round(nonNegative(v.inputTokens ?? 0, "usage.inputTokens")),
    outputTokens: Math.round(nonNegative(v.outputTokens ?? 0, "usage.outputTokens")),
  };
  if (v.cachedTokens !== undefined)
    usage.cachedTokens = Math.round(nonNegative(v.cachedTokens, "usage.cachedTokens"));
  return usage;
}

function parseMetadata(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new RecordError("expected an object of key → value", "metadata");
  for (const [k, value] of Object.entries(v)) {
    const t = typeof value;
    if (value !== null && t !== "string" && t !== "number" && t !== "boolean") {
      throw new RecordError(
        `metadata values are strings, numbers or booleans (filters and slices match on them), got ${Array.isArray(value) ? "an array" : t}`,
        `metadata.${k}`,
      );
    }
  }
  return v;
}

function parseTrace(v: unknown): Trace {
  if (!isPlainObject(v)) throw new RecordError("expected an object {messages?, toolCalls?, steps?}", "trace");
  for (const k of ["messages", "toolCalls", "steps"] as const) {
    if (v[k] !== undefined && !Array.isArray(v[k])) throw new RecordError("expected a list", `trace.${k}`);
  }
  return v as Trace;
}

/** An id for a record that brings none: a hash of what it says, so ingesting it twice stores it once. */
export function derivedRecordId(r: {
  time: string;
  input: unknown;
  output: unknown;
  metadata: unknown;
}): string {
  return `r-${hashValue([r.time, r.input, r.output, r.metadata], 20)}`;
}

export function parseRecord(raw: unknown, source: ProductionRecord["source"]): ProductionRecord {
  if (!isPlainObject(raw)) {
    throw new RecordError(
      `a record is a JSON object {id, time, input, output, metadata?, …}, got ${Array.isArray(raw) ? "an array" : raw === null ? "null" : typeof raw}`,
      "(record)",
    );
  }
  for (const k of Object.keys(raw)) {
    if (!(RECORD_KEYS as readonly string[]).includes(k)) {
      throw new RecordError(`unknown key "${k}"${didYouMeanSuffix(k, RECORD_KEYS)}`, k);
    }
  }
  if (raw.time === undefined) throw new RecordError("missing: each record needs its time (ISO 8601)", "time");
  const time = normaliseTime(raw.time);
  if (raw.input === undefined) throw new RecordError("missing: the input the application received", "input");
  if (raw.output === undefined) throw new RecordError("missing: the output users saw", "output");
  const metadata = parseMetadata(raw.metadata);
  let id: string;
  if (raw.id === undefined || raw.id === null) {
    id = derivedRecordId({ time, input: raw.input, output: raw.output, metadata });
  } else if ((typeof raw.id === "string" && raw.id.trim() !== "") || typeof raw.id === "number") {
    id = String(raw.id).trim();
  } else {
    throw new RecordError(`expected a non-empty string or a number, got ${JSON.stringify(raw.id)}`, "id");
  }
  const record: ProductionRecord = { id, time, input: raw.input, output: raw.output, metadata, source };
  if (raw.trace !== undefined && raw.trace !== null) record.trace = parseTrace(raw.trace);
  if (raw.model !== undefined && raw.model !== null) {
    if (typeof raw.model !== "string") throw new RecordError("expected a string", "model");
    record.model = raw.model;
  }
  if (raw.usage !== undefined && raw.usage !== null) record.usage = parseUsage(raw.usage);
  if (raw.latencyMs !== undefined && raw.latencyMs !== null)
    record.latencyMs = nonNegative(raw.latencyMs, "latencyMs");
  if (raw.costUsd !== undefined && raw.costUsd !== null) record.costUsd = nonNegative(raw.costUsd, "costUsd");
  return record;
}
