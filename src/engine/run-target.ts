import type { SourcedCase } from "../core/case.ts";
import { type DatasetSummary, readDataset } from "../dataset/dataset.ts";
import { errorMessage } from "../faults/abort.ts";
import { scorecardKey } from "../scorecard/load.ts";
import type { ScorecardOptions } from "../scorecard/operating.ts";
import { RunningScorecard } from "../scorecard/stream.ts";
import type {
  DimensionRecord,
  RunLineage,
  RunRecord,
  RunStatus,
  ShardRef,
  ShardStatus,
  Store,
  StoredCase,
} from "../store/types.ts";
import { resultKey } from "../store/types.ts";
import type { RateGate } from "../targets/policy.ts";
import type { Target } from "../targets/types.ts";
import { hashValue, sha256 } from "../util/hash.ts";
import { type CaseWorkContext, runCase } from "./case-work.ts";
import type { CaseDispatcher } from "./dispatch.ts";
import type { EngineListener, RunProgress } from "./events.ts";
import { acquireLease, type HeldLease } from "./lease.ts";
import { gitCommitAsync, newRunId, runOrigin, toolVersion } from "./lineage.ts";
import { forEachConcurrent } from "./pool.ts";
import type { ScoringDimension } from "./scoring.ts";
import { joinSharedRun, ShardAlreadyStartedError, settleSharedRun, sharedShardOf } from "./shared-shards.ts";
import { defaultWriteRetryMs, ResultWriter, withWriteRetry } from "./writer.ts";

export interface RunTargetOptions {
  store: Store;
  suite: { name: string; hash: string; file?: string; baseDir: string };
  target: Target;
  dimensions: ScoringDimension[];
  datasetFiles: string[];
  /** the dataset's summary, or its promise: a fresh run starts calling before it is known */
  dataset: DatasetSummary | Promise<DatasetSummary>;
  skipInvalid?: boolean;
  epochs: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** continue the latest unfinished run of the same suite, target config and dataset version */
  resume?: boolean;
  /**
   * `I/N`: a stable subset, the cases whose id hashes to I-1 modulo N (see inShard). With `runId`
   * on PostgreSQL the shards write one run together (shared-shards.ts); otherwise the shard is a
   * run of its own, for `assay merge`.
   */
  shard?: { index: number; count: number };
  /** the new run's id (shards of one run share it); default a fresh id */
  runId?: string;
  signal?: AbortSignal;
  onEvent?: EngineListener;
  /** how often `progress` events fire, in ms */
  progressIntervalMs?: number;
  /** backoff base for retries (tests shorten it) */
  backoffBaseMs?: number;
  /** hands the work to queue workers instead of calling the target here */
  dispatch?: CaseDispatcher;
  /** paces calls to the target (the suite's `limits`; shared across workers with a queue) */
  gate?: RateGate;
  /** how long a run's lease lives without a heartbeat (default 60 s) */
  leaseTtlMs?: number;
  /** how long writes retry a busy store before the run fails (default 30 s, ASSAY_WRITE_RETRY_MS) */
  writeRetryMs?: number;
  /**
   * the scorecard's operating settings: a whole run driven here keeps running totals and, when
   * it completes, its scorecard parts in the store under these settings (see scorecard/load.ts)
   */
  scorecardOptions?: ScorecardOptions;
}

export interface RunTargetResult {
  /** the run as stored at the end; with a shared shard, the whole run (maybe still running) */
  run: RunRecord;
  /** this invocation's counters; with a shared shard, `progress.run` shows the shard's own status */
  progress: RunProgress;
  resumed: boolean;
  interrupted: boolean;
  /** `--resume` found the run (or the shared shard) already completed: nothing was called */
  alreadyCompleted?: boolean;
  /** set when this process wrote one shard of a run shared with other processes */
  shard?: ShardOutcome;
}

/** How one shard of a shared run ended; the whole run's status is on RunTargetResult.run. */
export interface ShardOutcome extends ShardRef {
  status: RunStatus;
  statusReason?: string;
  /** (case, epoch) results the shard must hold, once it read the dataset through */
  planned?: number;
  /** the shards the run still waits for (none: the run has its final status) */
  waitingFor: number[];
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
  const shared = sharedShardOf(store, opts);
  // A fresh run driven by this process calls its target at once, while the dataset's version is
  // still being computed aside (issue 14): its results wait in the writer until the run's row
  // exists. A resumed run, a shard or a queue's run needs the version first (to find the run, to
  // split the cases, to hand out jobs), so it waits for it.
  const startsEarly = !shared && !opts.resume && !opts.shard && !opts.dispatch;
  const targetConfig = target.describe();
  const targetConfigHash = hashValue({ kind: target.kind, ...targetConfig });
  const runIdOfNew = opts.runId ?? newRunId(target.id);
  // git is asked alongside (in a large repository `git status` alone takes a while). A run that
  // starts early asks once its first call has come back: spawning a child costs the CLI ~20 ms
  // of its own time, which would otherwise delay the first calls (issue 14).
  let firstCallBack = (): void => {};
  const calledOnce = new Promise<void>((resolve) => {
    firstCallBack = resolve;
  });
  const commit = startsEarly
    ? calledOnce.then(() => gitCommitAsync(opts.suite.baseDir))
    : gitCommitAsync(opts.suite.baseDir);

  // Why the run stops early, besides Ctrl-C: a write that failed, or a lease taken over.
  let stopReason: string | undefined;
  const stop = new AbortController();
  const progressRef: { current?: RunProgress } = {};
  const stopWith = (reason: string) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    stop.abort();
    if (progressRef.current) opts.onEvent?.({ type: "run-stopping", progress: progressRef.current, reason });
  };
  const onUserAbort = () => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener("abort", onUserAbort, { once: true });
  const signal = stop.signal;

  const writeRetryMs = opts.writeRetryMs ?? defaultWriteRetryMs();
  // without a version yet, the writer holds its batches until open() (or drops them)
  const writer = new ResultWriter(store, undefined, {
    retryMs: writeRetryMs,
    onFailure: (err) => stopWith(`a write to the store failed: ${errorMessage(err)}`),
  });
  // Running totals of the scorecard, when every result of the run passes through this process
  // (not a resumed run, a shard or queue workers': those are read back from the store at the end).
  // They read the dimensions only, known before the run's row is.
  const totals = startsEarly
    ? new RunningScorecard(
        { dimensions: dimensionRecords(opts.dimensions) },
        opts.epochs,
        opts.scorecardOptions,
      )
    : undefined;
  /** the dataset's version once known ("" before: the running totals never read it) */
  let datasetVersion = "";
  /** the summary found every record valid: the run's own pass need not remember ids */
  let idsKnownUnique = false;

  let run: RunRecord | undefined;
  let resumed = false;
  let stored = new Set<string>();
  // The counters the loop moves; `run` is the real one before any listener sees them.
  const progress: RunProgress = {
    run: undefined as unknown as RunRecord,
    total: 0,
    skipped: 0,
    done: 0,
    errors: 0,
    startedAtMs: Date.now(),
  };

  // (case, epoch) pairs this run must hold in the end; known once the dataset was read through.
  let planned = 0;
  let enumerated = false;
  async function* work(): AsyncGenerator<{ sc: SourcedCase; epoch: number; ordinal: number }> {
    let ordinal = 0;
    const readOptions = { skipInvalid: opts.skipInvalid, idsKnownUnique: () => idsKnownUnique };
    for await (const sc of readDataset(opts.datasetFiles, readOptions)) {
      const position = ordinal++;
      if (opts.shard && !inShard(sc.case.id, opts.shard)) continue;
      if (!resumed) writer.addCase(sc.case, position);
      for (let epoch = 1; epoch <= opts.epochs; epoch++) {
        planned++;
        if (stored.has(resultKey(sc.case.id, epoch))) {
          progress.skipped++;
          continue;
        }
        yield { sc, epoch, ordinal: position };
      }
    }
    enumerated = true;
    progress.total = planned;
  }

  let loopError: unknown;
  /** Calls, scores and hands results to the writer; never rejects (a failure is in loopError). */
  const runLoop = async (scoreSet: number): Promise<void> => {
    const caseWork: CaseWorkContext = {
      // a resumed run's own id; otherwise the new run's, whose row may not exist yet
      runId: run?.id ?? runIdOfNew,
      target,
      dimensions: opts.dimensions,
      scoreSet,
      policy: {
        timeoutMs: opts.timeoutMs,
        retries: opts.retries,
        backoff: opts.backoffBaseMs !== undefined ? { baseMs: opts.backoffBaseMs } : undefined,
        gate: opts.gate,
      },
    };
    try {
      if (opts.dispatch) {
        await opts.dispatch.dispatch({
          run: run as RunRecord,
          work: work(),
          progress,
          alreadyStored: stored.size,
          signal,
        });
      } else {
        await forEachConcurrent(
          work(),
          opts.concurrency,
          async ({ sc, epoch, ordinal }) => {
            const result = await runCase(caseWork, sc.case, epoch, signal);
            firstCallBack();
            if (result === undefined) return;
            if (signal.aborted && stopReason !== undefined) return;
            writer.add(result.output, result.scores);
            totals?.add(storedCase(sc, ordinal, datasetVersion), result.output, result.scores);
            progress.done++;
            if (result.output.error) progress.errors++;
          },
          signal,
        );
      }
    } catch (err) {
      loopError = err;
    } finally {
      firstCallBack();
    }
  };
  const early = startsEarly ? runLoop(1) : undefined;

  let lease: HeldLease;
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const dataset = await opts.dataset;
    datasetVersion = dataset.version;
    idsKnownUnique = dataset.invalid === 0;
    const lineage: RunLineage = {
      suiteHash: opts.suite.hash,
      suiteFile: opts.suite.file,
      datasetVersion: dataset.version,
      datasetFiles: opts.datasetFiles,
      targetConfigHash,
      evaluators: Object.fromEntries(opts.dimensions.map((d) => [d.name, d.evaluator.id])),
      // a shared run stands for the whole dataset; a shard of its own says which part it holds
      ...(opts.shard && !shared ? { shard: { ...opts.shard } } : {}),
      ...(shared ? { shards: shared.count } : {}),
      gitCommit: await commit,
      origin: runOrigin(),
      toolVersion: toolVersion(),
      nodeVersion: process.version,
    };
    const newRun = (): RunRecord => ({
      id: runIdOfNew,
      suite: opts.suite.name,
      target: target.id,
      targetKind: target.kind,
      datasetVersion: dataset.version,
      status: "running",
      startedAt: new Date(progress.startedAtMs).toISOString(),
      epochs: opts.epochs,
      caseCount: dataset.count,
      lineage,
      targetConfig,
      dimensions: dimensionRecords(opts.dimensions),
      tags: [],
      scoreSet: 1,
    });

    if (shared) {
      run = await joinSharedRun(store, newRun(), shared);
    } else if (opts.resume) {
      // The newest run of the same suite, target configuration, dataset version and epochs.
      const candidates = await store.listRuns({ suite: opts.suite.name, target: target.id });
      const latest = candidates.find(
        (r) =>
          r.datasetVersion === dataset.version &&
          r.lineage.targetConfigHash === targetConfigHash &&
          r.epochs === opts.epochs &&
          sameShard(r.lineage.shard, opts.shard) &&
          // a run shared by shard processes is continued shard by shard, never whole
          r.lineage.shards === undefined &&
          (opts.runId === undefined || r.id === opts.runId),
      );
      if (latest?.status === "completed") {
        // Nothing left to do (a process killed after completing, before it printed): call nothing.
        opts.signal?.removeEventListener("abort", onUserAbort);
        const total = latest.caseCount * latest.epochs;
        const done: RunProgress = {
          run: latest,
          total,
          skipped: total,
          done: 0,
          errors: 0,
          startedAtMs: Date.now(),
        };
        return { run: latest, progress: done, resumed: true, interrupted: false, alreadyCompleted: true };
      }
      run = latest;
    }
    resumed = !shared && run !== undefined;
    if (!run) {
      run = newRun();
      await store.createRun(run);
    }
    const runId = run.id;
    // What this shard had done before (a shared shard resumes by its own row, not the run's).
    const priorShard = shared
      ? (await store.listShards(runId)).find((s) => s.index === shared.index)
      : undefined;

    // Throws LeaseHeldError (exit 2) when another live process drives this run (or this shard).
    lease = await acquireLease(store, runId, {
      ttlMs: opts.leaseTtlMs,
      shard: shared,
      onLost: () =>
        stopWith(
          `lease lost: another process took the ${shared ? "shard" : "run"} over after this one's heartbeat expired`,
        ),
    });
    if (shared) {
      const joined = await startSharedShard(store, run, shared, priorShard, opts, lease);
      if ("done" in joined) {
        opts.signal?.removeEventListener("abort", onUserAbort);
        return joined.done;
      }
      run = joined.run;
      resumed = priorShard !== undefined;
    } else if (resumed) {
      await store.updateRun(runId, { status: "running", statusReason: undefined, finishedAt: undefined });
      run = { ...run, status: "running", statusReason: undefined };
    }
    if (resumed) stored = await store.storedResultKeys(runId);

    progress.run = run;
    // exact without shards; with them an estimate until the dataset has been read through
    const estimate = (opts.shard ? Math.ceil(dataset.count / opts.shard.count) : dataset.count) * opts.epochs;
    if (!enumerated) progress.total = estimate;
    if (!startsEarly) progress.startedAtMs = Date.now();
    progressRef.current = progress;
    writer.open(dataset.version);
    opts.onEvent?.({ type: "run-start", progress, resumed });
    ticker = setInterval(
      () => opts.onEvent?.({ type: "progress", progress }),
      opts.progressIntervalMs ?? 250,
    );
    ticker.unref();
  } catch (err) {
    // Nothing was created (a refused dataset, a store that failed, a lease held elsewhere):
    // the calls made meanwhile are stopped and their results dropped.
    stop.abort();
    writer.drop();
    await early;
    opts.signal?.removeEventListener("abort", onUserAbort);
    throw err;
  }
  const runId = run.id;
  const scoreSet = run.scoreSet ?? 1;

  if (resumed) {
    // A resumed run may have died before its cases were written; re-put them (a no-op when present).
    await putAllCases(opts, writer);
  }
  try {
    await (early ?? runLoop(scoreSet));
  } finally {
    clearInterval(ticker);
    opts.signal?.removeEventListener("abort", onUserAbort);
  }
  try {
    await writer.close();
  } catch {
    // the failure is on writer.failed and in stopReason
  }

  const interrupted = opts.signal?.aborted === true && stopReason === undefined && loopError === undefined;
  let status: RunStatus;
  let statusReason: string | undefined;
  if (stopReason !== undefined) {
    status = "failed";
    statusReason = stopReason;
  } else if (loopError !== undefined) {
    status = "failed";
    statusReason = `the run stopped: ${errorMessage(loopError)}`;
  } else if (interrupted) {
    status = "interrupted";
    statusReason = "interrupted (Ctrl-C or SIGTERM) before every case was run";
  } else if (shared) {
    // This shard's part only: the whole run's count is checked when every shard has finished.
    const have = progress.done + progress.skipped;
    if (enumerated && have === planned) {
      status = "completed";
    } else {
      status = "failed";
      statusReason = `${have} of ${planned} results of the shard stored`;
    }
  } else {
    // Completed only when every planned (case, epoch) has a stored output: counted, not assumed.
    const have = await store.countOutputs(runId);
    if (enumerated && have >= planned && progress.done + progress.skipped === planned) {
      status = "completed";
    } else {
      status = "failed";
      statusReason = `${Math.min(have, planned)} of ${planned} results stored`;
    }
  }
  if (totals && status === "completed") {
    // The scorecard from the running totals, kept for whoever reads it next (the CLI's own
    // scorecard, the web app, the gate): the store sorts the latencies for the percentiles.
    try {
      const parts = await totals.parts(
        (ranks) => store.latencyAt(runId, ranks),
        (lo, width) => store.latencyBins(runId, lo, width),
      );
      await store.putScorecard(runId, scoreSet, scorecardKey(opts.scorecardOptions), parts);
    } catch {
      // nothing is lost: without kept parts the scorecard is read back from the rows
    }
  }
  const finishedAt = new Date().toISOString();
  run = { ...run, status, statusReason, finishedAt };
  progress.run = run;
  const leaseLost = stopReason?.startsWith("lease lost") === true;
  let outcome: ShardOutcome | undefined;
  if (shared) {
    outcome = {
      ...shared,
      status,
      statusReason,
      planned: enumerated ? planned : undefined,
      waitingFor: [shared.index],
    };
  }
  if (!leaseLost) {
    const retryMs = Math.max(writeRetryMs, STATUS_RETRY_MS);
    try {
      // The status is the record's most important row: it gets at least 30 s of retries.
      if (shared && outcome) {
        const own = outcome;
        await withWriteRetry(
          () =>
            store.putShardStatus({
              runId,
              index: shared.index,
              count: shared.count,
              status,
              statusReason,
              planned: own.planned,
              updatedAt: finishedAt,
            }),
          retryMs,
        );
        const settled = await withWriteRetry(
          () => settleSharedRun(store, run as RunRecord, shared.count),
          retryMs,
        );
        run = settled.run;
        outcome.waitingFor = settled.waitingFor;
      } else {
        await withWriteRetry(() => store.updateRun(runId, { status, statusReason, finishedAt }), retryMs);
      }
    } catch (err) {
      // The row still says `running`; its lease expires and `--resume` takes the run over.
      const why = `${statusReason ?? status}; recording the status failed too: ${errorMessage(err)}`;
      if (outcome) outcome.statusReason = why;
      else run = { ...run, statusReason: why };
      progress.run = { ...progress.run, statusReason: why };
    }
  }
  try {
    await lease.release();
  } catch {
    // an unreleased lease expires on its own, and a dead pid frees it at once
  }
  opts.onEvent?.({ type: "run-end", progress });
  if (loopError !== undefined && stopReason === undefined) throw loopError;
  return { run, progress, resumed, interrupted, ...(outcome ? { shard: outcome } : {}) };
}

/**
 * A shared shard that holds its lease: refused when it already ran and `--resume` was not given
 * (its cases would be called twice); done at once when `--resume` finds it completed (the run's
 * status is brought up to date, nothing is called); otherwise marked running, and the run too.
 */
async function startSharedShard(
  store: Store,
  run: RunRecord,
  shard: ShardRef,
  prior: ShardStatus | undefined,
  opts: RunTargetOptions,
  lease: HeldLease,
): Promise<{ run: RunRecord } | { done: RunTargetResult }> {
  try {
    if (prior && !opts.resume) throw new ShardAlreadyStartedError(run.id, prior);
    if (prior?.status === "completed") {
      await lease.release();
      const settled = await settleSharedRun(store, run, shard.count);
      const total = prior.planned ?? 0;
      const progress: RunProgress = {
        run: { ...settled.run, status: "completed", statusReason: undefined },
        total,
        skipped: total,
        done: 0,
        errors: 0,
        startedAtMs: Date.now(),
      };
      const outcome: ShardOutcome = {
        ...shard,
        status: "completed",
        planned: prior.planned,
        waitingFor: settled.waitingFor,
      };
      return {
        done: {
          run: settled.run,
          progress,
          resumed: true,
          interrupted: false,
          alreadyCompleted: true,
          shard: outcome,
        },
      };
    }
    await store.putShardStatus({
      runId: run.id,
      index: shard.index,
      count: shard.count,
      status: "running",
      updatedAt: new Date().toISOString(),
    });
    if (run.status !== "running") {
      // a failed or interrupted run goes on: one of its shards is being continued
      await store.updateRun(run.id, { status: "running", statusReason: undefined, finishedAt: undefined });
      run = { ...run, status: "running", statusReason: undefined, finishedAt: undefined };
    }
    return { run };
  } catch (err) {
    await lease.release().catch(() => {});
    throw err;
  }
}

const STATUS_RETRY_MS = 30_000;

function sameShard(a?: { index: number; count: number }, b?: { index: number; count: number }): boolean {
  return a?.index === b?.index && a?.count === b?.count;
}

/**
 * Whether a case belongs to shard I of N: by a hash of its id, so the subset is stable whatever
 * the order of the dataset or the cases added to it, and every case is in exactly one shard.
 */
export function inShard(caseId: string, shard: { index: number; count: number }): boolean {
  return Number.parseInt(sha256(caseId).slice(0, 8), 16) % shard.count === shard.index - 1;
}

/** A case as the store returns it (what the running totals fold, as a read-back would). */
function storedCase(sc: SourcedCase, ordinal: number, datasetVersion: string): StoredCase {
  return { ...sc.case, datasetVersion, ordinal };
}

async function putAllCases(opts: RunTargetOptions, writer: ResultWriter): Promise<void> {
  let ordinal = 0;
  for await (const sc of readDataset(opts.datasetFiles, { skipInvalid: opts.skipInvalid })) {
    writer.addCase(sc.case, ordinal++);
  }
}
