import type { ErrorClass } from "../core/output.ts";

/**
 * `assay probe`: a load ramp against one target. Each step holds a concurrency (or, with
 * `mode: "rate"`, a request rate) for a while and measures what the raw API does; no retries.
 */
export type ProbeMode = "concurrency" | "rate";

export interface ProbeOptions {
  /** `concurrency`: N calls always in flight (closed loop); `rate`: N calls started per second (open loop) */
  mode: ProbeMode;
  /** the ramp: concurrencies (or rates per second), in the order given */
  steps: number[];
  /** how long each step lasts at most, ms */
  durationMs: number;
  /** calls in the whole probe at most; shared out evenly among the steps still to run */
  maxRequests: number;
  /** a step whose error rate exceeds this is past the knee */
  maxErrorRate: number;
  /** a step whose p95 latency exceeds this multiple of the first step's is past the knee */
  latencyFactor: number;
  /**
   * ...and exceeds it by at least this many ms: on a fast local service a 3× rise can be scheduling
   * noise of a few ms, while on a real API (latencies of seconds) the floor never binds
   */
  latencyFloorMs: number;
  /** time limit per call, ms */
  timeoutMs: number;
  /** the ramp stops after a step whose error rate reaches this (going further only hammers the API) */
  stopErrorRate: number;
}

/** One call's outcome. */
export interface ProbeSample {
  ok: boolean;
  latencyMs: number;
  errorClass?: ErrorClass;
  status?: number;
  headers?: Record<string, string>;
  /** cut short by the step's end (or Ctrl-C): counted in `requests`, in no rate or percentile */
  unfinished?: boolean;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ProbeStep {
  /** the concurrency held (rate mode: the most calls seen in flight at once) */
  concurrency: number;
  /** rate mode: the calls started per second */
  rate?: number;
  /** calls made (what the API received) */
  requests: number;
  /** calls that succeeded */
  ok: number;
  /** calls still in flight when the step's duration ended, cut short: neither success nor error */
  unfinished: number;
  /** failed calls / finished calls */
  errorRate: number;
  /** successful calls per second over the step */
  throughput: number;
  /** calls (successful or not) per second over the step */
  requestRate: number;
  elapsedMs: number;
  /** over successful calls (a fast 429 would hide a slowing API); null when none succeeded */
  latencyMs: LatencySummary;
  errors: { byClass: Partial<Record<ErrorClass, number>>; byStatus: Record<string, number> };
  /** rate-limit headers seen in this step: each name's last value */
  headers: Record<string, string>;
  /** what ended the step */
  stoppedBy: "duration" | "max-requests" | "cancelled";
}

export interface ProbeKnee {
  /** the highest concurrency (or rate) before errors or latency first rose; null when none rose or the first step already had */
  concurrency: number | null;
  rate?: number | null;
  /** the first step past the knee, when one is */
  firstFailing?: { concurrency: number; rate?: number; errorRate: number; p95Ms: number | null };
  /** the rule, and what tripped it */
  reason: string;
}

export interface ProbeRecommendation {
  /** the concurrency with the best throughput among steps under the error limit; null when none was */
  concurrency: number | null;
  rate?: number | null;
  throughput?: number;
  errorRate?: number;
  /** retries of a failed call to set in the suite (`retries:`); 429s are retried after their Retry-After */
  retries: number;
  reason: string;
}

export interface ProbeReport {
  target: string;
  mode: ProbeMode;
  options: ProbeOptions;
  requests: number;
  steps: ProbeStep[];
  knee: ProbeKnee;
  /** every rate-limit header seen in the probe: each name's last value */
  headers: Record<string, string>;
  recommendation: ProbeRecommendation;
  /** set when the ramp stopped before its last step, and why */
  stoppedEarly?: string;
}
