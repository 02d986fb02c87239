import { InputError } from "../config/errors.ts";
import type { RunRecord, Store, StoredScore } from "./types.ts";

/**
 * Joins runs from several stores (shard files of one CI matrix, one per machine) into one store.
 * Runs are matched by id: the shards of one run (`assay run --shard I/N --run-id ID`) become one
 * run; runs with ids of their own are copied as they are. Shards must agree on suite, dataset
 * version, target configuration, epochs and evaluator ids, or nothing is written.
 */

export interface MergeSource {
  /** how the source is named in messages (its file) */
  name: string;
  store: Store;
}

export interface MergedRun {
  id: string;
  sources: string[];
  results: number;
  status: RunRecord["status"];
  statusReason?: string;
}

interface Part {
  source: MergeSource;
  run: RunRecord;
}

function evaluatorIds(run: RunRecord): string {
  return JSON.stringify(
    Object.entries(run.dimensions)
      .map(([d, r]) => [d, r.evaluator])
      .sort(),
  );
}

/** Refuses (InputError, exit 2) parts that cannot be one run, naming the field and both sources. */
function checkCompatible(id: string, parts: Part[]): void {
  const [first, ...rest] = parts;
  const checks: Array<[string, (r: RunRecord) => string]> = [
    ["suite", (r) => r.suite],
    ["dataset version", (r) => r.datasetVersion],
    ["target", (r) => `${r.target} (${r.lineage.targetConfigHash})`],
    ["epochs", (r) => String(r.epochs)],
    ["evaluator ids", evaluatorIds],
  ];
  for (const other of rest) {
    for (const [what, of] of checks) {
      if (of(first.run) !== of(other.run)) {
        throw new InputError(
          `run ${id}: ${first.source.name} and ${other.source.name} differ in ${what} ` +
            `(${of(first.run)} vs ${of(other.run)}); nothing was merged`,
        );
      }
    }
  }
}

/**
 * Checks every source first; `openInto` is called only when they can be merged, so a refused
 * merge leaves no trace (not even an empty target store).
 */
export async function mergeStores(
  sources: MergeSource[],
  openInto: () => Promise<Store>,
): Promise<MergedRun[]> {
  const byId = new Map<string, Part[]>();
  for (const source of sources) {
    for (const run of await source.store.listRuns()) {
      const parts = byId.get(run.id) ?? [];
      parts.push({ source, run });
      byId.set(run.id, parts);
    }
  }
  for (const [id, parts] of byId) checkCompatible(id, parts);
  const into = await openInto();
  for (const id of byId.keys()) {
    if (await into.getRun(id))
      throw new InputError(`run ${id} is already in the target store; nothing was merged`);
  }

  const merged: MergedRun[] = [];
  for (const [id, parts] of byId) {
    const first = parts[0].run;
    const seen = new Set<string>();
    let results = 0;
    const outputsAll = [];
    const scoresAll: StoredScore[] = [];
    const cases = new Map<
      string,
      { case: Parameters<Store["putCases"]>[1][number]["case"]; ordinal: number }
    >();
    for (const { source, run } of parts) {
      for (const c of await source.store.listCases(run.datasetVersion)) {
        const { datasetVersion: _v, ordinal, ...plain } = c;
        if (!cases.has(c.id)) cases.set(c.id, { case: plain, ordinal });
      }
      const outputs = await source.store.listOutputs(run.id);
      for (const o of outputs) {
        const key = `${o.caseId}\u0000${o.epoch}`;
        if (seen.has(key)) {
          throw new InputError(
            `run ${id}: case ${o.caseId} (epoch ${o.epoch}) is in more than one source; nothing was merged`,
          );
        }
        seen.add(key);
        outputsAll.push(o);
        results++;
      }
      // The current score set of each part, written as the merged run's own scoring.
      for (const s of await source.store.listScores(run.id, run.scoreSet)) {
        const { scoreSet: _set, ...plain } = s;
        scoresAll.push(plain);
      }
    }
    const planned = first.caseCount * first.epochs;
    const allCompleted = parts.every((p) => p.run.status === "completed");
    const complete = allCompleted && results >= planned;
    const { shard: _shard, ...lineage } = first.lineage;
    const run: RunRecord = {
      ...first,
      lineage,
      scoreSet: 1,
      tags: [...new Set(parts.flatMap((p) => p.run.tags))],
      status: complete ? "completed" : "failed",
      startedAt: parts.map((p) => p.run.startedAt).sort()[0],
      finishedAt:
        parts
          .map((p) => p.run.finishedAt ?? "")
          .sort()
          .at(-1) || undefined,
    };
    if (!complete) {
      run.statusReason = allCompleted
        ? `merged ${results} of ${planned} results: a shard is missing`
        : `merged ${results} of ${planned} results: a source run is not completed`;
    } else {
      delete run.statusReason;
    }
    await into.createRun(run);
    await into.putCases(first.datasetVersion, [...cases.values()]);
    await into.writeResults({ outputs: outputsAll, scores: scoresAll });
    merged.push({
      id,
      sources: parts.map((p) => p.source.name),
      results,
      status: run.status,
      ...(run.statusReason ? { statusReason: run.statusReason } : {}),
    });
  }
  return merged;
}
