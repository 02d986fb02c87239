import { extname } from "node:path";
import { InputError } from "../config/errors.ts";
import { readRecords } from "../dataset/readers.ts";
import type { ProductionRecord, ProductionStore } from "../store/production.ts";
import { parseRecord, RecordError } from "./parse.ts";

/**
 * `assay ingest FILE.jsonl`: production records into the store, streamed.
 *
 * Two passes over the file, each line by line, so memory stays bounded whatever its size: the
 * first checks every line (a bad one stops the ingest before anything is written, naming its line
 * and field), the second writes in batches. A record whose id is already stored is skipped and
 * counted, never stored twice; so an ingest cut short is finished by running it again.
 */

export interface IngestOptions {
  /** the records belong to this monitor only */
  monitor?: string;
  /** records per write (default 500) */
  batchSize?: number;
  now?: () => Date;
  onProgress?: (done: number) => void;
}

export interface IngestResult {
  file: string;
  read: number;
  inserted: number;
  duplicates: number;
}

async function* checkedRecords(
  file: string,
  monitor: string | undefined,
): AsyncGenerator<{ record: ProductionRecord; line: number }> {
  for await (const rec of readRecords(file)) {
    if ("error" in rec) throw rec.error;
    try {
      const record = parseRecord(rec.raw, "jsonl");
      if (monitor) record.monitor = monitor;
      yield { record, line: rec.source.line };
    } catch (err) {
      if (err instanceof RecordError) throw new InputError(err.message, { ...rec.source, field: err.field });
      throw err;
    }
  }
}

export async function ingestFile(
  store: ProductionStore,
  file: string,
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const ext = extname(file).toLowerCase();
  if (ext !== ".jsonl" && ext !== ".ndjson") {
    throw new InputError("records are JSON Lines, one record per line: give a .jsonl file", { file });
  }
  let read = 0;
  for await (const _ of checkedRecords(file, opts.monitor)) read++;

  const batchSize = opts.batchSize ?? 500;
  const now = opts.now ?? (() => new Date());
  let inserted = 0;
  let duplicates = 0;
  let done = 0;
  let batch: ProductionRecord[] = [];
  const flush = async () => {
    const r = await store.putRecords(batch, now().toISOString());
    inserted += r.inserted;
    duplicates += r.duplicates;
    done += batch.length;
    batch = [];
    opts.onProgress?.(done);
  };
  for await (const { record } of checkedRecords(file, opts.monitor)) {
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return { file, read, inserted, duplicates };
}

/**
 * Records sent in one request (`POST /v1/records`): a JSON array or JSON Lines. Every record is
 * checked before any is written; the error names the record's position and field.
 */
export function parseRecordsBody(
  text: string,
  source: ProductionRecord["source"] = "api",
): ProductionRecord[] {
  const trimmed = text.trim();
  if (trimmed === "")
    throw new RecordError("the body is empty: send a JSON array of records or JSON Lines", "(body)");
  let items: Array<{ raw: unknown; where: string }>;
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new RecordError(`malformed JSON: ${(err as Error).message}`, "(body)");
    }
    items = (parsed as unknown[]).map((raw, i) => ({ raw, where: `[${i}]` }));
  } else {
    items = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      try {
        items.push({ raw: JSON.parse(lines[i]), where: `line ${i + 1}` });
      } catch (err) {
        throw new RecordError(`malformed JSON: ${(err as Error).message}`, "(body)", `line ${i + 1}`);
      }
    }
  }
  return items.map(({ raw, where }) => {
    try {
      return parseRecord(raw, source);
    } catch (err) {
      if (err instanceof RecordError) throw new RecordError(err.message, err.field, where);
      throw err;
    }
  });
}
