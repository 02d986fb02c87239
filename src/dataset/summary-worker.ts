/**
 * The worker thread behind summarizeAside (summary-aside.ts): summarises the dataset files it is
 * given and posts back every record it skipped, then the summary or the error that stopped it.
 * Errors cross the thread as plain data (InputError's location kept) and are rebuilt there.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../config/errors.ts";
import { summarizeDataset } from "./dataset.ts";
import type { SummaryMessage } from "./summary-aside.ts";

const { files, skipInvalid } = workerData as { files: string[]; skipInvalid: boolean };
const post = (m: SummaryMessage) => parentPort?.postMessage(m);

function plain(err: unknown): Extract<SummaryMessage, { error: unknown }>["error"] {
  if (err instanceof InputError) {
    const { message, file, line, column, field } = err;
    return { input: true, message, file, line, column, field };
  }
  const e = err as { message?: unknown; code?: unknown };
  return {
    input: false,
    message: typeof e?.message === "string" ? e.message : String(err),
    code: typeof e?.code === "string" ? e.code : undefined,
  };
}

summarizeDataset(files, { skipInvalid, onInvalid: (e) => post({ invalid: plain(e) }) }).then(
  (summary) => post({ summary }),
  (err) => post({ error: plain(err) }),
);
