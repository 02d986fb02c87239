import type { LabelRecord, RunRecord, Store, StoredScore } from "../../src/store/types.ts";
import { type SyntheticRun, syntheticRows } from "../support/synthetic-runs.ts";

/** A judge dimension record (kind llm-judge) for synthetic runs. */
export function judgeDimension(evaluator: string, threshold = 0.5) {
  return { evaluator, kind: "llm-judge", threshold, weight: 1 };
}

/**
 * Writes a synthetic run like `makeRun`, letting the caller add judge details to scores
 * (e.g. `details.rawScore` of an ordinal judge).
 */
export async function makeJudgeRun(
  store: Store,
  spec: SyntheticRun,
  details?: (score: StoredScore) => Record<string, unknown> | undefined,
): Promise<RunRecord> {
  const rows = syntheticRows(spec);
  if (details) {
    for (const s of rows.scores) {
      const d = details(s);
      if (d) s.details = d;
    }
  }
  await store.createRun(rows.run);
  await store.putCases(
    rows.run.datasetVersion,
    rows.cases.map((c) => ({
      case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
      ordinal: c.ordinal,
    })),
  );
  await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
  return rows.run;
}

let labelCounter = 0;

/** Human labels straight into the store (setup for calibration tests). */
export async function addLabels(
  store: Store,
  runId: string,
  dimension: string,
  kind: LabelRecord["kind"],
  labels: Array<{ caseId: string; value: string | number; labeller?: string }>,
): Promise<void> {
  await store.addLabels(
    labels.map((l) => ({
      id: `setup-${++labelCounter}`,
      runId,
      caseId: l.caseId,
      epoch: 0,
      dimension,
      kind,
      value: l.value,
      labeller: l.labeller ?? "ann",
      createdAt: new Date(Date.UTC(2025, 0, 1) + labelCounter).toISOString(),
    })),
  );
}
