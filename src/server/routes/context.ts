import type { RunRecord, Store } from "../../store/types.ts";
import type { RunIndexCache } from "../run-index.ts";

/** What every route module gets from createApp: the store, the shared run indexes, run lookup. */
export interface RouteContext {
  store: Store;
  cache: RunIndexCache;
  /** a run by id, or by any reference `assay` takes (prefix, tag, `latest`, `RUN@N`) */
  runOf(ref: string): Promise<RunRecord>;
}
