import { loadSuite } from "../../config/load.ts";
import { buildDimensions } from "../../engine/prepare.ts";
import { rescoreRun } from "../../engine/rescore.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import { renderScorecard } from "../../report/terminal.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { resolveRun } from "../../store/resolve.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

/** `assay rescore RUN [--suite FILE]`: score stored outputs again with the suite's current evaluators. */
export async function rescoreCommand(
  ref: string,
  opts: GlobalOptions & CacheFlags & { suite?: string; json?: string },
): Promise<number> {
  const store = await openCliStore(opts, opts.suite);
  try {
    const run = await resolveRun(store, ref);
    const suite = await loadSuite(opts.suite ?? run.lineage.suiteFile);
    const llm = createLlmRuntime({
      cacheMode: cacheModeOf(opts),
      cacheFile: cacheFileFor(opts, suite.file),
      env: process.env,
    });
    const before = run.lineage.evaluators;
    const updated = await buildDimensions(suite, llm)
      .then((dims) => rescoreRun(store, run, dims))
      .finally(() => llm.close());
    for (const [name, id] of Object.entries(updated.lineage.evaluators)) {
      if (before[name] !== id) process.stderr.write(`${name}: ${before[name] ?? "(new)"} → ${id}\n`);
    }
    const card = await loadScorecard(store, updated);
    process.stdout.write(`${renderScorecard(card)}\n`);
    if (opts.json) writeJson(opts.json, card);
    return 0;
  } finally {
    await store.close();
  }
}
