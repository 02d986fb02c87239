import type { Case } from "../../core/case.ts";
import { canonicalJson } from "../../util/canonical-json.ts";

/** What changed between two versions of a dataset, by case id. Pure. */

export const CASE_FIELDS = ["input", "expected", "tags", "cluster"] as const;
export type CaseField = (typeof CASE_FIELDS)[number];

export interface DatasetDiff {
  /** ids only in B, in B's order */
  added: string[];
  /** ids only in A, in A's order */
  removed: string[];
  /** ids in both whose content differs, in B's order */
  changed: string[];
  /** for each changed id, the fields that differ */
  changedFields: Record<string, CaseField[]>;
  /** ids in both with identical content */
  unchanged: number;
}

/**
 * Compares two case lists by id. Content is compared canonically (key order and number
 * formatting in the file do not count), field by field, so a retagged case says `tags`.
 */
export function diffDatasets(a: readonly Case[], b: readonly Case[]): DatasetDiff {
  const before = new Map(a.map((c) => [c.id, c]));
  const afterIds = new Set(b.map((c) => c.id));
  const diff: DatasetDiff = { added: [], removed: [], changed: [], changedFields: {}, unchanged: 0 };
  for (const c of a) if (!afterIds.has(c.id)) diff.removed.push(c.id);
  for (const c of b) {
    const old = before.get(c.id);
    if (!old) {
      diff.added.push(c.id);
      continue;
    }
    const fields = CASE_FIELDS.filter((f) => canonicalJson(old[f] ?? null) !== canonicalJson(c[f] ?? null));
    if (fields.length === 0) {
      diff.unchanged++;
      continue;
    }
    diff.changed.push(c.id);
    diff.changedFields[c.id] = fields;
  }
  return diff;
}
