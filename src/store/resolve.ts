import type { RunRecord, Store } from "./types.ts";

/**
 * Finds a run from what a person types: a full id, `latest` (optionally of a target), a unique id
 * prefix, or a tag (the newest run carrying it), optionally followed by `@N` for the run's score
 * set N (see `assay show RUN --score-sets`). `suite` narrows the search when given.
 */
export async function resolveRun(
  store: Store,
  ref: string,
  scope: { suite?: string } = {},
): Promise<RunRecord> {
  const exact = await store.getRun(ref);
  if (exact) return exact;
  const at = /^(.+)@(\d+)$/.exec(ref);
  if (at) return atScoreSet(store, await resolveRunRef(store, at[1], scope), Number(at[2]));
  return resolveRunRef(store, ref, scope);
}

/** The run as it reads with score set `id`: that set's dimensions and evaluator ids. */
export async function atScoreSet(store: Store, run: RunRecord, id: number): Promise<RunRecord> {
  const sets = await store.listScoreSets(run.id);
  const set = sets.find((s) => s.id === id);
  const known = sets.map((s) => `@${s.id}${s.status === "completed" ? "" : " (unfinished)"}`).join(", ");
  if (!set) throw new RunNotFoundError(`run ${run.id} has no score set @${id} (it has ${known || "none"})`);
  if (set.status !== "completed") {
    throw new RunNotFoundError(
      `score set @${id} of run ${run.id} is unfinished: run \`assay rescore ${run.id}\` again to finish it`,
    );
  }
  const evaluators = Object.fromEntries(Object.entries(set.dimensions).map(([d, r]) => [d, r.evaluator]));
  return { ...run, scoreSet: id, dimensions: set.dimensions, lineage: { ...run.lineage, evaluators } };
}

async function resolveRunRef(store: Store, ref: string, scope: { suite?: string }): Promise<RunRecord> {
  const exact = await store.getRun(ref);
  if (exact) return exact;
  const runs = await store.listRuns({ suite: scope.suite });
  if (ref === "latest") {
    if (runs[0]) return runs[0];
    throw new RunNotFoundError(`no runs stored${scope.suite ? ` for suite ${scope.suite}` : ""}`);
  }
  const latestOf = /^latest:(.+)$/.exec(ref);
  if (latestOf) {
    const run = runs.find((r) => r.target === latestOf[1]);
    if (run) return run;
    throw new RunNotFoundError(`no runs of target "${latestOf[1]}"`);
  }
  const tagged = runs.find((r) => r.tags.includes(ref));
  if (tagged) return tagged;
  const prefixed = runs.filter((r) => r.id.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0];
  if (prefixed.length > 1) {
    throw new RunNotFoundError(
      `"${ref}" matches ${prefixed.length} runs: ${prefixed
        .slice(0, 5)
        .map((r) => r.id)
        .join(", ")}`,
    );
  }
  throw new RunNotFoundError(
    `no run "${ref}" (give a run id, a unique prefix, a tag, latest or latest:TARGET)`,
  );
}

export class RunNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunNotFoundError";
  }
}
