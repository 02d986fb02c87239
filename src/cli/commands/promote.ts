import { relative, resolve } from "node:path";
import { promoteCase } from "../../labels/promote.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore } from "../io.ts";

export interface PromoteCommandOptions extends GlobalOptions {
  to: string;
  label?: string;
  epoch?: number;
  id?: string;
  expected?: string;
}

/** `assay promote RUN CASE --to FILE [--label L]`: append a failing case to a regression dataset. */
export async function promoteCommand(
  runRef: string,
  caseId: string,
  opts: PromoteCommandOptions,
): Promise<number> {
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
