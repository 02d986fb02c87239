import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { findSuiteFile } from "../config/load.ts";
import { defaultStorePath, openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";

export interface GlobalOptions {
  db?: string;
}

/** Writes a report file, creating its folder. */
export function writeOutput(file: string, text: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function writeJson(file: string, value: unknown): void {
  writeOutput(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** --db, else ASSAY_DB, else beside the suite in this folder (if any), else ./.assay/assay.db. */
export async function openCliStore(opts: GlobalOptions, suiteFile?: string): Promise<Store> {
  if (opts.db) return openStore(opts.db);
  let file = suiteFile;
  if (!file && !process.env.ASSAY_DB) {
    try {
      file = findSuiteFile(undefined);
    } catch {
      file = undefined;
    }
  }
  return openStore(defaultStorePath(file));
}
