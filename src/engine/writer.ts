import type { Case } from "../core/case.ts";
import type { Store, StoredOutput, StoredScore } from "../store/types.ts";

/**
 * Batches results off the hot path: workers push, and the buffer is written in one transaction
 * when it is large enough or old enough. Writes are serialised so batches land in order; a
 * failed write surfaces on the next push or on close.
 */
export class ResultWriter {
  private outputs: StoredOutput[] = [];
  private scores: StoredScore[] = [];
  private cases: Array<{ case: Case; ordinal: number }> = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;

  constructor(
    private readonly store: Store,
    private readonly datasetVersion: string,
    private readonly opts: { maxRows?: number; maxDelayMs?: number } = {},
  ) {}

  addCase(c: Case, ordinal: number): void {
    this.cases.push({ case: c, ordinal });
    if (this.cases.length >= (this.opts.maxRows ?? 500)) this.flushSoon(true);
  }

  add(output: StoredOutput, scores: StoredScore[]): void {
    if (this.failure) throw this.failure;
    this.outputs.push(output);
    for (const s of scores) this.scores.push(s);
    if (this.outputs.length >= (this.opts.maxRows ?? 500)) this.flushSoon(true);
    else this.flushSoon(false);
  }

  private flushSoon(now: boolean): void {
    if (now) {
      this.enqueue();
      return;
    }
    this.timer ??= setTimeout(() => this.enqueue(), this.opts.maxDelayMs ?? 200);
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
      if (this.failure) return;
      try {
        // Cases first so every stored output has its case.
        if (cases.length > 0) await this.store.putCases(this.datasetVersion, cases);
        await this.store.writeResults({ outputs, scores });
      } catch (err) {
        this.failure = err;
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
