import { CompareError, regressedAnywhere } from "../../compare/compare.ts";
import { loadSuite } from "../../config/load.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import { runShadow } from "../../monitor/shadow.ts";
import { comparisonMarkdown, renderComparison } from "../../report/comparison.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, writeJson, writeOutput } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

export interface ShadowCommandOptions extends GlobalOptions, CacheFlags {
  monitor: string;
  candidate: string;
  sample?: number;
  limit?: number;
  suite?: string;
  json?: string;
  md?: string;
  concurrency?: number;
}

const ms = (x: number | null) => (x === null ? "—" : `${Math.round(x)} ms`);
const usd = (x: number | null) => (x === null ? "—" : `$${x.toFixed(4)}`);

/**
 * `assay shadow --monitor NAME --candidate TARGET`: the candidate answers recorded production
 * inputs (its answers reach no user), and is compared with what production answered. Exit 1 when
 * the candidate regressed, as `assay compare`.
 */
export async function shadowCommand(opts: ShadowCommandOptions): Promise<number> {
  const suite = await loadSuite(opts.suite);
  const store = await openCliStore(opts, suite.file);
  const llm = createLlmRuntime({
    cacheMode: cacheModeOf(opts),
    cacheFile: cacheFileFor(opts, suite.file),
    env: process.env,
  });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let result: Awaited<ReturnType<typeof runShadow>>;
    try {
      result = await runShadow({
        suite,
        store,
        monitor: opts.monitor,
        candidate: opts.candidate,
        ...(opts.sample !== undefined ? { sample: opts.sample } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        llm,
        signal: controller.signal,
      });
    } catch (err) {
      if (err instanceof CompareError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
    const s = result.shadow;
    process.stdout.write(
      `shadow of monitor ${s.monitor}: ${s.records} recorded inputs sent to ${opts.candidate} (answers kept in the store only)\n` +
        `                 p50        p95        cost/case   errors\n` +
        `production      ${ms(s.incumbent.latencyMs.p50).padEnd(10)} ${ms(s.incumbent.latencyMs.p95).padEnd(10)} ${usd(s.incumbent.cost.perCase).padEnd(11)} ${s.incumbent.errors}\n` +
        `${opts.candidate.padEnd(15)} ${ms(s.candidate.latencyMs.p50).padEnd(10)} ${ms(s.candidate.latencyMs.p95).padEnd(10)} ${usd(s.candidate.cost.perCase).padEnd(11)} ${s.candidate.errors}\n\n` +
        `${renderComparison(result)}\n`,
    );
    if (opts.json) writeJson(opts.json, { ...result, store: storeLocationOf(store) });
    if (opts.md) writeOutput(opts.md, comparisonMarkdown(result));
    if (controller.signal.aborted) return EXIT.incomplete;
    return regressedAnywhere(result) ? EXIT.gateFailed : EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    llm.close();
    await store.close();
  }
}
