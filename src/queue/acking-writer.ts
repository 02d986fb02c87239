import type { CaseResult } from "../engine/case-work.ts";
import { defaultWriteRetryMs, withWriteRetry } from "../engine/writer.ts";
import type { Store } from "../store/types.ts";

/**
 * Batches a worker's results into few transactions, yet a job is acknowledged only once its own
 * result is committed: `write` resolves after the batch holding it was written. A worker killed
 * before that leaves the job unacknowledged, and BullMQ hands it to another worker after the
 * stall interval; the store's key on (run, case, epoch) keeps a re-done result from doubling.
 */
export class AckingWriter {
  private pending: Array<{ result: CaseResult; resolve(): void; reject(err: unknown): void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly opts: { maxRows?: number; maxDelayMs?: number; retryMs?: number } = {},
  ) {}

  write(result: CaseResult): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ result, resolve, reject });
      if (this.pending.length >= (this.opts.maxRows ?? 200)) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.maxDelayMs ?? 20);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.chain = this.chain.then(async () => {
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
    });
  }

  /** writes what is buffered and waits for it */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }
}
