import { CompareError, regressedAnywhere } from "../../compare/compare.ts";
import { compareStoredRuns } from "../../compare/stored.ts";
import type { Comparison } from "../../compare/types.ts";
import {
  comparisonMarkdown,
  leaderboardMarkdown,
  renderComparison,
  renderLeaderboard,
} from "../../report/comparison.ts";
import { resolveRun } from "../../store/resolve.ts";
import type { Store } from "../../store/types.ts";
import { CliError, EXIT } from "../exit.ts";
import {
  type GlobalOptions,
  openCliStore,
  storeLocationOf,
  suiteFileFor,
  writeJson,
  writeOutput,
} from "../io.ts";

export interface CompareCommandOptions extends GlobalOptions {
  json?: string;
  md?: string;
  intersect?: boolean;
  allowEvaluatorChange?: boolean;
  alpha?: number;
  resamples?: number;
  seed?: number;
  /** project each run's cost at this many cases a month (default: the suite's volume.perMonth) */
  volume?: number;
  /** suite file or folder whose store holds the runs (default: the suite here) */
  suite?: string;
}

/** `assay compare BASE CANDIDATE`: paired comparison; exit 1 when something regressed. */
export async function compareCommand(refs: string[], opts: CompareCommandOptions): Promise<number> {
  if (refs.length < 2) {
    throw new CliError(
      "compare takes two runs (BASE CANDIDATE), or three or more for a leaderboard",
      EXIT.usage,
    );
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    if (refs.length > 2) return await leaderboardOf(store, refs, opts);
    const [base, candidate] = [await resolveRun(store, refs[0]), await resolveRun(store, refs[1])];
    let cmp: Comparison;
    try {
      // read as columns: two 20k-case runs compare in well under 200 MB
      cmp = await compareStoredRuns(store, base, candidate, {
        intersect: opts.intersect,
        allowEvaluatorChange: opts.allowEvaluatorChange,
        alpha: opts.alpha,
        resamples: opts.resamples,
        seed: opts.seed,
      });
    } catch (err) {
      if (err instanceof CompareError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
    process.stdout.write(`${renderComparison(cmp)}\n`);
    if (opts.json) writeJson(opts.json, { ...cmp, store: storeLocationOf(store) });
    if (opts.md) writeOutput(opts.md, comparisonMarkdown(cmp));
    return regressedAnywhere(cmp) ? EXIT.gateFailed : EXIT.ok;
  } finally {
    await store.close();
  }
}

async function leaderboardOf(store: Store, refs: string[], opts: CompareCommandOptions): Promise<number> {
  // loaded only here: a two-run comparison needs neither suites nor scorecards
  const [{ buildLeaderboard }, { loadRunRows }, { suiteVolume }] = await Promise.all([
    import("../../compare/leaderboard.ts"),
    import("../../compare/load.ts"),
    import("../operating-options.ts"),
  ]);
  const rows = [];
  for (const ref of refs) rows.push(await loadRunRows(store, await resolveRun(store, ref)));
  let lb: ReturnType<typeof buildLeaderboard>;
  try {
    lb = buildLeaderboard(rows, {
      alpha: opts.alpha,
      resamples: opts.resamples,
      seed: opts.seed,
      volume: opts.volume ?? (await suiteVolume(opts.suite)),
    });
  } catch (err) {
    if (err instanceof CompareError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  process.stdout.write(`${renderLeaderboard(lb)}\n`);
  if (opts.json) writeJson(opts.json, { ...lb, store: storeLocationOf(store) });
  if (opts.md) writeOutput(opts.md, leaderboardMarkdown(lb));
  return EXIT.ok;
}
