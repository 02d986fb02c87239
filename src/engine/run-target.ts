import type { SourcedCase } from "../core/case.ts";
import { type DatasetSummary, readDataset } from "../dataset/dataset.ts";
import type { DimensionRecord, RunLineage, RunRecord, Store } from "../store/types.ts";
import { resultKey } from "../store/types.ts";
import { callWithPolicy } from "../targets/policy.ts";
import type { Target } from "../targets/types.ts";
import { hashValue } from "../util/hash.ts";
import type { EngineListener, RunProgress } from "./events.ts";
import { gitCommit, newRunId, toolVersion } from "./lineage.ts";
import { forEachConcurrent } from "./pool.ts";
import { type ScoringDimension, scoreOutput } from "./scoring.ts";
import { ResultWriter } from "./writer.ts";

export interface RunTargetOptions {
  store: Store;
  suite: { name: string; hash: string; file?: string; baseDir: string };
  target: Target;
  dimensions: ScoringDimension[];
  datasetFiles: string[];
  dataset: DatasetSummary;
  skipInvalid?: boolean;
  epochs: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** continue the latest unfinished run of the same suite, target config and dataset version */
  resume?: boolean;
  /** `I/N`: only cases whose position modulo N is I-1 */
  shard?: { index: number; count: number };
  signal?: AbortSignal;
  onEvent?: EngineListener;
  /** how often `progress` events fire, in ms */
  progressIntervalMs?: number;
  /** backoff base for retries (tests shorten it) */
  backoffBaseMs?: number;
}

export interface RunTargetResult {
  run: RunRecord;
  progress: RunProgress;
  resumed: boolean;
  interrupted: boolean;
}

export function dimensionRecords(dims: ScoringDimension[]): Record<string, DimensionRecord> {
  return Object.fromEntries(dims.map((d) => [d.name, { ...d.record, evaluator: d.evaluator.id }]));
}

/**
 * Streams every case (× epochs) through one target and the evaluators into the store.
 * Generation and scoring happen per result, but writes are batched; nothing is read back.
 */
export async function runTarget(opts: RunTargetOptions): Promise<RunTargetResult> {
  const { store, target } = opts;
  const targetConfig = target.describe();
  const targetConfigHash = hashValue({ kind: target.kind, ...targetConfig });
  const lineage: RunLineage = {
    suiteHash: opts.suite.hash,
    suiteFile: opts.suite.file,
    datasetVersion: opts.dataset.version,
    datasetFiles: opts.datasetFiles,
    targetConfigHash,
    evaluators: Object.fromEntries(opts.dimensions.map((d) => [d.name, d.evaluator.id])),
    gitCommit: gitCommit(opts.suite.baseDir),
    toolVersion: toolVersion(),
    nodeVersion: process.version,
  };

  let run: RunRecord | undefined;
  if (opts.resume) {
    const candidates = await store.listRuns({ suite: opts.suite.name, target: target.id });
    run = candidates.find(
      (r) =>
        r.status !== "completed" &&
        r.datasetVersion === opts.dataset.version &&
        r.lineage.targetConfigHash === targetConfigHash &&
        r.epochs === opts.epochs,
    );
  }
  const resumed = run !== undefined;
  if (run) {
    await store.updateRun(run.id, { status: "running", finishedAt: undefined });
    run = { ...run, status: "running" };
  } else {
    run = {
      id: newRunId(target.id),
      suite: opts.suite.name,
      target: target.id,
      targetKind: target.kind,
      datasetVersion: opts.dataset.version,
      status: "running",
      startedAt: new Date().toISOString(),
      epochs: opts.epochs,
      caseCount: opts.dataset.count,
      lineage,
      targetConfig,
      dimensions: dimensionRecords(opts.dimensions),
      tags: [],
    };
    await store.createRun(run);
  }
  const runId = run.id;
  const stored = resumed ? await store.storedResultKeys(runId) : new Set<string>();

  const shardCases = opts.shard ? Math.ceil(opts.dataset.count / opts.shard.count) : opts.dataset.count;
  const progress: RunProgress = {
    run,
    total: shardCases * opts.epochs,
    skipped: 0,
    done: 0,
    errors: 0,
    startedAtMs: Date.now(),
  };
  opts.onEvent?.({ type: "run-start", progress, resumed });

  const writer = new ResultWriter(store, opts.dataset.version);
  const signal = opts.signal;
  const ticker = setInterval(
    () => opts.onEvent?.({ type: "progress", progress }),
    opts.progressIntervalMs ?? 250,
  );
  ticker.unref();

  async function* work(): AsyncGenerator<{ sc: SourcedCase; epoch: number }> {
    let ordinal = 0;
    for await (const sc of readDataset(opts.datasetFiles, { skipInvalid: opts.skipInvalid })) {
      const position = ordinal++;
      if (opts.shard && position % opts.shard.count !== opts.shard.index - 1) continue;
      if (!resumed) writer.addCase(sc.case, position);
      for (let epoch = 1; epoch <= opts.epochs; epoch++) {
        if (stored.has(resultKey(sc.case.id, epoch))) {
          progress.skipped++;
          continue;
        }
        yield { sc, epoch };
      }
    }
  }
  if (resumed) {
    // A resumed run may have died before its cases were written; re-put them (a no-op when present).
    await putAllCases(opts, writer);
  }

  let interrupted = false;
  try {
    await forEachConcurrent(
      work(),
      opts.concurrency,
      async ({ sc, epoch }) => {
        const output = await callWithPolicy(target, sc.case, epoch, {
          timeoutMs: opts.timeoutMs,
          retries: opts.retries,
          signal,
          backoff: opts.backoffBaseMs !== undefined ? { baseMs: opts.backoffBaseMs } : undefined,
        });
        // A call cut short by Ctrl-C is not a result: it is simply not stored, and --resume redoes it.
        if (output.error?.class === "cancelled") return;
        const scores = await scoreOutput(runId, sc.case, epoch, output, opts.dimensions);
        writer.add(
          { ...output, runId, caseId: sc.case.id, epoch, createdAt: new Date().toISOString() },
          scores,
        );
        progress.done++;
        if (output.error) progress.errors++;
      },
      signal,
    );
  } finally {
    clearInterval(ticker);
    interrupted = signal?.aborted === true;
    try {
      await writer.close();
    } finally {
      const status = interrupted ? "interrupted" : "completed";
      await store.updateRun(runId, { status, finishedAt: new Date().toISOString() });
      run = { ...run, status, finishedAt: new Date().toISOString() };
      progress.run = run;
    }
  }
  opts.onEvent?.({ type: "run-end", progress });
  return { run, progress, resumed, interrupted };
}

async function putAllCases(opts: RunTargetOptions, writer: ResultWriter): Promise<void> {
  let ordinal = 0;
  for await (const sc of readDataset(opts.datasetFiles, { skipInvalid: opts.skipInvalid })) {
    writer.addCase(sc.case, ordinal++);
  }
}
