import { loadScorecard, loadScorecardParts } from "../scorecard/load.ts";
import type { ScorecardOptions } from "../scorecard/operating.ts";
import type { Scorecard } from "../scorecard/types.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { FiguresTally, figuresOfColumns, keepFigures, keptFigures, type RunFigures } from "./figures.ts";
import { fingerprint, type RunIndexCache } from "./run-index.ts";

/** Figures remembered in memory: a few hundred bytes each. */
const KEPT = 256;

type Page = Awaited<ReturnType<Store["readCasePage"]>>;

/** The store, with every page the scorecard streams also handed to `onPage`. */
function teeStore(store: Store, onPage: (page: Page) => void): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === "readCasePage") {
        return async (...args: Parameters<Store["readCasePage"]>) => {
          const page = await target.readCasePage(...args);
          onPage(page);
          return page;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The run page's scorecard and figures (status counts, latency histogram), without the run's case
 * index: the scorecard is the one the store keeps (loadScorecard), the figures are kept beside it
 * (figures.ts) or counted by a built index. A finished run seen for the first time is read once:
 * by the scorecard's own stream when it has none kept, which feeds the figures too; else (the
 * usual case after `assay run`) by a read of its result columns for the figures alone. Never
 * waits for an index build: the route holds builds of the run until it has answered.
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
    const known =
      this.figures.get(key) ?? this.cache.peek(run)?.figures ?? (await keptFigures(this.store, run));
    if (known) return { scorecard: await loadScorecard(this.store, run, options), figures: known };
    const tally = new FiguresTally(run);
    let streamed = false;
    const tee = teeStore(this.store, (page) => {
      streamed = true;
      tally.addPage(page);
    });
    const { scorecard, parts } = await loadScorecardParts(tee, run, options);
    // the kept parts carry the figures (counted as the run wrote, or as its scorecard streamed);
    // parts kept without them: from the stream just made, else from the run's columns
    const figures =
      parts.figures ??
      (streamed
        ? tally.result()
        : figuresOfColumns(
            run,
            await this.store.readResultColumns(run.id, run.datasetVersion, run.scoreSet),
          ));
    await keepFigures(this.store, run, figures);
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
