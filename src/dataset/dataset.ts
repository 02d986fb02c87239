import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../config/errors.ts";
import type { SourcedCase } from "../core/case.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256 } from "../util/hash.ts";
import { normalizeCase } from "./normalize.ts";
import { readRecords } from "./readers.ts";

export interface ReadOptions {
  /** continue past malformed lines and duplicate ids instead of stopping at the first */
  skipInvalid?: boolean;
  /** told of every skipped record (only with skipInvalid) */
  onInvalid?: (error: InputError) => void;
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
  const seen = new Map<string, string>();
  const reject = (error: InputError) => {
    if (!opts.skipInvalid) throw error;
    opts.onInvalid?.(error);
  };
  for (const file of files) {
    for await (const rec of readRecords(file)) {
      if ("error" in rec) {
        reject(rec.error);
        continue;
      }
      let c: SourcedCase["case"];
      try {
        c = normalizeCase(rec.raw, rec.source);
      } catch (err) {
        if (err instanceof InputError) {
          reject(err);
          continue;
        }
        throw err;
      }
      const first = seen.get(c.id);
      const here = `${rec.source.file}:${rec.source.line}`;
      if (first !== undefined) {
        reject(new InputError(`duplicate id "${c.id}" (first at ${first})`, { ...rec.source, field: "id" }));
        continue;
      }
      seen.set(c.id, here);
      yield { case: c, source: rec.source };
    }
  }
}

export interface DatasetSummary {
  /** content hash of the canonicalised cases; independent of line order and key order */
  version: string;
  count: number;
  invalid: number;
  /** distinct tag values: key → value → count */
  slices: Record<string, Record<string, number>>;
}

/** One pass over the dataset to validate it and compute its version before anything runs. */
export async function summarizeDataset(files: string[], opts: ReadOptions = {}): Promise<DatasetSummary> {
  const hashes: Array<[string, string]> = [];
  const slices: Record<string, Record<string, number>> = {};
  let invalid = 0;
  const onInvalid = (e: InputError) => {
    invalid++;
    opts.onInvalid?.(e);
  };
  for await (const { case: c } of readDataset(files, { ...opts, onInvalid })) {
    hashes.push([c.id, sha256(canonicalJson(c))]);
    for (const [k, v] of Object.entries(c.tags)) {
      slices[k] ??= {};
      slices[k][v] = (slices[k][v] ?? 0) + 1;
    }
  }
  hashes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const version = sha256(hashes.map(([, h]) => h).join("\n")).slice(0, 16);
  return { version, count: hashes.length, invalid, slices };
}
