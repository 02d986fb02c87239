import type { Case } from "../core/case.ts";
import { sha256 } from "../util/hash.ts";

/**
 * One queued (case, epoch) of a run: everything a worker needs besides the suite itself, which it
 * loads from its own checkout and checks against the run's suite hash. The case travels in the
 * job, so workers never read the dataset.
 */
export interface CaseJob {
  runId: string;
  targetId: string;
  /** the suite file, relative to the coordinator's working directory, and absolute */
  suiteFile: { relative: string; absolute: string };
  suiteHash: string;
  case: Case;
  epoch: number;
  /**
   * Enqueued by a resumed coordinator: the result may have been stored (and its first job
   * removed) after the coordinator listed what was stored, so the worker looks before calling.
   */
  checkStored?: boolean;
}

/**
 * The job's id is derived from (run, case, epoch): enqueuing the same pair twice (a resumed
 * coordinator) adds nothing while the first job is still queued. BullMQ forbids ':' in custom
 * ids and case ids may hold anything, hence the hash.
 */
export function caseJobId(runId: string, caseId: string, epoch: number): string {
  return `${sha256(runId).slice(0, 12)}-${sha256(caseId).slice(0, 24)}-${epoch}`;
}

/** The prefix every job of a run shares (to find them again on cancel). */
export function runJobPrefix(runId: string): string {
  return `${sha256(runId).slice(0, 12)}-`;
}
