import { loadScorecardParts } from "../scorecard/load.ts";
import type { ScorecardOptions } from "../scorecard/operating.ts";
import type { Scorecard } from "../scorecard/types.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { figuresOfColumns, type RunFigures } from "./figures.ts";
import { fingerprint, type RunIndexCache } from "./run-index.ts";

/** Figures remembered in memory: a few hundred bytes each. */
const KEPT = 256;

/**
 * The run page's scorecard and figures (status counts, latency histogram), without the run's case
 * index: both come with the scorecard parts the store keeps (loadScorecardParts: kept by `assay
 * run` as it ends, or streamed once and kept), or the figures from a built index. Never waits for
 * an index build: the route holds builds of the run until it has answered.
 */
export class RunPage {
  private readonly figures = new Map<string, RunFigures>();
  private readonly pending = new Map<string, Promise<{ scorecard: Scorecard; figures: RunFigures }>>();

  constructor(
    private readonly store: Store,
    private readonly cache: RunIndexCache,
  ) {}

  async scorecard(
    run: RunRecord,
    options: ScorecardOptions,
  ): Promise<{ scorecard: Scorecard; figures: RunFigures }> {
    const key = JSON.stringify([run.id, fingerprint(run), options]);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.compute(run, options);
      this.pending.set(key, pending);
      const forget = () => this.pending.delete(key);
      pending.then(forget, forget);
    }
    return pending;
  }

  private async compute(
    run: RunRecord,
    options: ScorecardOptions,
  ): Promise<{ scorecard: Scorecard; figures: RunFigures }> {
    const key = JSON.stringify([run.id, fingerprint(run)]);
    const known = this.figures.get(key) ?? this.cache.peek(run)?.figures;
    const { scorecard, parts } = await loadScorecardParts(this.store, run, options);
    // the kept parts carry the figures (counted as the run wrote, or as its scorecard streamed)
    const figures =
      known ??
      parts.figures ??
      figuresOfColumns(run, await this.store.readResultColumns(run.id, run.datasetVersion, run.scoreSet));
    return { scorecard, figures: this.remember(run, key, figures) };
  }

  /** A finished run's figures, kept in memory too; a running run's change under the same record. */
  private remember(run: RunRecord, key: string, figures: RunFigures): RunFigures {
    if (run.status === "running") return figures;
    this.figures.delete(key);
    this.figures.set(key, figures);
    while (this.figures.size > KEPT) this.figures.delete(this.figures.keys().next().value as string);
    return figures;
  }
}
