/**
 * A one-sided (downward) CUSUM on the pass rate of a monitored dimension, with its parameters
 * chosen from a target in-control average run length and its run lengths computed exactly.
 *
 * The statistic. Each window t brings n_t records of which X_t pass. Against the reference pass
 * rate p0 and the shift to detect p1 < p0, the log-likelihood ratio of one window,
 * log[Bin(X; n, p1) / Bin(X; n, p0)] = X·ln(p1/p0) + (n − X)·ln((1−p1)/(1−p0)), equals
 * (a + b)·(n·r − X) with a = ln((1−p1)/(1−p0)), b = ln(p0/p1) and
 *     r = a / (a + b) = ln((1−p1)/(1−p0)) / ln(p0(1−p1) / (p1(1−p0))),
 * a pass rate between p1 and p0. Page's CUSUM of that ratio, divided by (a + b) so it counts
 * passes, is S_t = max(0, S_{t−1} + k_t − X_t) with k_t = n_t·r, alarm when S_t > h (the
 * optimal CUSUM for that shift, Moustakides 1986). Because the ratio is a sum over records,
 * k scales with the window: a window of n_t records has reference value n_t·r, so windows of
 * different sizes add up to the same Bernoulli CUSUM, only looked at when a window closes (a
 * window with no records adds nothing). `k` in the design is the value for a window of the
 * nominal `windowSize`; h is in passes and does not depend on n_t. The run lengths below are
 * for windows of the nominal size (`passRateCusumArl` takes another size).
 *
 * Why an integer-scaled statistic rather than Brook & Evans's discretisation. The increments
 * k − X differ from each other by whole passes, so only k is off any lattice. Rounding k to a
 * multiple of 1/scale (scale a power of two, chosen so the step is about 1/16 of the in-control
 * standard deviation of a window's pass count, between 1 and 1/64 pass, then divided by any
 * power of two that also divides k·scale, which changes nothing) moves the chart by a
 * negligible amount, and then every value S can take is a multiple of 1/scale: the Markov
 * chain on S·scale ∈ {0..h·scale} (chain.ts) is the statistic itself, not an approximation of
 * it. So arl0, arl1 and P(RL ≤ t) are exact (to floating point) for the chart that actually
 * runs, with no discretisation error to bound, and a simulation can be compared with them
 * directly. A power-of-two scale also makes every value of S an exact double, so
 * `runPassRateCusum` and the chain agree at the boundary S > h bit for bit.
 *
 * Choosing h. The smallest multiple of 1/scale whose exact in-control ARL (windows, from S = 0)
 * is at least the target (default 500): `arl0` reports the ARL achieved, which is above the
 * target by however much the discreteness of small windows forces; `arl1` is the zero-state ARL
 * at p1 from the same chain (a chart already above 0 when the shift comes detects it sooner).
 *
 * Edge cases. p1 defaults to p0 − 0.10, or p0/2 when that would not be positive.
 * - p0 = 1: under the reference no record ever fails, so the ratio is infinite for any failure:
 *   r = 1, k = n, h = 0 — the first window with a failure alarms; arl0 = ∞ and
 *   arl1 = 1/(1 − p1ⁿ). A reference window with every record passing gives exactly this
 *   chart; a caller who wants tolerance should pass a shrunk estimate of p0 instead (e.g.
 *   (passes + ½)/(n + 1)).
 * - p0 = 0: the pass rate cannot fall; the chart is disabled (h = ∞, never alarms, every ARL ∞).
 *   (∞ becomes null in JSON.)
 * - tiny windows (down to one record, the Bernoulli CUSUM of Reynolds & Stoumbos 1999) work as
 *   any other: the pass count is coarse, so ARL jumps between values of h and the achieved
 *   arl0 can be well above the target (reported, not hidden), and arl1 is long (one window
 *   carries little evidence) — report it rather than pretend.
 */
import { arlVector, type CusumLattice, runLengthCdf } from "./chain.ts";

export interface PassRateCusumOptions {
  /** Reference (in-control) pass rate, in [0, 1]. */
  p0: number;
  /** The pass rate to detect, in (0, p0); default p0 − 0.10 (or p0/2 when that is ≤ 0). */
  p1?: number;
  /** Records per window. */
  windowSize: number;
  /** Target in-control average run length, in windows (default 500). */
  arl0?: number;
}

export interface PassRateCusumDesign {
  p0: number;
  p1: number;
  windowSize: number;
  /** Reference value for a window of `windowSize` records, in passes (= windowSize·r on the lattice). */
  k: number;
  /** r, the likelihood-ratio reference pass rate per record (unrounded); k_t = n_t·r on the lattice. */
  kPerRecord: number;
  /** Decision interval in passes: alarm when S > h. */
  h: number;
  /** Lattice steps per pass (a power of two): k and h are multiples of 1/scale. */
  scale: number;
  /** Exact in-control ARL (windows, from S = 0) of this chart; ≥ arl0Target. */
  arl0: number;
  arl0Target: number;
  /** Exact zero-state ARL (windows) at p1. */
  arl1: number;
  /** How k and h were chosen, in words. */
  method: string;
}

export interface PassRateWindow {
  /** Records scored in the window. */
  n: number;
  /** Records that passed. */
  passes: number;
}

export interface PassRateCusumRun {
  /** S after each window. */
  statistic: number[];
  /** Window indices where S > h (S is not reset after an alarm: consecutive alarms are one episode). */
  alarms: number[];
  firstAlarm: number | null;
}

/** The most states the ARL search solves for (a dense (H+1)² system); beyond it the lattice is coarsened. */
const MAX_STATES = 1024;
const MAX_SCALE_LOG2 = 6;
/** Lattice steps per in-control standard deviation of a window's pass count. */
const STEPS_PER_SD = 16;

function checkProbability(x: number, what: string): void {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`${what} must be a probability in [0, 1] (got ${x})`);
}

/** The reference value per record, r, from the Bin(n, p1) / Bin(n, p0) likelihood ratio. */
export function likelihoodRatioReference(p0: number, p1: number): number {
  if (p0 === 1) return 1;
  const a = Math.log((1 - p1) / (1 - p0));
  const b = Math.log(p0 / p1);
  return a / (a + b);
}

function scaleFor(windowSize: number, p0: number): number {
  const sd = Math.sqrt(windowSize * p0 * (1 - p0));
  if (sd === 0) return 1;
  const log2 = Math.ceil(Math.log2(STEPS_PER_SD / sd));
  return 2 ** Math.min(MAX_SCALE_LOG2, Math.max(0, log2));
}

/** The lattice of a design for windows of n records (default the nominal size). */
export function cusumLattice(design: PassRateCusumDesign, n = design.windowSize): CusumLattice {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`window size must be an integer ≥ 1 (got ${n})`);
  const H = design.h * design.scale;
  if (!Number.isInteger(design.scale) || design.scale < 1 || !Number.isInteger(H) || H < 0)
    throw new RangeError("h must be a non-negative multiple of 1/scale");
  return { n, scale: design.scale, K: Math.round(n * design.kPerRecord * design.scale), H };
}

/** Reference value k_t for a window of n records, on the design's lattice. */
function referenceValue(design: PassRateCusumDesign, n: number): number {
  return Math.round(n * design.kPerRecord * design.scale) / design.scale;
}

/**
 * Exact zero-state average run length (windows) of a design when the true pass rate is p, for
 * windows of `windowSize` records (default the nominal size). ∞ for a disabled chart.
 */
export function passRateCusumArl(
  design: PassRateCusumDesign,
  p: number,
  options: { windowSize?: number } = {},
): number {
  checkProbability(p, "p");
  if (design.h === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return arlVector(cusumLattice(design, options.windowSize), p)[0];
}

/** Exact P(RL ≤ t) for t = 1..horizon (windows, from S = 0) at true pass rate p. */
export function passRateCusumRunLengthCdf(
  design: PassRateCusumDesign,
  p: number,
  horizon: number,
  options: { windowSize?: number } = {},
): number[] {
  checkProbability(p, "p");
  if (!Number.isInteger(horizon) || horizon < 0)
    throw new RangeError(`horizon must be an integer ≥ 0 (got ${horizon})`);
  if (design.h === Number.POSITIVE_INFINITY) return new Array<number>(horizon).fill(0);
  return runLengthCdf(cusumLattice(design, options.windowSize), p, horizon);
}

/** Designs the lower pass-rate CUSUM: k from the likelihood ratio, h from the exact in-control ARL. */
export function designPassRateCusum(options: PassRateCusumOptions): PassRateCusumDesign {
  const { p0, windowSize } = options;
  const arl0Target = options.arl0 ?? 500;
  checkProbability(p0, "p0");
  if (!Number.isInteger(windowSize) || windowSize < 1)
    throw new RangeError(`windowSize must be an integer ≥ 1 (got ${windowSize})`);
  if (!(arl0Target >= 1 && Number.isFinite(arl0Target)))
    throw new RangeError(`arl0 must be a finite number ≥ 1 (got ${arl0Target})`);

  if (p0 === 0) {
    return {
      p0,
      p1: 0,
      windowSize,
      k: 0,
      kPerRecord: 0,
      h: Number.POSITIVE_INFINITY,
      scale: 1,
      arl0: Number.POSITIVE_INFINITY,
      arl0Target,
      arl1: Number.POSITIVE_INFINITY,
      method: "disabled: the reference pass rate is 0, so it cannot fall",
    };
  }
  const p1 = options.p1 ?? (p0 - 0.1 > 0 ? p0 - 0.1 : p0 / 2);
  if (!(p1 > 0 && p1 < p0)) throw new RangeError(`p1 must be in (0, p0) = (0, ${p0}) (got ${p1})`);

  const r = likelihoodRatioReference(p0, p1);
  let scale = scaleFor(windowSize, p0);
  for (;;) {
    // States reachable from 0 are multiples of gcd(K, scale): dividing both by it (a power of
    // two) leaves the chart unchanged and shrinks the system to solve.
    let K = Math.round(windowSize * r * scale);
    let step = scale;
    while (step > 1 && K % 2 === 0) {
      K /= 2;
      step /= 2;
    }
    const lattice = (H: number): CusumLattice => ({ n: windowSize, scale: step, K, H });
    const arlAt = (H: number) => arlVector(lattice(H), p0)[0];
    // Exponential search for an H that reaches the target, then bisection for the smallest.
    let ok = 0;
    let okArl = arlAt(0);
    let fail = -1;
    while (okArl < arl0Target && ok < MAX_STATES) {
      fail = ok;
      ok = Math.min(MAX_STATES, Math.max(1, ok * 2));
      okArl = arlAt(ok);
    }
    if (okArl < arl0Target) {
      if (scale === 1)
        throw new RangeError(
          `no decision interval reaches arl0 = ${arl0Target} within ${MAX_STATES} passes; lower arl0`,
        );
      scale /= 2;
      continue;
    }
    while (ok - fail > 1) {
      const mid = Math.floor((ok + fail) / 2);
      const arl = arlAt(mid);
      if (arl >= arl0Target) {
        ok = mid;
        okArl = arl;
      } else fail = mid;
    }
    const chosen = lattice(ok);
    const k = K / step;
    const h = ok / step;
    const arl1 = arlVector(chosen, p1)[0];
    const method =
      p0 === 1
        ? "lower CUSUM on pass counts with p0 = 1: any failure contradicts the reference, so k = n, h = 0 (the first window with a failure alarms)"
        : `lower CUSUM on pass counts (Page 1954), S = max(0, S + k − passes), alarm when S > h; ` +
          `k = n·r with r = ln((1−p1)/(1−p0)) / ln(p0(1−p1)/(p1(1−p0))) = ${r.toFixed(6)} ` +
          `(the Bin(n, p1)/Bin(n, p0) likelihood ratio), on a 1/${step}-pass lattice; ` +
          `h the smallest multiple of 1/${step} with exact in-control ARL ≥ ${arl0Target} windows ` +
          `(Markov chain of the integer-scaled statistic, Brook & Evans 1972)`;
    return { p0, p1, windowSize, k, kPerRecord: r, h, scale: step, arl0: okArl, arl0Target, arl1, method };
  }
}

/** Runs a designed CUSUM over a stream of windows (sizes may vary; k_t = n_t·r on the lattice). */
export function runPassRateCusum(
  design: PassRateCusumDesign,
  windows: readonly PassRateWindow[],
): PassRateCusumRun {
  const statistic: number[] = [];
  const alarms: number[] = [];
  let s = 0;
  for (let t = 0; t < windows.length; t++) {
    const { n, passes } = windows[t];
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`windows[${t}].n must be an integer ≥ 0 (got ${n})`);
    if (!Number.isInteger(passes) || passes < 0 || passes > n)
      throw new RangeError(`windows[${t}].passes must be an integer in [0, n] (got ${passes})`);
    // A window with no records carries no evidence: S stays where it was.
    if (n > 0) s = Math.max(0, s + referenceValue(design, n) - passes);
    statistic.push(s);
    if (s > design.h) alarms.push(t);
  }
  return { statistic, alarms, firstAlarm: alarms.length > 0 ? alarms[0] : null };
}
