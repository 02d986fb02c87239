import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "./errors.ts";

export const SUITE_FILE_NAMES = [
  "assay.yaml",
  "assay.yml",
  "assay.config.ts",
  "assay.config.mjs",
  "assay.config.js",
];

/** Resolves a suite argument: a file, a directory holding a suite file, or the current directory. */
export function findSuiteFile(arg: string | undefined, cwd = process.cwd()): string {
  const start = resolve(cwd, arg ?? ".");
  if (existsSync(start) && statSync(start).isFile()) return start;
  if (existsSync(start) && statSync(start).isDirectory()) {
    for (const name of SUITE_FILE_NAMES) {
      const candidate = join(start, name);
      if (existsSync(candidate)) return candidate;
    }
    throw new InputError(`no suite file here (looked for ${SUITE_FILE_NAMES.join(", ")})`, { file: start });
  }
  throw new InputError("suite file not found", { file: start });
}
