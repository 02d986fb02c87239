import { appendFileSync } from "node:fs";
import { defaultCandidate, gateConfigOf, gateRuns, resolveBaseline } from "../../compare/load.ts";
import { loadSuite } from "../../config/load.ts";
import { gateJunit, gateMarkdown, renderComparison, renderGate } from "../../report/comparison.ts";
import { resolveRun } from "../../store/resolve.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, writeJson, writeOutput } from "../io.ts";

export interface GateCommandOptions extends GlobalOptions {
  allowEvaluatorChange?: boolean;
  run?: string;
  baseline?: string;
  junit?: string;
  md?: string;
  json?: string;
  /** list every rule, and print the comparison after them */
  verbose?: boolean;
}

/** `assay gate [SUITE]`: apply the suite's gate policy; exit 0 pass (warnings allowed), 1 fail. */
export async function gateCommand(suiteArg: string | undefined, opts: GateCommandOptions): Promise<number> {
  const suite = await loadSuite(suiteArg);
  const config = gateConfigOf(suite);
  // the gate only reads: a store it would have to create holds no run to gate
  const store = await openCliStore(opts, suite.file, { mustExist: true });
  try {
    const targetIds = suite.config.targets.map((t) => t.id);
    const baselineRef = opts.baseline ?? config.baseline;
    const baselineTarget = baselineRef && targetIds.includes(baselineRef) ? baselineRef : undefined;
    // A baseline named by run or tag is resolved first, so the default candidate is never itself.
    const fixedBaseline =
      baselineRef && !baselineTarget
        ? await resolveRun(store, baselineRef, { suite: suite.config.suite })
        : undefined;
    const candidate = opts.run
      ? await resolveRun(store, opts.run, { suite: suite.config.suite })
      : await defaultCandidate(store, suite.config.suite, baselineTarget, fixedBaseline?.id);
    const baseline =
      fixedBaseline ??
      (baselineRef ? await resolveBaseline(store, baselineRef, candidate, targetIds) : undefined);
    const { gate, comparison } = await gateRuns(store, config, candidate, baseline, {
      allowEvaluatorChange: opts.allowEvaluatorChange,
    });
    // quiet by default: the verdict line first; every rule and the comparison with --verbose
    process.stdout.write(`${renderGate(gate, { verbose: opts.verbose })}\n`);
    if (comparison && opts.verbose) process.stdout.write(`\n${renderComparison(comparison)}\n`);
    const md = gateMarkdown(gate, comparison);
    if (opts.md) writeOutput(opts.md, md);
    if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, md);
    if (opts.junit) writeOutput(opts.junit, gateJunit(gate));
    if (opts.json) {
      writeJson(opts.json, { ...gate, store: storeLocationOf(store), comparison: comparison ?? null });
    }
    return gate.exitCode;
  } finally {
    await store.close();
  }
}
