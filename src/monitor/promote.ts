import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { InputError } from "../config/errors.ts";
import { normalizeCase } from "../dataset/normalize.ts";
import { readRecords } from "../dataset/readers.ts";
import { countLines } from "../labels/promote.ts";
import type { ProductionStore, RecordReview, StoredRecord } from "../store/production.ts";
import { inputText } from "./check.ts";

/**
 * Failures become regression cases: confirmed reviews are appended to a JSONL dataset file as
 * cases tagged `source=production`, with provenance in `metadata.promotedFrom` (record id, time,
 * monitor, who confirmed it, why it was queued, the output users saw). A record whose input is a
 * near-duplicate of a case already in the file (or of one promoted in the same call) is refused
 * and reported: a regression set of twenty copies of one complaint measures one thing twenty times.
 *
 * Similarity: Jaccard of the sets of character trigrams of the normalised input text (lower case,
 * punctuation dropped, whitespace collapsed). It is cheap on long inputs (Levenshtein is
 * quadratic), insensitive to word order changes that keep the wording, and 1 for texts that differ
 * only in case, punctuation or spacing.
 */

export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function trigrams(text: string): Set<string> {
  const t = ` ${normaliseText(text)} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

export interface PromotedCase {
  recordId: string;
  caseId: string;
  line: number;
}

export interface RefusedCase {
  recordId: string;
  /** the case (in the file or promoted just before) it resembles */
  similarTo: string;
  similarity: number;
}

export interface PromoteRecordsResult {
  file: string;
  promoted: PromotedCase[];
  refused: RefusedCase[];
}

/** A case id from a record id: letters, digits, `._-` kept, the rest `-`. */
export function caseIdFor(recordId: string): string {
  return `prod-${recordId.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
}

export async function promoteRecords(opts: {
  store: ProductionStore;
  reviews: RecordReview[];
  file: string;
  /** refuse a record whose input is at least this similar to a case's (default 0.9) */
  similarity?: number;
  by?: string;
  now?: Date;
}): Promise<PromoteRecordsResult> {
  const { file } = opts;
  const threshold = opts.similarity ?? 0.9;
  const ext = extname(file).toLowerCase();
  if (ext !== ".jsonl" && ext !== ".ndjson") {
    throw new InputError("promote appends JSON Lines: give a .jsonl file", { file });
  }
  const known: Array<{ id: string; grams: Set<string> }> = [];
  const ids = new Set<string>();
  let lines = 0;
  if (existsSync(file)) {
    for await (const rec of readRecords(file)) {
      if ("error" in rec) throw rec.error;
      const raw = rec.raw as { id?: unknown; input?: unknown } | null;
      if (!raw || typeof raw !== "object") continue;
      const id = String(raw.id ?? "");
      ids.add(id);
      known.push({ id, grams: trigrams(inputText(raw.input)) });
    }
    const text = readFileSync(file, "utf8");
    lines = countLines(text);
    if (text.length > 0 && !text.endsWith("\n")) appendFileSync(file, "\n");
  } else {
    mkdirSync(dirname(file), { recursive: true });
  }
  const at = (opts.now ?? new Date()).toISOString();
  const result: PromoteRecordsResult = { file, promoted: [], refused: [] };
  const records = new Map(
    (await opts.store.getRecords(opts.reviews.map((r) => r.recordId))).map((r) => [r.id, r] as const),
  );
  for (const review of opts.reviews) {
    const record: StoredRecord | undefined = records.get(review.recordId);
    if (!record) continue;
    const grams = trigrams(inputText(record.input));
    let best: { id: string; s: number } | undefined;
    for (const k of known) {
      const s = jaccard(grams, k.grams);
      if (!best || s > best.s) best = { id: k.id, s };
    }
    if (best && best.s >= threshold) {
      result.refused.push({ recordId: record.id, similarTo: best.id, similarity: best.s });
      continue;
    }
    let caseId = caseIdFor(record.id);
    for (let i = 2; ids.has(caseId); i++) caseId = `${caseIdFor(record.id)}-${i}`;
    const tags: Record<string, string> = { source: "production", monitor: review.monitor };
    const line: Record<string, unknown> = {
      id: caseId,
      input: record.input,
      tags,
      metadata: {
        promotedFrom: {
          record: record.id,
          time: record.time,
          monitor: review.monitor,
          by: opts.by ?? review.by ?? null,
          reason: review.reason,
          detail: review.detail ?? null,
          output: typeof record.output === "string" ? record.output : JSON.stringify(record.output),
          at,
        },
      },
    };
    // the line must read back as a valid case before it is written
    normalizeCase(line, { file, line: lines + 1 });
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    lines++;
    ids.add(caseId);
    known.push({ id: caseId, grams });
    result.promoted.push({ recordId: record.id, caseId, line: lines });
    await opts.store.updateReview(record.id, review.monitor, {
      status: "promoted",
      promotedTo: `${file}#${caseId}`,
      decidedAt: at,
      ...(opts.by ? { by: opts.by } : {}),
    });
  }
  return result;
}
