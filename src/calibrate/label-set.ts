import type { LabelRecord } from "../store/types.ts";
import { hashValue } from "../util/hash.ts";

/**
 * A content hash of a set of current labels: which output each labeller judged and how. A new
 * label, an edit that changes a value, or a removed labeller changes it; re-importing the same
 * judgments does not. Independent of label ids, times and order.
 */
export function labelSetHash(labels: readonly LabelRecord[]): string {
  const rows = labels
    .map((l) => [l.runId, l.caseId, l.epoch, l.dimension, l.labeller, l.otherRunId ?? "", l.kind, l.value])
    .map((r) => JSON.stringify(r))
    .sort();
  return hashValue(rows);
}
