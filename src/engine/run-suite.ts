import type { InputError } from "../config/errors.ts";
import type { LoadedSuite } from "../config/load.ts";
import { resolveDatasetFiles, summarizeDataset } from "../dataset/dataset.ts";
import type { LlmRuntime } from "../llm/client.ts";
import type { ScorecardOptions } from "../scorecard/operating.ts";
import type { Store } from "../store/types.ts";
import { checkCredentials } from "./credentials.ts";
import type { CaseDispatcher } from "./dispatch.ts";
import type { EngineListener } from "./events.ts";
import { buildDimensions, buildTargets } from "./prepare.ts";
import { gatesFor, localRateGate } from "./rate-gate.ts";
import { type RunTargetResult, runTarget } from "./run-target.ts";

export interface RunSuiteOptions {
  store: Store;
  /** only these target ids (default: all) */
  targets?: string[];
  epochs?: number;
  resume?: boolean;
  skipInvalid?: boolean;
  shard?: { index: number; count: number };
  /** the id of the new run (one target only): shards of one run share it */
  runId?: string;
  signal?: AbortSignal;
  onEvent?: EngineListener;
  /** told of each dataset record skipped with skipInvalid */
  onInvalid?: (error: InputError) => void;
  concurrency?: number;
  backoffBaseMs?: number;
  /** hand each target's work to queue workers instead of calling it here (`assay run --queue`) */
  dispatchFor?: (targetId: string) => CaseDispatcher;
  /** response cache and API-key environment for LLM targets and judges */
  llm?: LlmRuntime;
  /** the scorecard's operating settings: a completed run keeps its scorecard under them */
  scorecardOptions?: ScorecardOptions;
}

export interface RunSuiteResult {
  runs: RunTargetResult[];
  invalidCases: number;
}

/**
 * Runs a loaded suite: validates the evaluators and credentials before any target is called, then
 * runs each chosen target in turn. The dataset is validated alongside the first calls: a refused
 * record stops the run before anything is stored (runTarget).
 */
export async function runSuite(suite: LoadedSuite, opts: RunSuiteOptions): Promise<RunSuiteResult> {
  const files = resolveDatasetFiles(suite.config.dataset, suite.baseDir);
  // The dataset is validated and its version computed while the evaluators and targets are built
  // and, for a fresh run, while the first calls go out (see runTarget): a pass that reads a batch
  // of records between awaits, so calls and answers go on meanwhile. (A worker thread did it on
  // the other core no faster, measured, and held 35 MB more at 100k cases.)
  const dataset = summarizeDataset(files, { skipInvalid: opts.skipInvalid, onInvalid: opts.onInvalid });
  // a refusal is thrown where it is awaited; until then it is not an unhandled rejection
  dataset.catch(() => {});
  const dimensions = await buildDimensions(suite, opts.llm);
  const targets = await buildTargets(suite, opts.targets, opts.store, opts.llm);
  const runs: RunTargetResult[] = [];
  const gates = gatesFor(suite.config.targets, (_group, perSecond) => localRateGate(perSecond));
  try {
    // Every API key before the first call: a missing one is exit 2 naming the variable, not a
    // run of failed calls (or a judge dimension left unscored) that still ends "completed".
    checkCredentials(suite, { targets: opts.targets, env: opts.llm?.env, cacheMode: opts.llm?.cacheMode });
    for (const target of targets) {
      if (opts.signal?.aborted) break;
      const spec = suite.config.targets.find((t) => t.id === target.id);
      runs.push(
        await runTarget({
          store: opts.store,
          suite: { name: suite.config.suite, hash: suite.hash, file: suite.file, baseDir: suite.baseDir },
          target,
          dimensions,
          datasetFiles: files,
          dataset,
          skipInvalid: opts.skipInvalid,
          epochs: opts.epochs ?? suite.config.epochs,
          concurrency: opts.concurrency ?? spec?.concurrency ?? suite.config.concurrency,
          ...callSettings(suite, target.id),
          resume: opts.resume,
          shard: opts.shard,
          runId: opts.runId,
          signal: opts.signal,
          onEvent: opts.onEvent,
          backoffBaseMs: opts.backoffBaseMs,
          gate: gates.get(target.id),
          dispatch: opts.dispatchFor?.(target.id),
          scorecardOptions: opts.scorecardOptions,
        }),
      );
    }
  } finally {
    for (const t of targets) await t.close?.();
  }
  return { runs, invalidCases: (await dataset).invalid };
}

/** A target's time limit and retries: its own, else the suite's. */
export function callSettings(suite: LoadedSuite, targetId: string): { timeoutMs: number; retries: number } {
  const spec = suite.config.targets.find((t) => t.id === targetId);
  return {
    timeoutMs: spec?.timeoutMs ?? suite.config.timeoutMs,
    retries: spec?.retries ?? suite.config.retries,
  };
}
