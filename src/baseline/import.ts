import { basename } from "node:path";
import { InputError } from "../config/errors.ts";
import type { RunRecord, Store } from "../store/types.ts";
import type { BaselineFile } from "./read.ts";
import { moveTag } from "./tag.ts";

export interface ImportOptions {
  /** the suite the store serves: a file of another suite is refused unless `force` */
  suite?: string;
  force?: boolean;
  /** a tag to move onto the imported run (as `assay baseline set --tag`) */
  tag?: string;
}

export interface ImportOutcome {
  /** `imported`, or `present` when the store already held the run (nothing was written) */
  status: "imported" | "present";
  run: RunRecord;
  /** the tag was moved onto the run by this import */
  tagged: boolean;
}

/** How an import in progress marks its run, so an import cut short is redone, never mistaken for a run. */
const IMPORTING = "importing baseline from ";

/** Outputs (with their scores) per write: one transaction each, well under any store's limits. */
const BATCH = 2000;

/**
 * Brings a baseline file's run into `store`, keeping its id, lineage, score sets, outputs and
 * scores, so that `assay gate` on a fresh CI runner compares against the very run that was
 * exported. Idempotent: a run already in the store is left as it is. The run is marked as being
 * imported until its last row is written; an import cut short is cleared and redone next time.
 */
export async function importBaseline(
  store: Store,
  baseline: BaselineFile,
  opts: ImportOptions = {},
): Promise<ImportOutcome> {
  const { header, file } = baseline;
  const run = header.run as RunRecord;
  if (opts.suite !== undefined && run.suite !== opts.suite && !opts.force) {
    throw new InputError(
      `this baseline is of suite "${run.suite}", not "${opts.suite}": nothing imported (--force imports it anyway)`,
      { file, field: "run.suite" },
    );
  }
  let existing = await store.getRun(run.id);
  if (existing?.status === "running" && existing.statusReason?.startsWith(IMPORTING)) {
    await store.deleteRun(run.id);
    existing = undefined;
  }
  if (existing) {
    await checkSameRun(store, existing, baseline);
  } else {
    await writeRun(store, baseline);
  }
  const stored = (await store.getRun(run.id)) as RunRecord;
  const tagged = opts.tag ? await moveTag(store, stored, opts.tag) : false;
  return {
    status: existing ? "present" : "imported",
    run: tagged ? ((await store.getRun(run.id)) as RunRecord) : stored,
    tagged,
  };
}

async function writeRun(store: Store, baseline: BaselineFile): Promise<void> {
  const { header } = baseline;
  const run = header.run as RunRecord;
  // Rows a store may hold under this id without a run (a crash between writes) would collide.
  await store.deleteRun(run.id);
  // The sets first, with their own times: createRun's own set-1 row then finds its place taken.
  for (const set of header.scoreSets) await store.createScoreSet({ ...set, runId: run.id });
  await store.createRun({
    ...run,
    status: "running",
    statusReason: `${IMPORTING}${basename(baseline.file)}`,
    finishedAt: undefined,
  });
  await store.putCases(
    run.datasetVersion,
    baseline.cases.map((c) => ({ case: c.case, ordinal: c.ordinal })),
  );
  const scoresOf = new Map<string, typeof baseline.scores>();
  for (const s of baseline.scores) {
    const key = `${s.caseId}\u0000${s.epoch}`;
    const list = scoresOf.get(key);
    if (list) list.push(s);
    else scoresOf.set(key, [s]);
  }
  for (let i = 0; i < baseline.outputs.length; i += BATCH) {
    const outputs = baseline.outputs.slice(i, i + BATCH);
    const scores = outputs.flatMap((o) => scoresOf.get(`${o.caseId}\u0000${o.epoch}`) ?? []);
    await store.writeResults({ outputs, scores });
  }
  await store.updateRun(run.id, {
    status: "completed",
    statusReason: undefined,
    finishedAt: run.finishedAt,
    tags: run.tags,
  });
}

/** The store already holds a run with this id: fine when it is the same run, refused otherwise. */
async function checkSameRun(store: Store, existing: RunRecord, baseline: BaselineFile): Promise<void> {
  const { header, file } = baseline;
  const differs = (what: string) =>
    new InputError(
      `the store already holds a run ${existing.id} that differs from this file (${what}): nothing imported`,
      { file, field: "run.id" },
    );
  for (const key of ["suite", "target", "datasetVersion", "status"] as const) {
    if (existing[key] !== header.run[key]) throw differs(`${key} ${existing[key]} vs ${header.run[key]}`);
  }
  const outputs = await store.countOutputs(existing.id);
  if (outputs !== header.counts.outputs) throw differs(`${outputs} outputs vs ${header.counts.outputs}`);
  const stored = (await store.listScoreSets(existing.id))
    .filter((s) => s.status === "completed")
    .map((s) => `@${s.id}`)
    .join(", ");
  const inFile = header.scoreSets.map((s) => `@${s.id}`).join(", ");
  if (stored !== inFile) throw differs(`score sets ${stored} vs ${inFile}`);
}
