import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { InputError } from "../config/errors.ts";
import { type DatasetSummary, type ReadOptions, summarizeDataset } from "./dataset.ts";

/** What the summary worker posts: each skipped record, then the summary or the error. */
export type SummaryMessage = { invalid: PlainError } | { summary: DatasetSummary } | { error: PlainError };

type PlainError =
  | { input: true; message: string; file?: string; line?: number; column?: number; field?: string }
  | { input: false; message: string; code?: string };

/**
 * summarizeDataset in a worker thread, so that reading and hashing a large dataset (about 0.6 s
 * at 100k cases) uses the other core while this thread gets on with the run (issue 14). Same
 * result, same errors (an InputError keeps its file, line and field), `onInvalid` told in order.
 * Run from the TypeScript sources (tests, ASSAY_FROM_SOURCE), where a worker could not load the
 * .ts entry, it summarises in this thread.
 */
export function summarizeAside(files: string[], opts: ReadOptions = {}): Promise<DatasetSummary> {
  const entry = new URL("./summary-worker.js", import.meta.url);
  if (!import.meta.url.endsWith(".js") || !existsSync(entry)) return summarizeDataset(files, opts);
  return new Promise<DatasetSummary>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    const worker = new Worker(entry, { workerData: { files, skipInvalid: opts.skipInvalid === true } });
    worker.on("message", (m: SummaryMessage) => {
      if ("invalid" in m) opts.onInvalid?.(revive(m.invalid) as InputError);
      else if ("summary" in m) settle(() => resolve(m.summary));
      else settle(() => reject(revive(m.error)));
    });
    worker.on("error", (err) => settle(() => reject(err)));
    worker.on("exit", (code) =>
      settle(() => reject(new Error(`the dataset summary worker stopped (exit ${code}) before it answered`))),
    );
  });
}

function revive(e: PlainError): Error {
  if (e.input) {
    const err = new InputError("", e);
    // the message arrives located already ("file:line field: …")
    err.message = e.message;
    return err;
  }
  return Object.assign(new Error(e.message), e.code !== undefined ? { code: e.code } : {});
}
