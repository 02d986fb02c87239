import type { ErrorClass } from "../core/output.ts";
import { percentiles } from "../stats/percentile.ts";
import type {
  LatencySummary,
  ProbeKnee,
  ProbeOptions,
  ProbeRecommendation,
  ProbeSample,
  ProbeStep,
} from "./types.ts";

/** Pure summaries of a probe's samples: per step, the knee, the recommendation. */

const round = (x: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function summarizeLatency(samples: readonly ProbeSample[]): LatencySummary {
  const ok = samples.filter((s) => s.ok && !s.unfinished).map((s) => s.latencyMs);
  if (ok.length === 0) return { p50: null, p95: null, p99: null };
  const [p50, p95, p99] = percentiles(ok, [50, 95, 99]).map((x) => round(x));
  return { p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
}

export function summarizeStep(
  samples: readonly ProbeSample[],
  step: { concurrency: number; rate?: number; elapsedMs: number; stoppedBy: ProbeStep["stoppedBy"] },
): ProbeStep {
  const byClass: Partial<Record<ErrorClass, number>> = {};
  const byStatus: Record<string, number> = {};
  const headers: Record<string, string> = {};
  let ok = 0;
  let unfinished = 0;
  for (const s of samples) {
    if (s.unfinished) {
      unfinished++;
      continue;
    }
    if (s.ok) ok++;
    else {
      const cls = s.errorClass ?? "target-crash";
      byClass[cls] = (byClass[cls] ?? 0) + 1;
    }
    // every status not 2xx, failed or not (a 3xx or a 2xx the target refused shows here too)
    if (s.status !== undefined && !(s.ok && s.status >= 200 && s.status < 300)) {
      byStatus[String(s.status)] = (byStatus[String(s.status)] ?? 0) + 1;
    }
    if (s.headers) Object.assign(headers, s.headers);
  }
  const requests = samples.length;
  const finished = requests - unfinished;
  const seconds = step.elapsedMs / 1000;
  const out: ProbeStep = {
    concurrency: step.concurrency,
    requests,
    ok,
    unfinished,
    errorRate: finished === 0 ? 0 : round((finished - ok) / finished, 4),
    throughput: seconds > 0 ? round(ok / seconds, 2) : 0,
    requestRate: seconds > 0 ? round(requests / seconds, 2) : 0,
    elapsedMs: Math.round(step.elapsedMs),
    latencyMs: summarizeLatency(samples),
    errors: { byClass, byStatus },
    headers,
    stoppedBy: step.stoppedBy,
  };
  if (step.rate !== undefined) out.rate = step.rate;
  return out;
}

/** Why a step is past the knee, or undefined when it is not. */
function tripped(step: ProbeStep, baseP95: number | null, opts: ProbeOptions): string | undefined {
  if (step.requests - step.unfinished === 0) return undefined;
  if (step.errorRate > opts.maxErrorRate) {
    const classes = Object.entries(step.errors.byClass)
      .map(([c, n]) => `${c} ${n}`)
      .join(", ");
    return `error rate ${step.errorRate} > ${opts.maxErrorRate} (${classes})`;
  }
  const p95 = step.latencyMs.p95;
  if (
    baseP95 !== null &&
    baseP95 > 0 &&
    p95 !== null &&
    p95 > opts.latencyFactor * baseP95 &&
    p95 - baseP95 >= opts.latencyFloorMs
  ) {
    return `p95 ${p95} ms > ${opts.latencyFactor} × ${baseP95} ms (the first step's) and ${round(p95 - baseP95)} ms ≥ ${opts.latencyFloorMs} ms above it`;
  }
  return undefined;
}

const label = (s: ProbeStep) => (s.rate !== undefined ? `rate ${s.rate}/s` : `concurrency ${s.concurrency}`);

/**
 * The knee: the last step before the first one whose error rate exceeds `maxErrorRate` or whose
 * p95 latency exceeds `latencyFactor` × the first step's p95. So "429s above 16 in flight" gives 16.
 */
export function findKnee(steps: readonly ProbeStep[], opts: ProbeOptions): ProbeKnee {
  const rule =
    `the knee is the last step before the first where the error rate exceeds ${opts.maxErrorRate} ` +
    `or p95 latency exceeds ${opts.latencyFactor}× the first step's (and by ≥ ${opts.latencyFloorMs} ms)`;
  const rateMode = opts.mode === "rate";
  const baseP95 = steps.find((s) => s.latencyMs.p95 !== null)?.latencyMs.p95 ?? null;
  const bad = steps.findIndex((s) => tripped(s, baseP95, opts) !== undefined);
  if (bad === -1) {
    const last = steps.at(-1);
    const knee: ProbeKnee = {
      concurrency: null,
      reason: `${rule}: no step did${last ? ` (up to ${label(last)})` : " (no step ran)"}`,
    };
    if (rateMode) knee.rate = null;
    return knee;
  }
  const failing = steps[bad]!;
  const why = tripped(failing, baseP95, opts)!;
  const firstFailing: ProbeKnee["firstFailing"] = {
    concurrency: failing.concurrency,
    errorRate: failing.errorRate,
    p95Ms: failing.latencyMs.p95,
  };
  if (failing.rate !== undefined) firstFailing.rate = failing.rate;
  const before = bad > 0 ? steps[bad - 1] : undefined;
  const knee: ProbeKnee = {
    concurrency: before ? before.concurrency : null,
    firstFailing,
    reason: before
      ? `${rule}: ${label(failing)} had ${why}; ${label(before)} was within both limits`
      : `${rule}: already the first step (${label(failing)}) had ${why}`,
  };
  if (rateMode) knee.rate = before?.rate ?? null;
  return knee;
}

/** Retries that bring a failure rate `e` to about 1 in 10,000 calls (attempts fail independently), 1..5. */
export function retriesFor(errorRate: number): number {
  if (!(errorRate > 0)) return 2;
  if (errorRate >= 1) return 5;
  const r = Math.ceil(Math.log(1e-4) / Math.log(errorRate)) - 1;
  return Math.min(5, Math.max(1, r));
}

/**
 * The step with the best throughput among those whose error rate is within `maxErrorRate`
 * (ties: the lower concurrency), and a retry count for the errors that remain there.
 */
export function recommend(steps: readonly ProbeStep[], opts: ProbeOptions): ProbeRecommendation {
  const rateMode = opts.mode === "rate";
  const eligible = steps.filter((s) => s.ok > 0 && s.errorRate <= opts.maxErrorRate);
  const rateLimited = steps.some((s) => (s.errors.byClass["rate-limited"] ?? 0) > 0);
  const retryAfter = steps.some(
    (s) => s.headers["retry-after"] !== undefined || s.headers["retry-after-ms"] !== undefined,
  );
  if (eligible.length === 0) {
    const r: ProbeRecommendation = {
      concurrency: null,
      retries: 3,
      reason: `no step kept its error rate within ${opts.maxErrorRate}: probe lower (a step below ${steps[0]?.rate ?? steps[0]?.concurrency ?? 1})`,
    };
    if (rateMode) r.rate = null;
    return r;
  }
  let best = eligible[0]!;
  for (const s of eligible) if (s.throughput > best.throughput) best = s;
  const retries = retriesFor(best.errorRate);
  const notes = [
    `best throughput (${best.throughput}/s) among the steps with an error rate within ${opts.maxErrorRate}`,
    best.errorRate > 0
      ? `retries: ${retries} brings its error rate ${best.errorRate} to about 1 in 10,000 calls`
      : `retries: ${retries} for the occasional transient failure (none seen at this step)`,
  ];
  if (rateLimited) {
    notes.push(
      retryAfter
        ? "the API rate-limits beyond it and sends Retry-After, which assay's retries wait out"
        : "the API rate-limits beyond it without Retry-After: retries back off exponentially",
    );
  }
  const r: ProbeRecommendation = {
    concurrency: best.concurrency,
    throughput: best.throughput,
    errorRate: best.errorRate,
    retries,
    reason: notes.join("; "),
  };
  if (rateMode) r.rate = best.rate ?? null;
  return r;
}
