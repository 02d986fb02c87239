import { CompareError, compareRuns } from "../../compare/compare.ts";
import { loadRunRows } from "../../compare/load.ts";
import { comparisonMarkdown, renderComparison } from "../../report/comparison.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson, writeOutput } from "../io.ts";

export interface CompareCommandOptions extends GlobalOptions {
  json?: string;
  md?: string;
  intersect?: boolean;
  alpha?: number;
  resamples?: number;
  seed?: number;
}

/** `assay compare BASE CANDIDATE`: paired comparison; exit 1 when something regressed. */
export async function compareCommand(refs: string[], opts: CompareCommandOptions): Promise<number> {
  if (refs.length !== 2) {
    throw new CliError("compare takes exactly two runs: BASE CANDIDATE", EXIT.usage);
  }
  const store = await openCliStore(opts);
  try {
    const [base, candidate] = [await resolveRun(store, refs[0]), await resolveRun(store, refs[1])];
    let cmp: ReturnType<typeof compareRuns>;
    try {
      cmp = compareRuns(await loadRunRows(store, base), await loadRunRows(store, candidate), {
        intersect: opts.intersect,
        alpha: opts.alpha,
        resamples: opts.resamples,
        seed: opts.seed,
      });
    } catch (err) {
      if (err instanceof CompareError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
    process.stdout.write(`${renderComparison(cmp)}\n`);
    if (opts.json) writeJson(opts.json, cmp);
    if (opts.md) writeOutput(opts.md, comparisonMarkdown(cmp));
    const regressed =
      Object.values(cmp.dimensions).some((d) => d.verdict === "regressed") ||
      Object.values(cmp.slices).some((s) => Object.values(s).some((d) => d.verdict === "regressed"));
    return regressed ? EXIT.gateFailed : EXIT.ok;
  } finally {
    await store.close();
  }
}
