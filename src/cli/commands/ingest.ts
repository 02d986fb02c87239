import { resolve } from "node:path";
import { loadSuite } from "../../config/load.ts";
import { monitorConfigOf } from "../../monitor/run.ts";
import { ingestFile } from "../../records/ingest.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, suiteFileFor } from "../io.ts";

export interface IngestCommandOptions extends GlobalOptions {
  monitor?: string;
  suite?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `assay ingest FILE.jsonl [--monitor NAME]`: production records into the store. Every line is
 * checked before any is written (a bad one exits 2 naming its line and field); a record whose id
 * is already stored is skipped and counted.
 */
export async function ingestCommand(file: string, opts: IngestCommandOptions): Promise<number> {
  const suiteFile = suiteFileFor(opts.suite);
  if (opts.monitor !== undefined) {
    // a monitor the suite does not define would hold records nobody ever scores
    if (!suiteFile) {
      throw new CliError(
        `--monitor ${opts.monitor}: no suite here defines monitors (pass --suite)`,
        EXIT.usage,
      );
    }
    monitorConfigOf(await loadSuite(suiteFile), opts.monitor);
  }
  const store = await openCliStore(opts, suiteFile);
  try {
    const result = await ingestFile(store.production, resolve(file), {
      ...(opts.monitor ? { monitor: opts.monitor } : {}),
      ...(opts.quiet || !process.stderr.isTTY
        ? {}
        : { onProgress: (n: number) => process.stderr.write(`\rwritten ${n} records`) }),
    });
    if (!opts.quiet && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...result, store: storeLocationOf(store) }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `ingested ${result.inserted} records from ${file}` +
          (result.duplicates > 0 ? ` (${result.duplicates} duplicate ids skipped)` : "") +
          "\n",
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
