import { loadSuite } from "../../config/load.ts";
import type { EngineEvent } from "../../engine/events.ts";
import { runSuite } from "../../engine/run-suite.ts";
import type { RunTargetResult, ShardOutcome } from "../../engine/run-target.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import type { QueueCoordinator } from "../../queue/coordinator.ts";
import { renderScorecard } from "../../report/terminal.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { type ScorecardOptions, scorecardOptionsOf } from "../../scorecard/operating.ts";
import type { Scorecard } from "../../scorecard/types.ts";
import type { Store } from "../../store/types.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, writeJson } from "../io.ts";
import { progressReporter } from "../progress.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

export interface RunCommandOptions extends GlobalOptions, CacheFlags {
  target?: string[];
  json?: string;
  resume?: boolean;
  epochs?: number;
  shard?: string;
  runId?: string;
  skipInvalid?: boolean;
  concurrency?: number;
  quiet?: boolean;
  /** redis://HOST:PORT: enqueue the cases for `assay worker`s instead of calling targets here */
  queue?: string;
  queueName?: string;
  /** project the cost at this many cases a month (overrides the suite's `volume`) */
  volume?: number;
}

export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new CliError(`--shard takes I/N with 1 ≤ I ≤ N (got "${text}")`, EXIT.usage);
  }
  return { index, count };
}

/** With --quiet, a run that stops early still says why, at once. */
function stoppingOnly(event: EngineEvent): void {
  if (event.type === "run-stopping") {
    process.stderr.write(
      `${event.progress.run.target}: stopping run ${event.progress.run.id}: ${event.reason}\n`,
    );
  }
}

/** `assay run`: run targets, score, store, print the scorecard. */
export async function runCommand(suiteArg: string | undefined, opts: RunCommandOptions): Promise<number> {
  const suite = await loadSuite(suiteArg);
  const shard = parseShard(opts.shard);
  const targetCount = opts.target?.length ?? suite.config.targets.length;
  if (opts.runId !== undefined && targetCount !== 1) {
    throw new CliError(
      `--run-id names one run: choose one target with --target (this suite has ${suite.config.targets.length})`,
      EXIT.usage,
    );
  }
  if (opts.queue !== undefined && shard !== undefined) {
    throw new CliError(
      "--queue and --shard do not go together: workers already spread the cases",
      EXIT.usage,
    );
  }
  const store = await openCliStore(opts, suite.file);
  let coordinator: QueueCoordinator | undefined;
  try {
    if (opts.queue !== undefined) {
      const { openQueueCoordinator } = await import("../../queue/coordinator.ts");
      coordinator = await openQueueCoordinator({ url: opts.queue, queueName: opts.queueName, store, suite });
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const llm = createLlmRuntime({
    cacheMode: cacheModeOf(opts),
    cacheFile: cacheFileFor(opts, suite.file),
    env: process.env,
  });
  const controller = new AbortController();
  // Ctrl-C and SIGTERM alike: stop calling and scoring, store what is finished, exit 3. Calls and
  // evaluators still running are not waited for (the engine's signal cuts them short).
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(
        `\n${signal} again: quitting now; results written so far are stored (continue with: assay run --resume)\n`,
      );
      process.exit(EXIT.incomplete);
    }
    process.stderr.write(`\ninterrupted (${signal}): finishing writes (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let invalid = 0;
    // the suite's escalation, volume, bands and minEffect (issue 13), --volume overriding
    const operating = scorecardOptionsOf(suite.config, opts.volume);
    const result = await runSuite(suite, {
      store,
      scorecardOptions: operating,
      targets: opts.target,
      epochs: opts.epochs,
      resume: opts.resume,
      skipInvalid: opts.skipInvalid,
      shard,
      runId: opts.runId,
      concurrency: opts.concurrency,
      llm,
      dispatchFor: coordinator?.dispatchFor,
      signal: controller.signal,
      onEvent: opts.quiet ? stoppingOnly : progressReporter(),
      onInvalid: (e) => {
        invalid++;
        if (invalid <= 20) process.stderr.write(`skipped: ${e.message}\n`);
      },
    });
    if (result.invalidCases > 0) {
      process.stderr.write(`skipped ${result.invalidCases} invalid dataset record(s) (--skip-invalid)\n`);
    }
    const cards: Scorecard[] = [];
    for (const r of result.runs) {
      if (r.shard) {
        cards.push(await reportSharedShard(store, r, r.shard, operating));
        continue;
      }
      if (r.alreadyCompleted) {
        process.stderr.write(
          `run ${r.run.id} is already completed: nothing to call; its scorecard follows\n`,
        );
      }
      const card = await loadScorecard(store, r.run, operating);
      cards.push(card);
      process.stdout.write(`\n${renderScorecard(card)}\n`);
    }
    if (opts.json) {
      const [first] = cards;
      const storeLocation = storeLocationOf(store);
      writeJson(
        opts.json,
        cards.length === 1
          ? { ...first, store: storeLocation }
          : { ...first, store: storeLocation, scorecards: cards },
      );
    }
    if (controller.signal.aborted) {
      process.stderr.write(
        `run interrupted; everything finished so far is stored. Continue with: ${resumeCommand(result.runs[0])}\n`,
      );
      return EXIT.incomplete;
    }
    // A shard of a shared run answers for its own part: other shards may still be running.
    const failed = result.runs.filter((r) => (r.shard?.status ?? r.run.status) === "failed");
    for (const r of failed) {
      const what = r.shard ? `shard ${r.shard.index}/${r.shard.count} of run ${r.run.id}` : `run ${r.run.id}`;
      process.stderr.write(
        `${what} failed: ${(r.shard ?? r.run).statusReason ?? "unknown reason"}\n` +
          `everything stored so far is kept; continue it with: ${resumeCommand(r)}\n`,
      );
    }
    if (failed.length > 0) return EXIT.incomplete;
    const allFailed = result.runs.find((r) => r.progress.done > 0 && r.progress.errors === r.progress.done);
    if (allFailed) {
      process.stderr.write(`every call to target "${allFailed.run.target}" failed: see the errors above\n`);
      return EXIT.incomplete;
    }
    return EXIT.ok;
  } catch (err) {
    if (opts.json) writeJson(opts.json, { error: { message: (err as Error).message } });
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    llm.close();
    await coordinator?.close();
    await store.close();
  }
}

function resumeCommand(r: RunTargetResult | undefined): string {
  return r?.shard
    ? `assay run --resume --shard ${r.shard.index}/${r.shard.count} --run-id ${r.run.id}`
    : "assay run --resume";
}

/**
 * A shard of a run shared with other processes: the whole run's scorecard once the run completed;
 * until then this shard's part, and what the run waits for. `--json` gets the whole run's
 * scorecard as it stands (status `running` until the last shard finishes) plus `shard`.
 */
async function reportSharedShard(
  store: Store,
  r: RunTargetResult,
  shard: ShardOutcome,
  operating: ScorecardOptions,
): Promise<Scorecard> {
  const name = `shard ${shard.index}/${shard.count} of run ${r.run.id}`;
  const p = r.progress;
  if (r.alreadyCompleted) process.stderr.write(`${name} is already completed: nothing to call\n`);
  const card = await loadScorecard(store, r.run, operating);
  if (r.run.status === "completed") {
    process.stdout.write(`\n${renderScorecard(card)}\n`);
  } else {
    process.stdout.write(
      `\n${name}: ${shard.status} · ${p.done + p.skipped}/${shard.planned ?? p.total} results ` +
        `(${p.done} new, ${p.skipped} stored before) · ${p.errors} errors\n`,
    );
    if (shard.status === "completed" && shard.waitingFor.length > 0) {
      const others = shard.waitingFor.map((i) => `${i}/${shard.count}`).join(", ");
      process.stderr.write(
        `shard ${shard.index} of ${shard.count} is done; run ${r.run.id} waits for the other shards ` +
          `(${others}) and completes when the last of them finishes\n`,
      );
    } else if (shard.status === "completed") {
      process.stderr.write(
        `run ${r.run.id} is ${r.run.status}: ${r.run.statusReason ?? "no reason recorded"}\n`,
      );
    }
  }
  const part = {
    index: shard.index,
    count: shard.count,
    status: shard.status,
    statusReason: shard.statusReason ?? null,
    planned: shard.planned ?? null,
    done: p.done,
    skipped: p.skipped,
    errors: p.errors,
    waitingFor: shard.waitingFor,
  };
  return { ...card, shard: part } as Scorecard;
}
