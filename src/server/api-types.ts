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
  RunOrigin,
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
  RunOrigin,
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

/** How far one labeller is through a review queue. */
export interface LabellerProgress {
  labeller: string;
  /** items the labeller is asked to label (every item when not assigned) */
  assigned: number;
  /** of those, items with a current label from them */
  labelled: number;
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
  /** per labeller: the queue's labellers, then anyone else who labelled in it */
  progress: LabellerProgress[];
  /** outputs of the queue flagged as a failure (waiting for `assay promote --flagged`) */
  flagged: number;
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

/** GET /api/runs/:id/summary: a run's headline numbers for the runs list. */
export interface RunSummaryResponse {
  runId: string;
  aggregate: Scorecard["aggregate"];
  /** distinct cases with a stored result */
  cases: number;
  errors: number;
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
  /** every label, history included (superseded ones are marked); failure flags among them */
  labels: Array<LabelRecord & { current: boolean }>;
  /**
   * neighbours in the case table's order: with filter parameters (slice, dimension, status, q,
   * sort) the neighbours among the cases that match them, else in dataset order
   */
  prev?: string;
  next?: string;
  /** where the case sits among the cases that match the filter (absent without one) */
  position?: { index: number; matched: number };
  /**
   * per output without error, a word diff of expected (−1) against the output (+1); JSON on
   * either side is pretty-printed first. Empty when the case has no expected value.
   */
  expectedDiffs: Array<{ epoch: number; diff: WordDiff }>;
  /** other runs of the same suite on the same dataset version, newest first */
  otherRuns: Array<Pick<RunRecord, "id" | "target" | "status" | "startedAt">>;
}

/** [op, text]: op −1 only on the left (removed), 0 on both, 1 only on the right (added) */
export type WordDiff = Array<[-1 | 0 | 1, string]>;

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
  /** this labeller's current "flag as a failure" on the output (value 1 = flagged) */
  flag?: LabelRecord;
}

/** GET /api/queues/:id — blind: no evaluator scores anywhere in it */
export interface QueueResponse {
  queue: Omit<ReviewQueue, "items">;
  run: { id: string; suite: string; target: string };
  /** the rubric text of the dimension's evaluator when it has one */
  rubric: { ref: string | null; text: string | null };
  labeller: string;
  items: QueueItemView[];
  /** every labeller's progress through the queue */
  progress: LabellerProgress[];
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

/** POST /api/runs/:id/flags: flag an output as a failure to promote to the regression set (or withdraw it) */
export interface FlagRequest {
  caseId: string;
  epoch?: number;
  labeller: string;
  /** why it is a failure; kept as the promoted case's provenance */
  comment?: string;
  /** false withdraws the labeller's flag (default true) */
  flagged?: boolean;
  /** the review queue it was flagged in */
  queueId?: string;
}

export interface FlagResponse {
  label: LabelRecord;
}

import type { GateResult } from "../compare/types.ts";

export type { GateResult, GateRuleResult } from "../compare/types.ts";

/** GET /api/compare/:base/:candidate/gate: the suite's gate policy applied to the pair */
export interface GateResponse {
  /** the suite file whose `gate:` policy was applied; null when none could be */
  suiteFile: string | null;
  gate: GateResult | null;
  /** why no gate was applied (no suite file recorded, not readable here, no policy, …) */
  reason?: string;
}

/** GET /api/calibration */
export interface CalibrationResponse {
  records: CalibrationRecord[];
}

/** `POST /api/push` (assay serve): what became of a pushed run. 201 when imported, 200 when already there. */
export interface PushResponse {
  /** `imported`, or `present`: the server already held this very run, and nothing was written */
  status: "imported" | "present";
  run: string;
  suite: string;
  target: string;
  /** outputs (case × epoch) */
  results: number;
  /** scores over every score set */
  scores: number;
  /** the score sets pushed, oldest first (`RUN@N`) */
  scoreSets: number[];
  origin: RunOrigin;
}

import type { Leaderboard, LeaderboardEntry } from "../compare/leaderboard.ts";
import type { MainEffect } from "../compare/main-effects.ts";
import type { ProbeReport, ProbeStep } from "../probe/types.ts";

export type { Leaderboard, LeaderboardEntry, MainEffect, ProbeReport, ProbeStep };

/** GET /api/leaderboard?runs=A,B,C: the leaderboard of `assay compare A B C`, with the runs' records */
export type LeaderboardResponse = Leaderboard & { records: RunRecord[] };

/** One stored probe in the list: what it ramped, and what it found. */
export interface ProbeSummary {
  id: string;
  suite: string;
  target: string;
  createdAt: string;
  mode: ProbeReport["mode"];
  /** each step's concurrency (rate mode: its rate per second) */
  steps: number[];
  requests: number;
  /** the knee's concurrency (or rate); null when no step went past the limits */
  knee: number | null;
  /** the recommended concurrency (or rate); null when no step kept under the error limit */
  recommended: number | null;
  stoppedEarly?: string;
}

/** GET /api/probes: stored `assay probe` reports, newest first */
export interface ProbesResponse {
  probes: ProbeSummary[];
}

/** GET /api/probes/:id: one stored probe report */
export interface ProbeResponse {
  id: string;
  suite: string;
  target: string;
  createdAt: string;
  report: ProbeReport;
}

import type { MonitorReport } from "../monitor/run.ts";
import type { MonitorAlert, RecordReview, RecordScore, StoredRecord } from "../store/production.ts";

export type { MonitorAlert, MonitorReport, RecordReview, RecordScore, StoredRecord };

/** One monitor in GET /api/monitors: its latest pass in brief. */
export interface MonitorSummary {
  monitor: string;
  updatedAt: string;
  openAlerts: number;
  /** records waiting in the monitor's review queue now */
  pendingReviews: number;
  /** from the latest pass's report (absent when the stored report predates them) */
  suite?: string;
  dimensions?: string[];
  windows?: number;
  scored?: number;
  /** whether the reference windows are complete, so drift is being measured */
  referenceComplete?: boolean;
}

/** GET /api/monitors */
export interface MonitorsResponse {
  monitors: MonitorSummary[];
}

/** GET /api/monitors/:name: the latest pass, every alert (newest first; open ones have no closedAt) */
export interface MonitorResponse {
  report: MonitorReport;
  updatedAt: string;
  alerts: MonitorAlert[];
  /** records waiting in the monitor's review queue now (the report's count is as of its pass) */
  pendingReviews: number;
}

/** GET /api/monitors/:name/reviews?status= */
export interface MonitorReviewsResponse {
  reviews: RecordReview[];
}

/** GET /api/records?monitor=&limit=&offset= (newest first) */
export interface RecordsResponse {
  records: StoredRecord[];
}

/** GET /api/records/:id: a production record, its online scores (every monitor), its reviews */
export interface RecordDetailResponse {
  record: StoredRecord;
  scores: RecordScore[];
  reviews: RecordReview[];
}

/** POST /api/records/:id/flag {monitor, note?, by}: false when the record was already in that queue */
export interface FlagRecordResponse {
  added: boolean;
}
