import { table } from "../../report/format.ts";
import { type GlobalOptions, openCliStore, suiteFileFor } from "../io.ts";

// Its own module, importing little: listing runs should start nearly as fast as `--version`.

/**
 * `assay runs [SUITE]`: list stored runs, newest first, from the store beside SUITE (a file or
 * folder), else the suite here. `--suite NAME` filters by suite name.
 */
export async function runsCommand(
  suitePath: string | undefined,
  opts: GlobalOptions & { suite?: string; target?: string; limit?: number; json?: boolean },
): Promise<number> {
  const store = await openCliStore(opts, suiteFileFor(suitePath), { mustExist: true });
  try {
    const runs = await store.listRuns({ suite: opts.suite, target: opts.target, limit: opts.limit ?? 50 });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write("no runs stored yet: try `assay run`\n");
      return 0;
    }
    const rows = runs.map((r) => [
      r.id,
      r.suite,
      r.target,
      r.datasetVersion,
      String(r.caseCount),
      r.status,
      r.tags.join(","),
    ]);
    process.stdout.write(
      `${table(rows, ["run", "suite", "target", "dataset", "cases", "status", "tags"])}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
