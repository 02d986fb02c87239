import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareRuns } from "../compare/compare.ts";
import { loadRunRows } from "../compare/load.ts";
import type { Comparison } from "../compare/types.ts";
import type { LoadedSuite } from "../config/load.ts";
import { summarizeDataset } from "../dataset/dataset.ts";
import { buildTargets } from "../engine/prepare.ts";
import { callSettings } from "../engine/run-suite.ts";
import { type RunTargetResult, runTarget } from "../engine/run-target.ts";
import type { LlmRuntime } from "../llm/client.ts";
import { loadScorecard } from "../scorecard/load.ts";
import type { StoredRecord } from "../store/production.ts";
import type { Store } from "../store/types.ts";
import { createReplayTarget } from "../targets/replay/index.ts";
import type { TargetResponse } from "../targets/types.ts";
import { monitorConfigOf, monitorDimensions } from "./run.ts";
import { matchesFilter, recordAsCase, sampled } from "./score.ts";

/**
 * Shadow mode (`assay shadow --monitor NAME --candidate TARGET`): recorded production inputs are
 * sent to a candidate target (its answers go nowhere but the store), the recorded outputs are
 * replayed as the incumbent, both are scored with the monitor's dimensions, and the two runs are
 * compared exactly as `assay compare` compares any two runs — the same paired tests, intervals,
 * Holm correction and JSON. Both are ordinary runs in the store, so `assay show`, `compare` and
 * the web app read them too. The sampled records are written as a dataset file under
 * `.assay/shadow/` beside the suite (the runs' lineage names it).
 */

export interface ShadowOptions {
  suite: LoadedSuite;
  store: Store;
  monitor: string;
  candidate: string;
  /** share of the monitor's records to send (default 1) */
  sample?: number;
  /** the newest this many sampled records (default 500) */
  limit?: number;
  llm?: LlmRuntime;
  concurrency?: number;
  signal?: AbortSignal;
  now?: Date;
}

export interface ShadowSide {
  run: string;
  status: string;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  cost: { total: number; perCase: number | null };
  errors: number;
}

export interface ShadowReport {
  monitor: string;
  records: number;
  datasetFile: string;
  incumbent: ShadowSide;
  candidate: ShadowSide;
}

export type ShadowResult = Comparison & { shadow: ShadowReport };

/** The monitor's newest records that pass its filter and the shadow sample, oldest first. */
async function shadowRecords(
  store: Store,
  monitor: string,
  filter: Record<string, unknown> | undefined,
  rate: number,
  limit: number,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  const page = 1000;
  for (let offset = 0; out.length < limit; offset += page) {
    const batch = await store.production.listRecords({ monitor, limit: page, offset });
    for (const r of batch) {
      if (out.length >= limit) break;
      if (matchesFilter(r, filter) && sampled(`shadow:${monitor}`, r.id, rate)) out.push(r);
    }
    if (batch.length < page) break;
  }
  return out.reverse();
}

export async function runShadow(opts: ShadowOptions): Promise<ShadowResult> {
  const { suite, store, monitor } = opts;
  const config = monitorConfigOf(suite, monitor);
  if (!suite.config.targets.some((t) => t.id === opts.candidate)) {
    throw suite.errorAt(
      ["targets"],
      `no target "${opts.candidate}" to shadow (--candidate names a target id)`,
    );
  }
  const records = await shadowRecords(store, monitor, config.filter, opts.sample ?? 1, opts.limit ?? 500);
  if (records.length === 0) {
    throw suite.errorAt(
      ["monitors", monitor],
      `monitor "${monitor}" has no records to shadow (ingest some, or check its filter)`,
    );
  }
  const stamp = (opts.now ?? new Date()).toISOString().replace(/[:.]/g, "-");
  const dir = join(suite.baseDir, ".assay", "shadow", `${monitor}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const datasetFile = join(dir, "cases.jsonl");
  writeFileSync(datasetFile, `${records.map((r) => JSON.stringify(recordAsCase(r))).join("\n")}\n`);
  const dataset = await summarizeDataset([datasetFile]);

  const dims = await monitorDimensions(suite, config, opts.llm);
  const recorded = new Map<string, TargetResponse>(
    records.map((r) => {
      const response: TargetResponse = { output: r.output ?? "" };
      if (r.trace) response.trace = r.trace;
      if (r.usage) response.usage = r.usage;
      if (r.costUsd !== undefined) response.costUsd = r.costUsd;
      if (r.latencyMs !== undefined) response.latencyMs = r.latencyMs;
      return [r.id, response];
    }),
  );
  const incumbent = createReplayTarget({
    id: `${monitor}-production`,
    baseDir: suite.baseDir,
    loadRun: async () => recorded,
    run: `monitor ${monitor}`,
  });
  const [candidate] = await buildTargets(suite, [opts.candidate], store, opts.llm);
  const common = {
    store,
    suite: { name: suite.config.suite, hash: suite.hash, file: suite.file, baseDir: suite.baseDir },
    dimensions: dims,
    datasetFiles: [datasetFile],
    dataset,
    epochs: 1,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const results: RunTargetResult[] = [];
  try {
    results.push(
      await runTarget({ ...common, target: incumbent, concurrency: 16, timeoutMs: 30_000, retries: 0 }),
    );
    results.push(
      await runTarget({
        ...common,
        target: candidate,
        concurrency: opts.concurrency ?? suite.config.concurrency,
        ...callSettings(suite, candidate.id),
      }),
    );
  } finally {
    await candidate.close?.();
    await incumbent.close?.();
  }
  for (const r of results) {
    await store.updateRun(r.run.id, { tags: [...r.run.tags, `shadow:${monitor}`] });
  }
  const [inc, cand] = await Promise.all(results.map((r) => store.getRun(r.run.id)));
  const comparison = compareRuns(await loadRunRows(store, inc!), await loadRunRows(store, cand!));
  const side = async (run: NonNullable<typeof inc>): Promise<ShadowSide> => {
    const card = await loadScorecard(store, run);
    return {
      run: run.id,
      status: run.status,
      latencyMs: card.latencyMs,
      cost: { total: card.cost.total, perCase: card.cost.perCase },
      errors: card.errors.count,
    };
  };
  return {
    ...comparison,
    shadow: {
      monitor,
      records: records.length,
      datasetFile,
      incumbent: await side(inc!),
      candidate: await side(cand!),
    },
  };
}
