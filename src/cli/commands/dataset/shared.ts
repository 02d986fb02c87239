import type { RunRows } from "../../../compare/compare.ts";
import { loadRunRows } from "../../../compare/load.ts";
import { InputError } from "../../../config/errors.ts";
import { type LoadedSuite, loadSuite } from "../../../config/load.ts";
import type { Case } from "../../../core/case.ts";
import { resolveDatasetFiles } from "../../../dataset/dataset.ts";
import { readCases } from "../../../dataset/upkeep/cases.ts";
import { resolveRun } from "../../../store/resolve.ts";
import type { Store } from "../../../store/types.ts";
import { writeJson } from "../../io.ts";

/** What the `assay dataset …` commands share: JSON output, suites, datasets and runs. */

/** `--json FILE` writes FILE; a bare `--json` prints the JSON on stdout instead of the tables. */
export type JsonOption = string | boolean | undefined;

export function emitJson(option: JsonOption, value: unknown): void {
  if (option === true) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (typeof option === "string") writeJson(option, value);
}

/** Print the human tables unless the JSON goes to stdout. */
export function printer(option: JsonOption): (text: string) => void {
  return option === true ? () => {} : (text) => process.stdout.write(`${text}\n`);
}

/** The suite named, else the one in this folder, else none (the commands that can do without one). */
export async function optionalSuite(arg: string | undefined): Promise<LoadedSuite | undefined> {
  if (arg !== undefined) return loadSuite(arg);
  try {
    return await loadSuite(undefined);
  } catch (err) {
    if (err instanceof InputError && /no suite file here|suite file not found/.test(err.message))
      return undefined;
    throw err;
  }
}

/** The cases of `--dataset` files when given, else of the suite's dataset. */
export async function casesFrom(
  files: string[] | undefined,
  suite: LoadedSuite | undefined,
): Promise<{ cases: Case[]; files: string[] }> {
  let paths: string[];
  if (files && files.length > 0) paths = resolveDatasetFiles(files, process.cwd());
  else if (suite) paths = resolveDatasetFiles(suite.config.dataset, suite.baseDir);
  else throw new InputError("no suite here: name a suite, or the dataset with --dataset FILE");
  return { cases: await readCases(paths), files: paths };
}

/** Each reference resolved as `assay show` resolves it, with its rows. */
export async function runsRows(store: Store, refs: readonly string[]): Promise<RunRows[]> {
  const rows: RunRows[] = [];
  for (const ref of refs) rows.push(await loadRunRows(store, await resolveRun(store, ref)));
  return rows;
}

/** `0.123` → `0.123`, null → `—`. */
export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

/** `a, b, c … and 12 more` */
export function idList(ids: readonly string[], max = 12): string {
  const shown = ids.slice(0, max).join(", ");
  return ids.length > max ? `${shown} … and ${ids.length - max} more` : shown;
}
