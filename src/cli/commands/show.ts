import { findSuiteFile } from "../../config/load.ts";
import { table } from "../../report/format.ts";
import { renderScorecard } from "../../report/terminal.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { resolveRun } from "../../store/resolve.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";

function suiteFileIfAny(): string | undefined {
  try {
    return findSuiteFile(undefined);
  } catch {
    return undefined;
  }
}

/** `assay show RUN[@N]`: print a stored scorecard; `--score-sets` lists the run's score sets. */
export async function showCommand(
  ref: string,
  opts: GlobalOptions & { json?: string; scoreSets?: boolean },
): Promise<number> {
  const store = await openCliStore(opts, suiteFileIfAny());
  try {
    const run = await resolveRun(store, ref);
    if (opts.scoreSets) {
      const sets = await store.listScoreSets(run.id);
      const rows = sets.map((s) => [
        `${run.id}@${s.id}`,
        s.status + (s.id === run.scoreSet ? " (current)" : ""),
        s.createdAt,
        Object.entries(s.dimensions)
          .map(([d, r]) => `${d}=${r.evaluator}`)
          .join(" "),
      ]);
      process.stdout.write(`${table(rows, ["score set", "status", "created", "evaluators"])}\n`);
      if (opts.json) writeJson(opts.json, { run: run.id, current: run.scoreSet ?? 1, scoreSets: sets });
      return 0;
    }
    const card = await loadScorecard(store, run);
    process.stdout.write(`${renderScorecard(card)}\n`);
    if (opts.json) writeJson(opts.json, card);
    return 0;
  } finally {
    await store.close();
  }
}

/** `assay runs`: list stored runs, newest first. */
export async function runsCommand(
  opts: GlobalOptions & { suite?: string; target?: string; limit?: number; json?: boolean },
): Promise<number> {
  const store = await openCliStore(opts, suiteFileIfAny());
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
