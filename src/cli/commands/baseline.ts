import { resolve } from "node:path";
import {
  BaselineExportError,
  collectBaseline,
  importBaseline,
  moveTag,
  readBaselineFile,
  writeBaselineFile,
} from "../../baseline/index.ts";
import { type LoadedSuite, loadSuite } from "../../config/load.ts";
import { resolveDatasetFiles, summarizeDataset } from "../../dataset/dataset.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { cliStoreLocation, displayStore, type GlobalOptions, openCliStore, suiteFileFor } from "../io.ts";

/** `assay baseline set RUN [--tag main]`: the tag moves to this run from any other run of its suite. */
export async function baselineSetCommand(
  ref: string,
  opts: GlobalOptions & { tag?: string },
): Promise<number> {
  const tag = opts.tag ?? "baseline";
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, ref);
    await moveTag(store, run, tag);
    process.stdout.write(`${run.id} is now the "${tag}" baseline of suite ${run.suite}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export interface BaselineExportOptions extends GlobalOptions {
  out: string;
  /** the suite whose store holds the run (default: the suite in this folder, if any) */
  suite?: string;
}

/**
 * `assay baseline export RUN --out FILE`: the run, self-contained (record and lineage, score sets,
 * cases, outputs, scores), for a CI runner that has no store. Only reads: a missing store is an
 * error, never created.
 */
export async function baselineExportCommand(ref: string, opts: BaselineExportOptions): Promise<number> {
  const suite = opts.suite !== undefined ? await loadSuite(opts.suite) : undefined;
  const store = await openCliStore(opts, suite?.file, { mustExist: true });
  try {
    const run = await resolveRun(store, ref, suite ? { suite: suite.config.suite } : {});
    let data: Awaited<ReturnType<typeof collectBaseline>>;
    try {
      data = await collectBaseline(store, run.id);
    } catch (err) {
      if (err instanceof BaselineExportError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
    const out = resolve(opts.out);
    writeBaselineFile(out, data);
    const { counts, scoreSets, run: r } = data.header;
    process.stdout.write(
      `exported run ${r.id} (suite ${r.suite}, target ${r.target}, dataset ${r.datasetVersion}): ` +
        `${counts.cases} cases, ${counts.outputs} outputs, ${counts.scores} scores in score sets ` +
        `${scoreSets.map((s) => `@${s.id}`).join(", ")} → ${opts.out}\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export interface BaselineImportOptions extends GlobalOptions {
  tag?: string;
  force?: boolean;
  /** the suite the baseline is for (default: the suite in this folder) */
  suite?: string;
}

/**
 * `assay baseline import FILE [--tag T]`: the exported run into the suite's store, as it was.
 * Importing the same file again changes nothing; a file of another suite is refused unless --force.
 */
export async function baselineImportCommand(file: string, opts: BaselineImportOptions): Promise<number> {
  const suite = await suiteForImport(opts);
  const baseline = await readBaselineFile(resolve(file));
  if (suite) await warnOnDatasetChange(suite, baseline.header.run.datasetVersion);
  const location = displayStore(cliStoreLocation(opts, suite?.file));
  const store = await openCliStore(opts, suite?.file);
  try {
    const outcome = await importBaseline(store, baseline, {
      suite: suite?.config.suite,
      force: opts.force,
      tag: opts.tag,
    });
    const r = outcome.run;
    process.stdout.write(
      outcome.status === "imported"
        ? `imported run ${r.id} (suite ${r.suite}, target ${r.target}, dataset ${r.datasetVersion}) into ${location}\n`
        : `run ${r.id} is already in ${location}: nothing imported\n`,
    );
    if (opts.tag) {
      process.stdout.write(
        outcome.tagged
          ? `${r.id} is now the "${opts.tag}" baseline of suite ${r.suite}\n`
          : `${r.id} already carries the "${opts.tag}" tag\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The suite named, else the one in this folder; with neither, a store must be named. */
async function suiteForImport(opts: BaselineImportOptions): Promise<LoadedSuite | undefined> {
  if (opts.suite !== undefined) return loadSuite(opts.suite);
  const here = suiteFileFor(undefined);
  if (here) return loadSuite(here);
  if (opts.db || process.env.ASSAY_DB) return undefined;
  throw new CliError(
    "no suite file here: name the suite the baseline is for with --suite (its store receives the run), or the store with --db",
    EXIT.usage,
  );
}

/** The gate pairs runs of one dataset version: say so now rather than at the gate. */
async function warnOnDatasetChange(suite: LoadedSuite, baselineVersion: string): Promise<void> {
  let current: string;
  try {
    current = (await summarizeDataset(resolveDatasetFiles(suite.config.dataset, suite.baseDir))).version;
  } catch {
    return; // an unreadable dataset is `assay run`'s to report, with its line
  }
  if (current !== baselineVersion) {
    process.stderr.write(
      `warning: the baseline ran on dataset version ${baselineVersion}, the suite's dataset is now ${current}: ` +
        "the gate compares runs of one dataset version, so export a baseline run of the current dataset\n",
    );
  }
}
