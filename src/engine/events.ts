import type { RunRecord } from "../store/types.ts";

/** Counters the engine keeps up to date; reporters read them on their own schedule. */
export interface RunProgress {
  run: RunRecord;
  /** (case, epoch) results this run must have in the end */
  total: number;
  /** already stored before this invocation (resume) */
  skipped: number;
  done: number;
  errors: number;
  startedAtMs: number;
  /** queue workers taking this run's jobs, when the run is dispatched to a queue */
  workers?: number;
}

export type EngineEvent =
  | { type: "run-start"; progress: RunProgress; resumed: boolean }
  | { type: "progress"; progress: RunProgress }
  | { type: "run-end"; progress: RunProgress }
  /** the run stops early for a reason other than Ctrl-C (a write that failed, a lost lease) */
  | { type: "run-stopping"; progress: RunProgress; reason: string };

export type EngineListener = (event: EngineEvent) => void;
