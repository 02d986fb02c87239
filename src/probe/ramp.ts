import type { Case } from "../core/case.ts";
import { asTargetFailure, onAbort, raceAbort } from "../faults/abort.ts";
import { classifyError } from "../faults/classify.ts";
import { MAX_TIMER_MS } from "../faults/retry.ts";
import { toOutput } from "../targets/policy.ts";
import { type Target, TargetFailure } from "../targets/types.ts";
import { findKnee, recommend, summarizeStep } from "./analyze.ts";
import type { ProbeOptions, ProbeReport, ProbeSample, ProbeStep } from "./types.ts";

export interface ProbeDeps {
  /** Ctrl-C: stops the ramp; calls in flight are cut short and the report covers what ran */
  signal?: AbortSignal;
  /** a monotonic clock in ms (default performance.now) */
  now?: () => number;
  /** told after each step (progress on the terminal) */
  onStep?: (step: ProbeStep, index: number) => void;
}

/** In rate mode, calls in flight at most: an API that stops answering must not pile up sockets. */
const MAX_IN_FLIGHT = 1024;

/**
 * Ramps load against `target` with `cases` (cycled) and reports each step, the knee and a
 * recommendation. Every call is made once (no retries: the probe measures the raw API) under
 * `timeoutMs`. Bounded: at most `maxRequests` calls, and each step starts no call after its
 * `durationMs`, when the calls still in flight are cut short: the whole ramp lasts at most
 * steps × duration.
 */
export async function runProbe(
  target: Target,
  cases: readonly Case[],
  opts: ProbeOptions,
  deps: ProbeDeps = {},
): Promise<ProbeReport> {
  if (cases.length === 0) throw new Error("the probe needs at least one case");
  const now = deps.now ?? (() => performance.now());
  const signal = deps.signal;
  let next = 0;
  const nextCase = (): { c: Case; epoch: number } => {
    const k = next++;
    return { c: cases[k % cases.length]!, epoch: 1 + Math.floor(k / cases.length) };
  };
  const call = (stepSignal: AbortSignal): Promise<ProbeSample> => {
    const { c, epoch } = nextCase();
    return callOnce(target, c, epoch, opts.timeoutMs, stepSignal, now);
  };

  const steps: ProbeStep[] = [];
  let used = 0;
  let stoppedEarly: string | undefined;
  for (let i = 0; i < opts.steps.length; i++) {
    if (signal?.aborted) {
      stoppedEarly = "cancelled";
      break;
    }
    // an even share of what is left, so a small --max-requests still measures every step
    const budget = Math.floor((opts.maxRequests - used) / (opts.steps.length - i));
    if (budget < 1) {
      stoppedEarly = `--max-requests ${opts.maxRequests} is used up`;
      break;
    }
    const level = opts.steps[i]!;
    const started = now();
    // The step ends at its duration, hard: calls still in flight then are cut short and reported
    // as unfinished, so the whole probe lasts no longer than steps × duration.
    const stepEnd = new AbortController();
    const stopWatching = signal
      ? onAbort(signal, () => stepEnd.abort(new TargetFailure("cancelled", "the probe was cancelled")))
      : undefined;
    const timer = setTimeout(
      () => stepEnd.abort(new TargetFailure("cancelled", "the step's duration ended")),
      Math.min(opts.durationMs, MAX_TIMER_MS),
    );
    const stepCall = () => call(stepEnd.signal);
    let run: StepRun;
    try {
      run =
        opts.mode === "rate"
          ? await rateStep(level, budget, started + opts.durationMs, stepCall, now, stepEnd.signal)
          : await concurrencyStep(level, budget, started + opts.durationMs, stepCall, now, stepEnd.signal);
    } finally {
      clearTimeout(timer);
      stopWatching?.();
    }
    used += run.samples.length;
    const step = summarizeStep(run.samples, {
      concurrency: opts.mode === "rate" ? run.peak : level,
      ...(opts.mode === "rate" ? { rate: level } : {}),
      elapsedMs: now() - started,
      stoppedBy: signal?.aborted ? "cancelled" : run.samples.length >= budget ? "max-requests" : "duration",
    });
    steps.push(step);
    deps.onStep?.(step, i);
    if (
      step.requests > step.unfinished &&
      step.errorRate >= opts.stopErrorRate &&
      i < opts.steps.length - 1
    ) {
      stoppedEarly = `the error rate reached ${step.errorRate} (≥ ${opts.stopErrorRate}) at step ${i + 1}`;
      break;
    }
  }

  const headers: Record<string, string> = {};
  for (const s of steps) Object.assign(headers, s.headers);
  const report: ProbeReport = {
    target: target.id,
    mode: opts.mode,
    options: opts,
    requests: used,
    steps,
    knee: findKnee(steps, opts),
    headers,
    recommendation: recommend(steps, opts),
  };
  if (stoppedEarly !== undefined) report.stoppedEarly = stoppedEarly;
  return report;
}

interface StepRun {
  samples: ProbeSample[];
  /** the most calls in flight at once */
  peak: number;
}

/** Closed loop: `concurrency` workers, each starting its next call when the last one ends. */
async function concurrencyStep(
  concurrency: number,
  budget: number,
  deadline: number,
  call: () => Promise<ProbeSample>,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<StepRun> {
  const samples: ProbeSample[] = [];
  let issued = 0;
  const worker = async () => {
    while (issued < budget && now() < deadline && !signal?.aborted) {
      issued++;
      samples.push(await call());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, peak: concurrency };
}

/** Open loop: a call started every 1/rate seconds, whatever is in flight (up to MAX_IN_FLIGHT). */
async function rateStep(
  rate: number,
  budget: number,
  deadline: number,
  call: () => Promise<ProbeSample>,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<StepRun> {
  const samples: ProbeSample[] = [];
  const inFlight = new Set<Promise<void>>();
  let peak = 0;
  const start = now();
  const interval = 1000 / rate;
  for (let k = 0; k < budget && !signal?.aborted; k++) {
    const at = start + k * interval;
    if (at >= deadline) break;
    const wait = at - now();
    if (wait > 0) await sleep(wait, signal);
    if (signal?.aborted || now() >= deadline) break;
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const p: Promise<void> = call().then((s) => {
      samples.push(s);
      inFlight.delete(p);
    });
    inFlight.add(p);
    peak = Math.max(peak, inFlight.size);
  }
  await Promise.all(inFlight);
  return { samples, peak };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    const stop = signal ? onAbort(signal, done) : undefined;
    function done() {
      clearTimeout(timer);
      stop?.();
      resolve();
    }
  });
}

/**
 * One call, one attempt: its latency, and on failure its class, status and rate-limit headers. A
 * call cut short by `stepSignal` (the step's end, Ctrl-C) is `unfinished`: neither success nor error.
 */
async function callOnce(
  target: Target,
  c: Case,
  epoch: number,
  timeoutMs: number,
  stepSignal: AbortSignal,
  now: () => number,
): Promise<ProbeSample> {
  const controller = new AbortController();
  const stopWatching = onAbort(stepSignal, () => controller.abort(stepSignal.reason));
  const timer = setTimeout(
    () => controller.abort(new TargetFailure("timeout", `no answer within ${timeoutMs} ms`)),
    Math.min(timeoutMs, MAX_TIMER_MS),
  );
  const signal = controller.signal;
  const started = now();
  try {
    const pending = Promise.resolve().then(() => target.call({ case: c, epoch, signal, timeoutMs }));
    const response = await raceAbort(pending, signal, `target "${target.id}"`);
    const latencyMs = now() - started;
    const headers = response.headers;
    try {
      toOutput(response, 1, latencyMs); // the same check a run makes: an empty output is a failure
    } catch (err) {
      return failed(err, latencyMs, headers);
    }
    return headers ? { ok: true, latencyMs, headers } : { ok: true, latencyMs };
  } catch (err) {
    const latencyMs = now() - started;
    if (stepSignal.aborted) return { ok: false, latencyMs, errorClass: "cancelled", unfinished: true };
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    const cause = reason instanceof TargetFailure ? reason : err;
    return failed(cause, latencyMs, asTargetFailure(err)?.headers);
  } finally {
    clearTimeout(timer);
    stopWatching();
  }
}

function failed(err: unknown, latencyMs: number, headers: Record<string, string> | undefined): ProbeSample {
  const e = classifyError(err);
  const sample: ProbeSample = { ok: false, latencyMs, errorClass: e.class };
  const status = e.status ?? asTargetFailure(err)?.status;
  if (status !== undefined) sample.status = status;
  if (headers) sample.headers = headers;
  return sample;
}
