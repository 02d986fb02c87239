import { InputError } from "../config/errors.ts";
import type { RunRecord, RunStatus, ShardRef, ShardStatus, Store } from "../store/types.ts";

/**
 * Several shard processes writing ONE run on a shared store (`assay run --shard I/N --run-id ID`
 * on PostgreSQL): the run row stands for the whole dataset, each shard has its own row in
 * run_shards (status, planned results, lease), and the run is completed only when every shard is
 * and the store holds every planned (case, epoch). On SQLite each shard keeps its own file, and
 * `assay merge` joins them instead: one file has one writer machine.
 */

/** The shard a run shares with other processes, or undefined when it runs on its own. */
export function sharedShardOf(
  store: Store,
  opts: { shard?: ShardRef; runId?: string },
): ShardRef | undefined {
  return opts.shard !== undefined && opts.runId !== undefined && store.kind === "postgres"
    ? { index: opts.shard.index, count: opts.shard.count }
    : undefined;
}

const label = (shard: ShardRef) => `${shard.index}/${shard.count}`;

/** A shard of a run started with other settings (suite, dataset, target, epochs…). Exit 2. */
export class ShardMismatchError extends InputError {
  constructor(runId: string, shard: ShardRef, differences: string[]) {
    super(
      `run ${runId} was started with other settings than this shard (${label(shard)}) has: ` +
        `${differences.join("; ")}. Every shard of one run must run the same suite, dataset, target, ` +
        "epochs and evaluators with the same shard count; give a different run another --run-id",
    );
    this.name = "ShardMismatchError";
  }
}

/** A shard started again without --resume: it would call its cases twice. Exit 2. */
export class ShardAlreadyStartedError extends InputError {
  constructor(runId: string, shard: ShardStatus) {
    const reason = shard.statusReason ? `: ${shard.statusReason}` : "";
    super(
      `shard ${label(shard)} of run ${runId} has already run (${shard.status}${reason}); ` +
        `continue it with: assay run --resume --shard ${label(shard)} --run-id ${runId}`,
    );
    this.name = "ShardAlreadyStartedError";
  }
}

const short = (hash: string | undefined) => (hash === undefined ? "none" : hash.slice(0, 12));

function evaluatorIds(run: RunRecord): string {
  return Object.entries(run.dimensions)
    .map(([d, r]) => `${d}=${r.evaluator}`)
    .sort()
    .join(", ");
}

/**
 * What differs between the stored run and the one this shard would have made, each as
 * `what (run X, this shard Y)`; empty when the shard may join the run.
 */
export function runDifferences(stored: RunRecord, mine: RunRecord): string[] {
  const checks: Array<[string, (r: RunRecord) => string]> = [
    ["suite", (r) => r.suite],
    ["suite file hash", (r) => short(r.lineage.suiteHash)],
    ["dataset version", (r) => r.datasetVersion],
    ["target", (r) => `${r.target} (config ${short(r.lineage.targetConfigHash)})`],
    ["epochs", (r) => String(r.epochs)],
    ["evaluator ids", evaluatorIds],
    [
      "shard count",
      (r) => (r.lineage.shards === undefined ? "none (not a sharded run)" : String(r.lineage.shards)),
    ],
  ];
  return checks
    .filter(([, of]) => of(stored) !== of(mine))
    .map(([what, of]) => `${what} (run ${of(stored)}, this shard ${of(mine)})`);
}

/**
 * The run this shard writes into: created by the first shard to get here, found by the others
 * (of shards racing to create it, one insert wins and the rest read it), and refused when it was
 * started with other settings.
 */
export async function joinSharedRun(store: Store, mine: RunRecord, shard: ShardRef): Promise<RunRecord> {
  let run = await store.getRun(mine.id);
  if (!run) {
    try {
      await store.createRun(mine);
      return mine;
    } catch (err) {
      run = await store.getRun(mine.id);
      if (!run) throw err;
    }
  }
  const differences = runDifferences(run, mine);
  if (differences.length > 0) throw new ShardMismatchError(mine.id, shard, differences);
  return run;
}

export interface SharedRunVerdict {
  status: RunStatus;
  statusReason?: string;
  /** shards not finished yet (never started, or running) */
  waitingFor: number[];
}

/**
 * The whole run's status from its shards' (a pure function of stored rows): running while any
 * shard has not finished; failed or interrupted, naming the shards, when all finished but some
 * did not complete; completed when all completed and the store holds exactly the results they
 * planned together — counted, not assumed.
 */
export function sharedRunVerdict(
  shards: ShardStatus[],
  count: number,
  storedResults: number,
): SharedRunVerdict {
  const byIndex = new Map(shards.filter((s) => s.count === count).map((s) => [s.index, s]));
  const waitingFor: number[] = [];
  for (let i = 1; i <= count; i++) {
    const s = byIndex.get(i);
    if (!s || s.status === "running") waitingFor.push(i);
  }
  if (waitingFor.length > 0) return { status: "running", waitingFor };
  const all = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const unfinished = all.filter((s) => s.status !== "completed");
  if (unfinished.length > 0) {
    const statusReason = unfinished
      .map((s) => `shard ${label(s)} ${s.status}${s.statusReason ? ` (${s.statusReason})` : ""}`)
      .join("; ");
    const status = unfinished.some((s) => s.status === "failed") ? "failed" : "interrupted";
    return { status, statusReason: `${statusReason}; continue with --resume --shard I/N`, waitingFor };
  }
  const planned = all.reduce((sum, s) => sum + (s.planned ?? Number.NaN), 0);
  if (storedResults === planned) return { status: "completed", waitingFor };
  return {
    status: "failed",
    statusReason: `every shard completed, but ${storedResults} of ${planned} planned results are stored`,
    waitingFor,
  };
}

/**
 * Brings the run row in line with its shards once this shard has recorded its own status. Of
 * shards finishing at the same moment, each records its status before reading the others', so
 * the last to finish always sees every shard finished.
 */
export async function settleSharedRun(
  store: Store,
  run: RunRecord,
  count: number,
): Promise<{ run: RunRecord; waitingFor: number[] }> {
  const [shards, stored] = await Promise.all([store.listShards(run.id), store.countOutputs(run.id)]);
  const verdict = sharedRunVerdict(shards, count, stored);
  if (verdict.status !== "running") {
    const finishedAt = new Date().toISOString();
    await store.updateRun(run.id, { status: verdict.status, statusReason: verdict.statusReason, finishedAt });
  }
  return { run: (await store.getRun(run.id)) ?? run, waitingFor: verdict.waitingFor };
}
