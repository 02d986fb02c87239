import type { Case } from "../core/case.ts";
import type { Store, StoredOutput, StoredScore } from "../store/types.ts";

/**
 * PostgreSQL errors worth another try (SQLSTATE): serialization failure, deadlock, the server
 * shutting a connection down or refusing new ones for a moment.
 */
const TRANSIENT_PG_CODES = new Set([
  "40001",
  "40P01",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08006",
  "08003",
  "08001",
]);

/**
 * A store that is busy (another writer holds SQLite's lock), or a PostgreSQL server that lost a
 * race or a connection, may accept the same write a moment later.
 */
export function isTransientWriteError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string") {
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code.startsWith("SQLITE_BUSY_")) return true;
    if (TRANSIENT_PG_CODES.has(code) || code === "ECONNRESET" || code === "ECONNREFUSED") return true;
  }
  return /database is locked|database table is locked/i.test((err as Error)?.message ?? "");
}

/** How long writes keep retrying a busy store before the run fails (ASSAY_WRITE_RETRY_MS overrides). */
export function defaultWriteRetryMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ASSAY_WRITE_RETRY_MS);
  return Number.isFinite(v) && v >= 0 ? v : 30_000;
}

/**
 * Runs a write, retrying transient failures (a busy store) with exponential backoff for at most
 * `windowMs`; other failures, and a busy store past the window, are thrown.
 */
export async function withWriteRetry<T>(write: () => Promise<T>, windowMs: number): Promise<T> {
  const deadline = Date.now() + windowMs;
  let delay = 25;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isTransientWriteError(err) || Date.now() + delay > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}

/**
 * Rows per batch and the longest a row waits. Small and soon on purpose: a result held longer
 * than a couple of young-generation collections is promoted to V8's old space and dies there,
 * which is what grew a large run's memory; and a short batch holds SQLite's synchronous write
 * (on the event loop) for less time while responses wait. Measured on a 20k run: less CPU, too.
 */
const BATCH_ROWS = 100;
const BATCH_DELAY_MS = 50;

/**
 * Batches results off the hot path: workers push, and the buffer is written in one transaction
 * when it is large enough or old enough. Writes are serialised so batches land in order; a
 * failed write surfaces on the next push or on close.
 *
 * A writer made without a dataset version holds its batches until `open` gives it one: a fresh
 * run calls its target while the dataset's version is still being computed, before its row
 * exists (issue 14). `drop` discards what is held when the run never starts after all.
 */
export class ResultWriter {
  private outputs: StoredOutput[] = [];
  private scores: StoredScore[] = [];
  private cases: Array<{ case: Case; ordinal: number }> = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private datasetVersion: string | undefined;
  private dropped = false;
  private release: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    datasetVersion: string | undefined,
    private readonly opts: {
      maxRows?: number;
      maxDelayMs?: number;
      /** how long a batch retries a busy store before the writer fails */
      retryMs?: number;
      /** told once, when a batch could not be written: the engine stops calling targets */
      onFailure?: (err: unknown) => void;
    } = {},
  ) {
    this.datasetVersion = datasetVersion;
    if (datasetVersion === undefined) {
      this.chain = new Promise((resolve) => {
        this.release = resolve;
      });
    }
  }

  /** Starts writing what is held, under the dataset version now known (the run's row exists). */
  open(datasetVersion: string): void {
    this.datasetVersion = datasetVersion;
    this.release?.();
  }

  /** Writes nothing of what is held or comes later: the run was never created. */
  drop(): void {
    this.dropped = true;
    this.outputs = [];
    this.scores = [];
    this.cases = [];
    this.release?.();
  }

  /** the write that failed, if any: nothing after it is written */
  get failed(): unknown {
    return this.failure;
  }

  addCase(c: Case, ordinal: number): void {
    if (this.dropped) return;
    this.cases.push({ case: c, ordinal });
    if (this.cases.length >= (this.opts.maxRows ?? BATCH_ROWS)) this.flushSoon(true);
  }

  add(output: StoredOutput, scores: StoredScore[]): void {
    if (this.failure) throw this.failure;
    if (this.dropped) return;
    this.outputs.push(output);
    for (const s of scores) this.scores.push(s);
    if (this.outputs.length >= (this.opts.maxRows ?? BATCH_ROWS)) this.flushSoon(true);
    else this.flushSoon(false);
  }

  /** scores alone (a rescore: the outputs are stored already) */
  addScores(scores: StoredScore[]): void {
    if (this.failure) throw this.failure;
    for (const s of scores) this.scores.push(s);
    if (this.scores.length >= (this.opts.maxRows ?? BATCH_ROWS) * 4) this.flushSoon(true);
    else this.flushSoon(false);
  }

  private flushSoon(now: boolean): void {
    if (now) {
      this.enqueue();
      return;
    }
    this.timer ??= setTimeout(() => this.enqueue(), this.opts.maxDelayMs ?? BATCH_DELAY_MS);
  }

  private enqueue(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const cases = this.cases;
    const outputs = this.outputs;
    const scores = this.scores;
    if (cases.length === 0 && outputs.length === 0 && scores.length === 0) return;
    this.cases = [];
    this.outputs = [];
    this.scores = [];
    this.chain = this.chain.then(async () => {
      if (this.failure || this.dropped) return;
      const datasetVersion = this.datasetVersion as string;
      const retryMs = this.opts.retryMs ?? defaultWriteRetryMs();
      try {
        // Cases first so every stored output has its case.
        if (cases.length > 0) await withWriteRetry(() => this.store.putCases(datasetVersion, cases), retryMs);
        await withWriteRetry(() => this.store.writeResults({ outputs, scores }), retryMs);
      } catch (err) {
        this.failure = err;
        this.opts.onFailure?.(err);
      }
    });
  }

  /** Writes everything still buffered; throws if any write failed. */
  async close(): Promise<void> {
    this.enqueue();
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
