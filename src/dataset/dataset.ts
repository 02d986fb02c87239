import { createHash, hash } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../config/errors.ts";
import type { CaseSource, SourcedCase } from "../core/case.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { normalizeCase } from "./normalize.ts";
import { type RawRecord, readRecordBatches } from "./readers.ts";
import { cacheFileFor, lookup, settled, stampFiles, store } from "./summary-cache.ts";

export interface ReadOptions {
  /** continue past malformed lines and duplicate ids instead of stopping at the first */
  skipInvalid?: boolean;
  /** told of every skipped record (only with skipInvalid) */
  onInvalid?: (error: InputError) => void;
  /**
   * Asked before each record: true once the ids are known to be unique (the dataset's summary,
   * computed alongside, found no duplicate), and the ids seen so far need not be remembered.
   */
  idsKnownUnique?: () => boolean;
}

export function resolveDatasetFiles(dataset: string | string[], baseDir: string): string[] {
  const files = (Array.isArray(dataset) ? dataset : [dataset]).map((f) => resolve(baseDir, f));
  for (const file of files) {
    if (!existsSync(file)) throw new InputError("dataset file not found", { file });
  }
  return files;
}

/**
 * Streams valid cases from one or more files in order. Every error names its file and line;
 * a duplicate id names both lines. Memory holds only the ids seen so far.
 */
export async function* readDataset(files: string[], opts: ReadOptions = {}): AsyncGenerator<SourcedCase> {
  const check = caseChecker(opts);
  for (const file of files) {
    for await (const batch of readRecordBatches(file)) {
      for (const rec of batch) {
        const sc = check(rec);
        if (sc !== undefined) yield sc;
      }
    }
  }
}

/**
 * Normalises each raw record and refuses a second use of an id: returns the case, or undefined
 * for a record skipped with skipInvalid (told to onInvalid); without skipInvalid, throws.
 */
function caseChecker(opts: ReadOptions): (rec: RawRecord) => SourcedCase | undefined {
  // Where each id was first seen, as one small integer: the line, counted on from the lines of
  // the files before (files are read one after another). No object per case is kept, and the
  // number stays a V8 small integer (a line × file-slot encoding made a 16-byte heap number per
  // case past line 2,048: 1.6 MB at 100k cases).
  const seen = new Map<string, number>();
  // each file read so far, with the count of lines before it; `linesSeen` is the last place given
  const files: Array<{ file: string; firstLine: number }> = [];
  let linesSeen = 0;
  const place = (source: CaseSource): number => {
    let current = files.at(-1);
    if (current?.file !== source.file) {
      current = { file: source.file, firstLine: linesSeen };
      files.push(current);
    }
    linesSeen = Math.max(linesSeen, current.firstLine + source.line);
    return current.firstLine + source.line;
  };
  const where = (at: number): string => {
    const f = files.findLast((candidate) => candidate.firstLine < at) ?? files[0];
    return `${f.file}:${at - f.firstLine}`;
  };
  const reject = (error: InputError) => {
    if (!opts.skipInvalid) throw error;
    opts.onInvalid?.(error);
  };
  return (rec) => {
    if ("error" in rec) {
      reject(rec.error);
      return undefined;
    }
    let c: SourcedCase["case"];
    try {
      c = normalizeCase(rec.raw, rec.source);
    } catch (err) {
      if (err instanceof InputError) {
        reject(err);
        return undefined;
      }
      throw err;
    }
    if (opts.idsKnownUnique?.()) {
      // nothing left to check: what was remembered is let go (at 100k cases, some 10 MB)
      if (seen.size > 0) seen.clear();
      return { case: c, source: rec.source };
    }
    const first = seen.get(c.id);
    if (first !== undefined) {
      reject(
        new InputError(`duplicate id "${c.id}" (first at ${where(first)})`, { ...rec.source, field: "id" }),
      );
      return undefined;
    }
    seen.set(c.id, place(rec.source));
    return { case: c, source: rec.source };
  };
}

export interface DatasetSummary {
  /** content hash of the canonicalised cases; independent of line order and key order */
  version: string;
  count: number;
  invalid: number;
  /** distinct tag values: key → value → count */
  slices: Record<string, Record<string, number>>;
}

/**
 * One pass over the dataset to validate it and compute its version before anything runs. The
 * version is sha256 over the cases' hashes (sha256 of each case's canonical JSON) in id order.
 * Records are taken a batch at a time, with no await between them. An unchanged dataset is not
 * read again: its summary comes from the cache in `.assay/` when there is one (summary-cache.ts).
 */
export async function summarizeDataset(files: string[], opts: ReadOptions = {}): Promise<DatasetSummary> {
  const cacheFile = cacheFileFor(files);
  const key = cacheFile === undefined ? undefined : stampFiles(files);
  const readAt = Date.now();
  if (cacheFile !== undefined && key !== undefined) {
    const hit = lookup(cacheFile, key);
    if (hit !== undefined) return { version: hit.version, count: hit.count, invalid: 0, slices: hit.slices };
  }
  const summary = await readSummary(files, opts);
  // kept only when nothing was invalid, the files had settled, and did not change while read
  if (
    cacheFile !== undefined &&
    key !== undefined &&
    summary.invalid === 0 &&
    settled(files, readAt) &&
    stampFiles(files) === key
  ) {
    store(cacheFile, key, { version: summary.version, count: summary.count, slices: summary.slices });
  }
  return summary;
}

async function readSummary(files: string[], opts: ReadOptions): Promise<DatasetSummary> {
  const ids: string[] = [];
  // each case's sha256, 32 bytes apiece in one buffer: hex strings would be 80 bytes of heap each
  // (8 MB at 100k cases, held until the end of the pass, beside a run already under way)
  let hashes = Buffer.allocUnsafe(32 * 1024);
  const slices: Record<string, Record<string, number>> = {};
  let invalid = 0;
  const check = caseChecker({
    ...opts,
    onInvalid: (e: InputError) => {
      invalid++;
      opts.onInvalid?.(e);
    },
  });
  for (const file of files) {
    for await (const batch of readRecordBatches(file)) {
      for (const rec of batch) {
        const sc = check(rec);
        if (sc === undefined) continue;
        const c = sc.case;
        const at = ids.push(c.id) - 1;
        if ((at + 1) * HASH_BYTES > hashes.length) {
          const grown = Buffer.allocUnsafe(hashes.length * 2);
          hashes.copy(grown);
          hashes = grown;
        }
        // sha256(canonicalJson(c)), as util/hash.ts computes it: crypto.hash is one call where
        // createHash builds a Hash object per case (some 4,000 instructions more a case)
        hashes.set(hash("sha256", canonicalJson(c), "buffer"), at * HASH_BYTES);
        for (const [k, v] of Object.entries(c.tags)) {
          slices[k] ??= {};
          slices[k][v] = (slices[k][v] ?? 0) + 1;
        }
      }
    }
  }
  const order = Array.from(ids.keys()).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  // sha256 of the hex hashes joined by "\n", fed one at a time: no string of them all (6 MB at 100k)
  const joined = createHash("sha256");
  order.forEach((i, k) => {
    if (k > 0) joined.update("\n");
    joined.update(hashes.toString("hex", i * HASH_BYTES, (i + 1) * HASH_BYTES));
  });
  const version = joined.digest("hex").slice(0, 16);
  return { version, count: ids.length, invalid, slices };
}

/** bytes of a sha256 digest */
const HASH_BYTES = 32;
