import type { SourcedCase } from "../core/case.ts";
import type { RunRecord } from "../store/types.ts";
import type { RunProgress } from "./events.ts";

/** What a dispatcher is handed: the run, its remaining (case, epoch) pairs, and its counters. */
export interface DispatchContext {
  run: RunRecord;
  /** the pairs still to produce (stored ones are already left out) */
  work: AsyncIterable<{ sc: SourcedCase; epoch: number }>;
  progress: RunProgress;
  /** results the run held before this invocation (a resumed run) */
  alreadyStored: number;
  /** Ctrl-C, SIGTERM, a lost lease: stop handing out work and cancel what is pending */
  signal: AbortSignal;
}

/**
 * Hands a run's work to somebody else instead of calling the target in this process: queue
 * workers (src/queue/). It resolves once every pair it was given has a stored result, or once the
 * signal aborted and what was pending is cancelled; it throws when the work cannot be finished
 * (jobs that failed for good). The run's lifecycle (lease, status, counting what is stored)
 * stays with the engine, so a dispatched run completes exactly as a local one does.
 */
export interface CaseDispatcher {
  dispatch(ctx: DispatchContext): Promise<void>;
}
