import { errorMessage } from "../faults/abort.ts";
import type { DimensionRecord, RunRecord, ScoreSet, Store, StoredOutput } from "../store/types.ts";
import { resultKey } from "../store/types.ts";
import { acquireLease } from "./lease.ts";
import { forEachConcurrent } from "./pool.ts";
import { dimensionRecords } from "./run-target.ts";
import { type ScoringDimension, scoreOutput } from "./scoring.ts";
import { defaultWriteRetryMs, ResultWriter } from "./writer.ts";

export interface RescoreOptions {
  /** evaluators in flight at once (default 8) */
  concurrency?: number;
  /** Ctrl-C: stop; what was written stays, and the next rescore continues the same set */
  signal?: AbortSignal;
  leaseTtlMs?: number;
  writeRetryMs?: number;
  /** told after each scored output */
  onProgress?: (done: number, total: number) => void;
}

export interface RescoreResult {
  /** the run as it reads now: its current score set is the new one when the rescore completed */
  run: RunRecord;
  scoreSet: ScoreSet;
  /** an unfinished set with the same evaluators was continued */
  resumed: boolean;
  completed: boolean;
}

function sameEvaluators(a: Record<string, DimensionRecord>, b: Record<string, DimensionRecord>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k].evaluator === b[k].evaluator);
}

/**
 * Scores a run's stored outputs again into a new score set; no target is called, and the older
 * sets stay readable (`RUN@N`). It holds the run's lease like a run, writes in batches, and, when
 * killed, the next rescore with the same evaluators continues the unfinished set. Only a set that
 * scored every output becomes the run's current one.
 */
export async function rescoreRun(
  store: Store,
  run: RunRecord,
  dims: ScoringDimension[],
  opts: RescoreOptions = {},
): Promise<RescoreResult> {
  let stopReason: string | undefined;
  const stop = new AbortController();
  const onUserAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onUserAbort, { once: true });
  const lease = await acquireLease(store, run.id, {
    ttlMs: opts.leaseTtlMs,
    onLost: () => {
      stopReason ??= "lease lost to another process";
      stop.abort();
    },
  });
  try {
    const dimensions = dimensionRecords(dims);
    const sets = await store.listScoreSets(run.id);
    let set = sets.find((s) => s.status === "running" && sameEvaluators(s.dimensions, dimensions));
    const resumed = set !== undefined;
    if (!set) {
      set = {
        runId: run.id,
        id: Math.max(0, ...sets.map((s) => s.id)) + 1,
        status: "running",
        dimensions,
        createdAt: new Date().toISOString(),
      };
      await store.createScoreSet(set);
    }
    const setId = set.id;
    const done = resumed ? await store.scoredResultKeys(run.id, setId) : new Set<string>();
    const cases = new Map((await store.listCases(run.datasetVersion)).map((c) => [c.id, c]));
    const outputs = await store.listOutputs(run.id);
    for (const o of outputs) {
      if (!cases.has(o.caseId))
        throw new Error(`run ${run.id}: stored output for case "${o.caseId}" has no stored case`);
    }
    const writer = new ResultWriter(store, run.datasetVersion, {
      retryMs: opts.writeRetryMs ?? defaultWriteRetryMs(),
      onFailure: (err) => {
        stopReason ??= `a write to the store failed: ${errorMessage(err)}`;
        stop.abort();
      },
    });
    let scored = 0;
    async function* pending(): AsyncGenerator<StoredOutput> {
      for (const o of outputs) if (!done.has(resultKey(o.caseId, o.epoch))) yield o;
    }
    try {
      await forEachConcurrent(
        pending(),
        opts.concurrency ?? 8,
        async (output) => {
          const c = cases.get(output.caseId)!;
          const scores = await scoreOutput(run.id, c, output.epoch, output, dims);
          for (const s of scores) s.scoreSet = setId;
          writer.addScores(scores);
          opts.onProgress?.(++scored, outputs.length);
        },
        stop.signal,
      );
    } finally {
      opts.signal?.removeEventListener("abort", onUserAbort);
      await writer.close().catch(() => {});
    }
    if (stopReason !== undefined) throw new Error(`rescore of run ${run.id} stopped: ${stopReason}`);
    const completed = !stop.signal.aborted;
    if (completed) await store.completeScoreSet(run.id, setId, new Date().toISOString());
    const now = (await store.getRun(run.id)) ?? run;
    const finalSet = (await store.listScoreSets(run.id)).find((s) => s.id === setId) ?? set;
    return { run: now, scoreSet: finalSet, resumed, completed };
  } finally {
    await lease.release().catch(() => {});
  }
}
