import { randomUUID } from "node:crypto";
import type { LabelRecord, Store } from "../store/types.ts";

/**
 * "Flag as a failure": a reviewer marks an output as a failure worth keeping as a regression
 * case. A flag is a label on a reserved dimension, so it has a labeller, a time, a comment and a
 * history (unflagging adds a label with value 0 that supersedes it), and `assay labels export`
 * shows it. `assay promote RUN --flagged --to FILE` appends the flagged cases to a regression
 * dataset with the flag as provenance. The name cannot collide with a suite's dimension: those
 * are letters, digits, `_`, `.` and `-` only.
 */
export const FAILURE_FLAG = "@failure";

export interface FlagInput {
  runId: string;
  caseId: string;
  epoch: number;
  labeller: string;
  /** why it is a failure, in the reviewer's words */
  comment?: string;
  /** false withdraws an earlier flag */
  flagged?: boolean;
  /** the review queue the flag was given in */
  queueId?: string;
  /** the labeller's current flag on the output, which this one supersedes */
  supersedes?: string;
  now?: Date;
}

/** The label that records (or withdraws) a flag. */
export function failureFlag(input: FlagInput): LabelRecord {
  const label: LabelRecord = {
    id: randomUUID(),
    runId: input.runId,
    caseId: input.caseId,
    epoch: input.epoch,
    dimension: FAILURE_FLAG,
    kind: "binary",
    value: input.flagged === false ? 0 : 1,
    labeller: input.labeller,
    createdAt: (input.now ?? new Date()).toISOString(),
  };
  if (input.comment) label.comment = input.comment;
  if (input.queueId) label.queueId = input.queueId;
  if (input.supersedes) label.supersedes = input.supersedes;
  return label;
}

export function isFailureFlag(label: LabelRecord): boolean {
  return label.dimension === FAILURE_FLAG;
}

/** One output flagged as a failure, with every current flag on it (one per labeller). */
export interface FlaggedOutput {
  caseId: string;
  epoch: number;
  flags: LabelRecord[];
}

/** The outputs of a run that someone currently flags as a failure, oldest flag first. */
export async function flaggedOutputs(store: Store, runId: string): Promise<FlaggedOutput[]> {
  const current = await store.listLabels({ runId, dimension: FAILURE_FLAG });
  const byOutput = new Map<string, FlaggedOutput>();
  for (const l of current) {
    if (l.value !== 1) continue;
    const key = `${l.caseId}\u0000${l.epoch}`;
    const entry = byOutput.get(key) ?? { caseId: l.caseId, epoch: l.epoch, flags: [] };
    entry.flags.push(l);
    byOutput.set(key, entry);
  }
  const all = [...byOutput.values()];
  for (const f of all) f.flags.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return all.sort((a, b) => a.flags[0].createdAt.localeCompare(b.flags[0].createdAt));
}

/** The provenance a promoted case keeps: who flagged it, where, when, and why. */
export function flagProvenance(flags: LabelRecord[]): string {
  return flags
    .map(
      (l) =>
        `flagged as a failure by ${l.labeller}${l.queueId ? ` in review queue ${l.queueId}` : ""} at ${l.createdAt}` +
        (l.comment ? `: ${l.comment}` : ""),
    )
    .join("; ");
}
