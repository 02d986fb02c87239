import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../../../config/errors.ts";
import type { Case } from "../../../core/case.ts";
import { summarizeDataset } from "../../../dataset/dataset.ts";
import { datasetFilesOf, plainCase, readCases } from "../../../dataset/upkeep/cases.ts";
import { diffDatasets } from "../../../dataset/upkeep/diff.ts";
import { RunNotFoundError, resolveRun } from "../../../store/resolve.ts";
import type { Store } from "../../../store/types.ts";
import { EXIT } from "../../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, suiteFileFor } from "../../io.ts";
import { emitJson, idList, type JsonOption, printer } from "./shared.ts";

export interface DiffCommandOptions extends GlobalOptions {
  json?: JsonOption;
  /** suite file or folder whose store holds stored versions (default: the suite here) */
  suite?: string;
}

interface Side {
  ref: string;
  /** file: dataset files (or a suite's); store: a stored version */
  source: "file" | "store";
  version: string;
  cases: Case[];
}

/**
 * `assay dataset diff A B`: the cases added, removed and changed from A to B. Each side is a
 * dataset file, a suite file or folder (its dataset), a stored dataset version (or a unique
 * prefix of one), or a run (its dataset version). Exit 0 whatever differs: a diff reports.
 */
export async function datasetDiffCommand(a: string, b: string, opts: DiffCommandOptions): Promise<number> {
  let store: Store | undefined;
  const storeOf = async () => {
    store ??= await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
    return store;
  };
  try {
    const before = await sideOf(a, storeOf);
    const after = await sideOf(b, storeOf);
    const diff = diffDatasets(before.cases, after.cases);
    const print = printer(opts.json);
    const name = (s: Side) =>
      `${s.source === "file" ? `${s.ref} (version ${s.version}` : `version ${s.version} (stored`}, ${s.cases.length} cases)`;
    print(`A: ${name(before)}\nB: ${name(after)}`);
    if (before.version === after.version) print("the same dataset version");
    print(`added ${diff.added.length}${diff.added.length ? `: ${idList(diff.added)}` : ""}`);
    print(`removed ${diff.removed.length}${diff.removed.length ? `: ${idList(diff.removed)}` : ""}`);
    const changed = diff.changed.map((id) => `${id} (${diff.changedFields[id].join(", ")})`);
    print(`changed ${diff.changed.length}${changed.length ? `: ${idList(changed)}` : ""}`);
    print(`unchanged ${diff.unchanged}`);
    const describe = (s: Side) => ({
      ref: s.ref,
      source: s.source,
      version: s.version,
      cases: s.cases.length,
    });
    emitJson(opts.json, {
      a: describe(before),
      b: describe(after),
      ...diff,
      ...(store ? { store: storeLocationOf(store) } : {}),
    });
    return EXIT.ok;
  } finally {
    await (store as Store | undefined)?.close();
  }
}

async function sideOf(ref: string, storeOf: () => Promise<Store>): Promise<Side> {
  const path = resolve(ref);
  if (existsSync(path)) {
    const files = await datasetFilesOf(path);
    const summary = await summarizeDataset(files);
    return { ref, source: "file", version: summary.version, cases: await readCases(files) };
  }
  const store = await storeOf();
  const versions = [...new Set((await store.listRuns({})).map((r) => r.datasetVersion))];
  let version = versions.find((v) => v === ref);
  if (!version) {
    const prefixed = versions.filter((v) => v.startsWith(ref));
    if (prefixed.length > 1) {
      throw new InputError(`"${ref}" matches ${prefixed.length} dataset versions: ${prefixed.join(", ")}`);
    }
    version = prefixed[0];
  }
  if (!version) {
    try {
      version = (await resolveRun(store, ref)).datasetVersion;
    } catch (err) {
      if (!(err instanceof RunNotFoundError)) throw err;
      throw new InputError(
        `"${ref}" is not a file, a stored dataset version (see \`assay dataset versions\`) or a run`,
      );
    }
  }
  const cases = (await store.listCases(version)).sort((x, y) => x.ordinal - y.ordinal).map(plainCase);
  return { ref, source: "store", version, cases };
}
