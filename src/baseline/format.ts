import { z } from "zod";
import type { RunRecord, ScoreSet } from "../store/types.ts";

/**
 * The baseline file: one run, self-contained, as JSON Lines. The first line is the header (the run
 * record with its lineage, its score sets, and how many records follow); then one line per case,
 * output and score. JSON Lines so a large run streams and a truncated file is caught by the counts.
 *
 *   {"format":"assay-baseline","version":1,"run":{…},"scoreSets":[…],"counts":{"cases":…,"outputs":…,"scores":…}}
 *   {"case":{"id":"act-017","ordinal":0,"input":…,"expected":…,"tags":{…}}}
 *   {"output":{"caseId":"act-017","epoch":0,"text":…,"latencyMs":…,…}}
 *   {"score":{"caseId":"act-017","epoch":0,"dimension":"action_recognition","scoreSet":1,…}}
 *
 * Outputs and scores carry no run id: every record belongs to the header's run.
 */
export const BASELINE_FORMAT = "assay-baseline";
export const BASELINE_VERSION = 1;

const dimensionRecord = z.looseObject({
  evaluator: z.string().min(1),
  kind: z.string().min(1),
  weight: z.number(),
  threshold: z.number(),
});

const lineage = z.looseObject({
  suiteHash: z.string(),
  datasetVersion: z.string().min(1),
  datasetFiles: z.array(z.string()),
  targetConfigHash: z.string(),
  evaluators: z.record(z.string(), z.string()),
  toolVersion: z.string(),
  nodeVersion: z.string(),
});

const runRecord = z.looseObject({
  id: z.string().min(1),
  suite: z.string().min(1),
  target: z.string().min(1),
  targetKind: z.string().min(1),
  datasetVersion: z.string().min(1),
  status: z.literal("completed"),
  startedAt: z.string().min(1),
  finishedAt: z.string().optional(),
  epochs: z.number().int().min(1),
  caseCount: z.number().int().min(0),
  lineage,
  targetConfig: z.record(z.string(), z.unknown()),
  dimensions: z.record(z.string(), dimensionRecord),
  tags: z.array(z.string()),
  scoreSet: z.number().int().min(1),
});

const scoreSet = z.looseObject({
  id: z.number().int().min(1),
  status: z.literal("completed"),
  dimensions: z.record(z.string(), dimensionRecord),
  createdAt: z.string().min(1),
  finishedAt: z.string().optional(),
});

const count = z.number().int().min(0);

export const headerSchema = z.strictObject({
  format: z.literal(BASELINE_FORMAT),
  version: z.literal(BASELINE_VERSION),
  exportedAt: z.string(),
  toolVersion: z.string(),
  run: runRecord,
  scoreSets: z.array(scoreSet).min(1),
  counts: z.strictObject({ cases: count, outputs: count, scores: count }),
});

const caseLine = z.looseObject({
  id: z.string().min(1),
  ordinal: z.number().int().min(0),
  input: z.unknown().refine((v) => v !== undefined, "required"),
  expected: z.unknown().optional(),
  tags: z.record(z.string(), z.string()),
  cluster: z.string().optional(),
});

const outputLine = z.looseObject({
  caseId: z.string().min(1),
  epoch: z.number().int().min(0),
  text: z.string(),
  latencyMs: z.number().min(0),
  attempts: z.number().int().min(0),
  createdAt: z.string().min(1),
  error: z.looseObject({ class: z.string().min(1), message: z.string() }).optional(),
});

const scoreLine = z.looseObject({
  caseId: z.string().min(1),
  epoch: z.number().int().min(0),
  dimension: z.string().min(1),
  evaluator: z.string().min(1),
  scoreSet: z.number().int().min(1),
  score: z.number().min(0).max(1).nullable(),
  passed: z.boolean().nullable(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A record line holds exactly one of these keys. */
export const recordSchemas = { case: caseLine, output: outputLine, score: scoreLine } as const;
export type RecordKind = keyof typeof recordSchemas;

/** The header as written: the store's own records (the schema above checks what is read back). */
export interface BaselineHeader {
  format: typeof BASELINE_FORMAT;
  version: typeof BASELINE_VERSION;
  exportedAt: string;
  toolVersion: string;
  run: RunRecord & { status: "completed"; scoreSet: number };
  scoreSets: Array<Omit<ScoreSet, "runId"> & { status: "completed" }>;
  counts: { cases: number; outputs: number; scores: number };
}
