import type { RunRecord, Store } from "./types.ts";

/**
 * Finds a run from what a person types: a full id, `latest` (optionally of a target), a unique id
 * prefix, or a tag (the newest run carrying it). `suite` narrows the search when given.
 */
export async function resolveRun(
  store: Store,
  ref: string,
  scope: { suite?: string } = {},
): Promise<RunRecord> {
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
