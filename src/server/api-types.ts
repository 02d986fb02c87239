/**
 * The JSON shapes of the web API. The web app (web/) imports these types and nothing else from the
 * server: it talks to it over HTTP only. Type-only imports keep this file free of runtime code.
 */
import type { Comparison } from "../compare/types.ts";
import type { CaseInput, ChatMessage } from "../core/case.ts";
import type { Scorecard } from "../scorecard/types.ts";
import type {
  CalibrationRecord,
  LabelRecord,
  ReviewQueue,
  RunRecord,
  StoredOutput,
  StoredScore,
} from "../store/types.ts";

export type {
  CalibrationRecord,
  CaseInput,
  ChatMessage,
  Comparison,
  LabelRecord,
  ReviewQueue,
  RunRecord,
  Scorecard,
  StoredOutput,
  StoredScore,
};

/** A case's verdict on one dimension, or over all of them. */
export type CaseStatus = "pass" | "fail" | "error" | "unscored";

export interface ApiError {
  error: string;
}

export interface QueueSummary {
  id: string;
  runId: string;
  dimension: string;
  kind: ReviewQueue["kind"];
  otherRunId?: string;
  items: number;
  labellers: string[];
  createdAt: string;
}

/** GET /api/runs */
export interface RunsResponse {
  runs: RunRecord[];
  /** every suite, target and tag over all stored runs, for the filters */
  facets: { suites: string[]; targets: string[]; tags: string[] };
  queues: QueueSummary[];
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** GET /api/runs/:id/scorecard */
export interface ScorecardResponse {
  run: RunRecord;
  scorecard: Scorecard;
  /** latency of the outputs without error */
  latencyHistogram: HistogramBin[];
  /** every `key=value` slice, sorted */
  slices: string[];
  /** cases by overall status */
  statusCounts: Record<CaseStatus, number>;
}

/** One row of the case table. Texts are previews (cut); the case page has them in full. */
export interface CaseRow {
  id: string;
  ordinal: number;
  tags: Record<string, string>;
  status: CaseStatus;
  aggregate: number | null;
  dims: Record<string, { score: number | null; passed: boolean | null; status: CaseStatus }>;
  errorClass?: string;
  latencyMs: number | null;
  costUsd: number | null;
  input: string;
  output: string;
  /** current human labels on the case */
  labels: number;
}

/** GET /api/runs/:id/cases */
export interface CasesResponse {
  /** cases with a stored result in the run */
  total: number;
  /** cases that pass the filters */
  matched: number;
  offset: number;
  limit: number;
  rows: CaseRow[];
}

/** GET /api/runs/:id/cases/:caseId */
export interface CaseDetailResponse {
  run: RunRecord;
  case: { id: string; input: CaseInput; expected?: unknown; tags: Record<string, string>; cluster?: string };
  status: CaseStatus;
  aggregate: number | null;
  outputs: StoredOutput[];
  /** every score of every epoch, with reason and details (judge reasoning) */
  scores: StoredScore[];
  /** every label, history included (superseded ones are marked) */
  labels: Array<LabelRecord & { current: boolean }>;
  /** neighbours in dataset order */
  prev?: string;
  next?: string;
}

/** GET /api/compare/:base/:candidate: the comparison with its flips first */
export type CompareResponse = { flips: Comparison["flips"] } & Comparison & {
    runs: { base: RunRecord; candidate: RunRecord };
  };

export interface QueueItemView {
  caseId: string;
  epoch: number;
  labellers: string[];
  input: CaseInput;
  expected?: unknown;
  /** single-output modes: the output under review (text only; never its scores) */
  output?: { text: string; error?: string };
  /** pairwise mode: left and right as shown (sides randomised per the queue's `swapped`) */
  pair?: {
    left: { side: "a" | "b"; text: string; error?: string };
    right: { side: "a" | "b"; text: string; error?: string };
  };
  /** this labeller's current label on the item */
  label?: LabelRecord;
  /** the label it superseded, for undo */
  previous?: LabelRecord;
}

/** GET /api/queues/:id — blind: no evaluator scores anywhere in it */
export interface QueueResponse {
  queue: Omit<ReviewQueue, "items">;
  run: { id: string; suite: string; target: string };
  /** the rubric text of the dimension's evaluator when it has one */
  rubric: { ref: string | null; text: string | null };
  labeller: string;
  items: QueueItemView[];
}

/** POST /api/queues/:id/labels */
export interface LabelRequest {
  caseId: string;
  epoch?: number;
  value: string | number;
  labeller: string;
  comment?: string;
}

export interface LabelResponse {
  label: LabelRecord;
}

/** GET /api/calibration */
export interface CalibrationResponse {
  records: CalibrationRecord[];
}
