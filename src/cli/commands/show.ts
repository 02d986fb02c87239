import { table } from "../../report/format.ts";
import { renderScorecard } from "../../report/terminal.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { resolveRun } from "../../store/resolve.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, suiteFileFor, writeJson } from "../io.ts";
import { operatingOptions } from "../operating-options.ts";

/** `assay show RUN[@N]`: print a stored scorecard; `--score-sets` lists the run's score sets. */
export async function showCommand(
  ref: string,
  opts: GlobalOptions & { json?: string; scoreSets?: boolean; suite?: string; volume?: number },
): Promise<number> {
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  const where = storeLocationOf(store);
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
      if (opts.json)
        writeJson(opts.json, { run: run.id, current: run.scoreSet ?? 1, scoreSets: sets, store: where });
      return 0;
    }
    const card = await loadScorecard(store, run, await operatingOptions(run, opts.suite, opts.volume));
    process.stdout.write(`${renderScorecard(card)}\n`);
    if (opts.json) writeJson(opts.json, { ...card, store: where });
    return 0;
  } finally {
    await store.close();
  }
}
