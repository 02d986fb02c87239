import { z } from "zod";
import { importBaseline } from "../../baseline/import.ts";
import { type BaselineFile, readBaselineFile } from "../../baseline/read.ts";
import { InputError } from "../../config/errors.ts";
import type { RunOrigin, RunRecord, Store } from "../../store/types.ts";
import type { PushResponse } from "../api-types.ts";
import { BadRequest } from "../http.ts";

/**
 * The server's side of `assay push`. A pushed run travels in the baseline file's format (one run,
 * self-contained: the run record with its lineage, every completed score set, the dataset
 * version's cases, the outputs and every set's scores), so the checks and the idempotent import
 * are the ones `assay baseline import` already has; this adds what a shared store needs on top:
 * the origin every pushed run must carry, tags left to the server, and a refusal (409) when the
 * id is taken by a different run.
 */

/** How a body's problems are named: the temp file is the server's business, not the pusher's. */
const BODY = "body";

const origin = z.strictObject({
  host: z.string().min(1).max(255),
  user: z.string().min(1).max(255),
  ciUrl: z.string().min(1).max(2048).optional(),
});

/** A pushed run, read and checked. */
export type PushedRun = BaselineFile & { origin: RunOrigin };

/** Reads the received body (see receive.ts); a bad one is a 400 naming the line and field. */
export async function readPush(file: string): Promise<PushedRun> {
  let pushed: BaselineFile;
  try {
    pushed = await readBaselineFile(file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new BadRequest(err.message.split(file).join(BODY), 400, { line: err.line, field: err.field });
  }
  const parsed = origin.safeParse(pushed.header.run.lineage.origin);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ["run", "lineage", "origin", ...issue.path.map(String)].join(".");
    throw new BadRequest(
      `${BODY}:1 ${field}: ${issue.message} (every pushed run says where it was made)`,
      400,
      {
        line: 1,
        field,
      },
    );
  }
  return { ...pushed, origin: parsed.data };
}

/** What identifies a run beyond its id: two runs that differ here are not the same run. */
const IDENTITY: Array<[string, (r: RunRecord) => unknown]> = [
  ["suite", (r) => r.suite],
  ["target", (r) => r.target],
  ["dataset version", (r) => r.datasetVersion],
  ["started", (r) => r.startedAt],
  ["epochs", (r) => r.epochs],
  ["cases", (r) => r.caseCount],
  ["suite hash", (r) => r.lineage.suiteHash],
  ["target configuration", (r) => r.lineage.targetConfigHash],
];

function conflict(id: string, what: string): BadRequest {
  return new BadRequest(
    `the server already holds a run ${id} that differs from this one (${what}): nothing was written. ` +
      "Run ids are chosen where a run is made (`assay run --run-id`); push a run under an id of its own",
    409,
    { field: "run.id" },
  );
}

/**
 * Writes a pushed run into `store`, or finds it there already. Idempotent: pushing the same run
 * again writes nothing. A different run under the same id is refused, and so is a run the server
 * made itself or is still writing (a shard of a shared run), rather than overwritten.
 */
export async function storePush(store: Store, pushed: PushedRun): Promise<PushResponse> {
  const run = pushed.header.run as RunRecord;
  // Tags name one run per suite on the server (`assay baseline set` moves them there): a pushed
  // run's tags are its machine's, and would make a second "main" here.
  const incoming: BaselineFile = {
    ...pushed,
    header: { ...pushed.header, run: { ...pushed.header.run, tags: [] } },
  };
  const existing = await store.getRun(run.id);
  if (existing?.status === "completed") {
    for (const [what, of] of IDENTITY) {
      if (of(existing) !== of(run)) throw conflict(run.id, `${what} ${of(existing)} vs ${of(run)}`);
    }
  }
  let outcome: Awaited<ReturnType<typeof importBaseline>>;
  try {
    outcome = await importBaseline(store, incoming);
  } catch (err) {
    // with a run already under the id, the import's only refusal is that the two runs differ
    if (existing && err instanceof InputError) {
      const what = /\(([^()]*)\): nothing imported$/.exec(err.message)?.[1] ?? "its contents";
      throw conflict(run.id, what);
    }
    throw err;
  }
  return {
    status: outcome.status,
    run: run.id,
    suite: run.suite,
    target: run.target,
    results: pushed.header.counts.outputs,
    scores: pushed.header.counts.scores,
    scoreSets: pushed.header.scoreSets.map((s) => s.id),
    origin: outcome.run.lineage.origin ?? pushed.origin,
  };
}
