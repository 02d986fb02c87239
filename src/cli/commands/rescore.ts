import { loadSuite } from "../../config/load.ts";
import { buildDimensions } from "../../engine/prepare.ts";
import { rescoreRun } from "../../engine/rescore.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import { renderScorecard } from "../../report/terminal.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { resolveRun } from "../../store/resolve.ts";
import { EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

/** `assay rescore RUN [--suite FILE]`: score stored outputs again with the suite's current evaluators. */
export async function rescoreCommand(
  ref: string,
  opts: GlobalOptions & CacheFlags & { suite?: string; json?: string; concurrency?: number },
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
    const controller = new AbortController();
    const onSignal = () => {
      process.stderr.write(
        "\ninterrupted: finishing writes; `assay rescore` again continues this score set\n",
      );
      controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const result = await buildDimensions(suite, llm)
      .then((dims) =>
        rescoreRun(store, run, dims, {
          concurrency: opts.concurrency ?? suite.config.concurrency,
          signal: controller.signal,
        }),
      )
      .finally(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        llm.close();
      });
    const set = result.scoreSet;
    if (!result.completed) {
      process.stderr.write(
        `score set @${set.id} of run ${run.id} is unfinished; the run still reads score set @${result.run.scoreSet ?? 1}\n`,
      );
      return EXIT.incomplete;
    }
    for (const [name, d] of Object.entries(set.dimensions)) {
      if (before[name] !== d.evaluator)
        process.stderr.write(`${name}: ${before[name] ?? "(new)"} → ${d.evaluator}\n`);
    }
    process.stderr.write(
      `score set @${set.id}${result.resumed ? " (continued)" : ""} is now the run's current one; ` +
        `the previous scores stay readable as ${run.id}@${run.scoreSet ?? 1}\n`,
    );
    const card = await loadScorecard(store, result.run);
    process.stdout.write(`${renderScorecard(card)}\n`);
    if (opts.json) writeJson(opts.json, card);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
