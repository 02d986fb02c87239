import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { toolVersion } from "../engine/lineage.ts";

/**
 * Dataset summaries kept in `.assay/dataset-summaries.json`, so that an unchanged dataset is not
 * read and hashed again before every run (at 100k cases that pass costs about a second). An
 * entry is keyed by every file's path, device, inode, size, mtime and ctime (nanoseconds): any
 * write changes the ctime, which no tool can set back, so a changed file is always a miss, even
 * one rewritten with the same size and its old mtime restored. Only summaries of datasets with
 * no invalid record are kept: a bad record must still be reported (or told to onInvalid).
 *
 * The file lives in the nearest `.assay/` folder at or above the first dataset file's folder
 * (where the default store is, beside the suite); without one nothing is cached, and no folder
 * is created for it. Reading or writing it never fails a run: a problem only means a miss.
 */

/** Bumped when what a summary holds, or how a version is computed, changes. */
const FORMAT = 1;
const FILE_NAME = "dataset-summaries.json";
/** Entries kept: the datasets most recently summarised. */
const MAX_ENTRIES = 32;
/** A summary whose slices take more than this (a tag unique per case) is not worth keeping. */
const MAX_ENTRY_CHARS = 256 * 1024;
/**
 * A file modified less than this long before it was read is not cached: file systems stamp
 * times with a granularity (a clock tick; a second or two on some), and a second write with the
 * same size within the same tick as the one read would look unchanged.
 */
const SETTLE_MS = 3000;

export interface CachedSummary {
  version: string;
  count: number;
  slices: Record<string, Record<string, number>>;
}

interface Entry {
  key: string;
  summary: CachedSummary;
}

/** The files' identities and stamps, or undefined when one cannot be read. */
export function stampFiles(files: string[]): string | undefined {
  const stamps: string[] = [];
  for (const file of files) {
    try {
      const s = statSync(file, { bigint: true });
      stamps.push(`${resolve(file)}\0${s.dev}\0${s.ino}\0${s.size}\0${s.mtimeNs}\0${s.ctimeNs}`);
    } catch {
      return undefined;
    }
  }
  return JSON.stringify([FORMAT, toolVersion(), stamps]);
}

/** True when every file was last modified long enough before `nowMs` (see SETTLE_MS). */
export function settled(files: string[], nowMs: number): boolean {
  try {
    return files.every((f) => statSync(f).mtimeMs <= nowMs - SETTLE_MS);
  } catch {
    return false;
  }
}

/** The cache file for these dataset files, or undefined when no `.assay/` folder is above them. */
export function cacheFileFor(files: string[]): string | undefined {
  if (files.length === 0) return undefined;
  let dir = dirname(resolve(files[0]));
  for (;;) {
    const candidate = join(dir, ".assay");
    try {
      if (statSync(candidate).isDirectory()) return join(candidate, FILE_NAME);
    } catch {
      // not here: look one folder up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readEntries(cacheFile: string): Entry[] {
  try {
    const parsed = JSON.parse(readFileSync(cacheFile, "utf8")) as { format?: unknown; entries?: unknown };
    return parsed.format === FORMAT && Array.isArray(parsed.entries) ? (parsed.entries as Entry[]) : [];
  } catch {
    return [];
  }
}

export function lookup(cacheFile: string, key: string): CachedSummary | undefined {
  if (!existsSync(cacheFile)) return undefined;
  const summary = readEntries(cacheFile).find((e) => e.key === key)?.summary;
  const ok =
    summary !== undefined &&
    typeof summary.version === "string" &&
    typeof summary.count === "number" &&
    summary.slices !== null &&
    typeof summary.slices === "object";
  return ok ? summary : undefined;
}

/** Adds (or refreshes) an entry; written to a temporary file and renamed, so readers never see half. */
export function store(cacheFile: string, key: string, summary: CachedSummary): void {
  if (JSON.stringify(summary.slices).length > MAX_ENTRY_CHARS) return;
  const entries = [{ key, summary }, ...readEntries(cacheFile).filter((e) => e.key !== key)].slice(
    0,
    MAX_ENTRIES,
  );
  const tmp = `${cacheFile}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ format: FORMAT, entries })}\n`);
    renameSync(tmp, cacheFile);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a read-only folder: there is nothing to clean up
    }
  }
}
