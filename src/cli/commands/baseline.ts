import { resolveRun } from "../../store/resolve.ts";
import { type GlobalOptions, openCliStore } from "../io.ts";

/** `assay baseline set RUN [--tag main]`: the tag moves to this run from any other run of its suite. */
export async function baselineSetCommand(
  ref: string,
  opts: GlobalOptions & { tag?: string },
): Promise<number> {
  const tag = opts.tag ?? "baseline";
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, ref);
    for (const other of await store.listRuns({ suite: run.suite, tag })) {
      if (other.id !== run.id) await store.updateRun(other.id, { tags: other.tags.filter((t) => t !== tag) });
    }
    if (!run.tags.includes(tag)) await store.updateRun(run.id, { tags: [...run.tags, tag] });
    process.stdout.write(`${run.id} is now the "${tag}" baseline of suite ${run.suite}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
