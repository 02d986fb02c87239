import { relative, resolve } from "node:path";
import { InputError } from "../../config/errors.ts";
import { flaggedOutputs, flagProvenance } from "../../labels/flags.ts";
import { promoteCase } from "../../labels/promote.ts";
import { resolveRun } from "../../store/resolve.ts";
import type { RunRecord, Store } from "../../store/types.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore } from "../io.ts";

export interface PromoteCommandOptions extends GlobalOptions {
  to: string;
  label?: string;
  epoch?: number;
  id?: string;
  expected?: string;
  /** promote every output flagged as a failure in the web app's review instead of one case */
  flagged?: boolean;
}

/** `assay promote RUN CASE --to FILE [--label L]`: append a failing case to a regression dataset. */
export async function promoteCommand(
  runRef: string,
  caseId: string | undefined,
  opts: PromoteCommandOptions,
): Promise<number> {
  if (opts.flagged) {
    if (caseId !== undefined) throw new CliError("give a case or --flagged, not both", EXIT.usage);
    for (const [flag, given] of [
      ["--id", opts.id],
      ["--expected", opts.expected],
      ["--epoch", opts.epoch],
      ["--label", opts.label],
    ] as const) {
      if (given !== undefined)
        throw new CliError(`${flag} names one case: it does not go with --flagged`, EXIT.usage);
    }
    return promoteFlaggedCommand(runRef, opts);
  }
  if (caseId === undefined) throw new CliError("give the case to promote (or --flagged)", EXIT.usage);
  let expected: unknown;
  if (opts.expected !== undefined) {
    try {
      expected = JSON.parse(opts.expected);
    } catch {
      throw new CliError(
        `--expected must be JSON (got ${opts.expected}); quote strings: '"done"'`,
        EXIT.usage,
      );
    }
  }
  if (opts.epoch !== undefined && (!Number.isInteger(opts.epoch) || opts.epoch < 0)) {
    throw new CliError("--epoch must be a whole number ≥ 0", EXIT.usage);
  }
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, runRef);
    const file = resolve(opts.to);
    const r = await promoteCase(store, {
      run,
      caseId,
      file,
      label: opts.label,
      epoch: opts.epoch,
      id: opts.id,
      expected,
    });
    const shown = relative(process.cwd(), file) || file;
    const version = r.before
      ? `dataset version ${r.before.version} → ${r.after.version}`
      : `new dataset, version ${r.after.version}`;
    process.stdout.write(
      `promoted ${caseId} from run ${run.id} to ${shown}:${r.line} as "${r.id}" (tags source=failure)\n` +
        `${version} · ${r.after.count} cases\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * `assay promote RUN --flagged --to FILE`: every output flagged as a failure in the web app's
 * review, appended in the order they were flagged, each with its flags (who, where, when, why)
 * as `metadata.promotedFrom.label`. A case already in the file is skipped and named, so the
 * command can run again after more flags.
 */
async function promoteFlaggedCommand(runRef: string, opts: PromoteCommandOptions): Promise<number> {
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, runRef);
    const file = resolve(opts.to);
    const shown = relative(process.cwd(), file) || file;
    const flagged = await flaggedOutputs(store, run.id);
    if (flagged.length === 0) {
      process.stdout.write(`no output of run ${run.id} is flagged as a failure: nothing to promote\n`);
      return EXIT.ok;
    }
    let promoted = 0;
    for (const f of flagged) {
      const line = await promoteFlagged(store, run, file, f.caseId, f.epoch, flagProvenance(f.flags));
      if (line === null) {
        process.stdout.write(`skipped ${f.caseId}: already in ${shown}\n`);
        continue;
      }
      promoted++;
      process.stdout.write(
        `promoted ${f.caseId} (epoch ${f.epoch}) to ${shown}:${line} (tags source=failure)\n`,
      );
    }
    process.stdout.write(`${promoted} of ${flagged.length} flagged outputs promoted from run ${run.id}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** Promotes one flagged output; null when its case id is already in the file. */
async function promoteFlagged(
  store: Store,
  run: RunRecord,
  file: string,
  caseId: string,
  epoch: number,
  label: string,
): Promise<number | null> {
  try {
    return (await promoteCase(store, { run, caseId, file, epoch, label })).line;
  } catch (err) {
    if (err instanceof InputError && err.field === "id" && /already in this file/.test(err.message))
      return null;
    throw err;
  }
}
