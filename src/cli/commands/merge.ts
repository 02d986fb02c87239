import { mergeStores } from "../../store/merge.ts";
import type { Store } from "../../store/types.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore } from "../io.ts";

/** `assay merge A.db B.db … --into OUT.db`: join shard stores (runs matched by id) into one. */
export async function mergeCommand(
  files: string[],
  opts: GlobalOptions & { into: string; json?: boolean },
): Promise<number> {
  if (files.length === 0) throw new CliError("merge takes one or more store files", EXIT.usage);
  const sources: Array<{ name: string; store: Store }> = [];
  let into: Store | undefined;
  try {
    for (const file of files) {
      sources.push({
        name: file,
        store: await openCliStore({ ...opts, db: file }, undefined, { mustExist: true }),
      });
    }
    const merged = await mergeStores(sources, async () => {
      into = await openCliStore({ ...opts, db: opts.into });
      return into;
    });
    for (const m of merged) {
      process.stdout.write(
        `${m.id}: ${m.results} results from ${m.sources.length} source${m.sources.length > 1 ? "s" : ""} · ${m.status}` +
          `${m.statusReason ? ` (${m.statusReason})` : ""}\n`,
      );
    }
    if (opts.json) process.stdout.write(`${JSON.stringify({ into: opts.into, runs: merged }, null, 2)}\n`);
    return merged.every((m) => m.status === "completed") ? EXIT.ok : EXIT.incomplete;
  } finally {
    for (const s of sources) await s.store.close();
    await (into as Store | undefined)?.close();
  }
}
