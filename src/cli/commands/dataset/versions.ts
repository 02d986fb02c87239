import { resolveDatasetFiles, summarizeDataset } from "../../../dataset/dataset.ts";
import { datasetVersions } from "../../../dataset/upkeep/versions.ts";
import { table } from "../../../report/format.ts";
import { EXIT } from "../../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf } from "../../io.ts";
import { emitJson, type JsonOption, optionalSuite, printer } from "./shared.ts";

export interface VersionsCommandOptions extends GlobalOptions {
  json?: JsonOption;
}

/**
 * `assay dataset versions [SUITE]`: the dataset versions the store's runs used, with the number
 * of runs, the targets and the first and last run; the version the suite's files have now is
 * marked. Without a suite, every suite in the store.
 */
export async function datasetVersionsCommand(
  suiteArg: string | undefined,
  opts: VersionsCommandOptions,
): Promise<number> {
  const suite = await optionalSuite(suiteArg);
  let current: { version: string; cases: number } | null = null;
  if (suite) {
    try {
      const summary = await summarizeDataset(resolveDatasetFiles(suite.config.dataset, suite.baseDir));
      current = { version: summary.version, cases: summary.count };
    } catch (err) {
      // a broken dataset file does not hide the history; say why the current version is unknown
      process.stderr.write(`warning: the current dataset version is unknown: ${(err as Error).message}\n`);
    }
  }
  const store = await openCliStore(opts, suite?.file, { mustExist: true });
  try {
    const runs = await store.listRuns(suite ? { suite: suite.config.suite } : {});
    const rows = datasetVersions(runs, current?.version);
    const print = printer(opts.json);
    if (rows.length === 0) print(`no runs stored${suite ? ` for suite ${suite.config.suite}` : ""}`);
    else {
      print(
        table(
          rows.map((r) => [
            ...(suite ? [] : [r.suite]),
            r.version + (r.current ? " (current)" : ""),
            String(r.cases),
            r.completedRuns === r.runs ? String(r.runs) : `${r.runs} (${r.completedRuns} completed)`,
            r.targets.join(", "),
            r.firstRun.startedAt,
            r.lastRun.startedAt,
          ]),
          [...(suite ? [] : ["suite"]), "version", "cases", "runs", "targets", "first run", "last run"],
        ),
      );
    }
    if (current && !rows.some((r) => r.current)) {
      print(`current dataset version ${current.version} (${current.cases} cases) has no runs yet`);
    }
    emitJson(opts.json, {
      suite: suite?.config.suite ?? null,
      current,
      versions: rows,
      store: storeLocationOf(store),
    });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
