import type { CaseResult } from "../engine/case-work.ts";
import { defaultWriteRetryMs, withWriteRetry } from "../engine/writer.ts";
import type { Store } from "../store/types.ts";

/**
 * Group commit for a worker's results: a job is acknowledged only once its own result is
 * committed (`write` resolves after the transaction holding it), yet results share
 * transactions. A result arriving while no write is in flight is written at once; those arriving
 * during a write go together in the next one. So a job waits one commit, never a timer, and a
 * busy worker writes big batches. A worker killed before the commit leaves the job
 * unacknowledged: BullMQ hands it to another worker after the stall interval, and the store's key
 * on (run, case, epoch) keeps the redone result from doubling.
 */
export class AckingWriter {
  private pending: Array<{ result: CaseResult; resolve(): void; reject(err: unknown): void }> = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: { maxRows?: number; retryMs?: number } = {},
  ) {}

  write(result: CaseResult): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ result, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  /** Writes batches until nothing is pending; one transaction at a time. */
  private async drain(): Promise<void> {
    const maxRows = this.opts.maxRows ?? 500;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, maxRows);
      try {
        await withWriteRetry(
          () =>
            this.store.writeResults({
              outputs: batch.map((b) => b.result.output),
              scores: batch.flatMap((b) => b.result.scores),
            }),
          this.opts.retryMs ?? defaultWriteRetryMs(),
        );
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = undefined;
  }

  /** waits for every write asked for so far */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
