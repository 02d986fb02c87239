import type { RunRecord, Store } from "../store/types.ts";

/**
 * Puts `tag` on `run` and takes it off every other run of the same suite, so a baseline tag
 * (`gate.baseline: main`) names one run. Returns whether anything changed.
 */
export async function moveTag(store: Store, run: RunRecord, tag: string): Promise<boolean> {
  let changed = false;
  for (const other of await store.listRuns({ suite: run.suite, tag })) {
    if (other.id === run.id) continue;
    await store.updateRun(other.id, { tags: other.tags.filter((t) => t !== tag) });
    changed = true;
  }
  const current = (await store.getRun(run.id)) ?? run;
  if (!current.tags.includes(tag)) {
    await store.updateRun(run.id, { tags: [...current.tags, tag] });
    changed = true;
  }
  return changed;
}
