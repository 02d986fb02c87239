/**
 * The exact Markov chain of an integer-scaled pass-count CUSUM (Brook & Evans 1972).
 *
 * The lower CUSUM on a window's pass count X ~ Bin(n, p) is S_t = max(0, S_{t−1} + k − X_t),
 * alarm when S_t > h. When k and h are multiples of 1/scale (the "lattice"), every reachable
 * value of S is a multiple of 1/scale too (S_0 = 0 and each increment k − X is one), so
 * i = S·scale is an integer state in 0..H (H = h·scale) and the transition
 * i → max(0, i + K − scale·x) with probability P(X = x) is the chain of the statistic itself,
 * not an approximation of it (Brook & Evans discretise a continuous statistic; here nothing is
 * discretised). From it:
 * - the average run length from every starting state, L = (I − Q)⁻¹·1, by Gaussian elimination
 *   with partial pivoting on the (H+1)×(H+1) matrix (I − Q is an M-matrix, so this is stable);
 * - the run-length distribution P(RL ≤ t), by propagating the state distribution t steps.
 * Run length is counted in windows, the alarm window included (RL ≥ 1), as in the ARL tables.
 */
import { binomialPmf } from "../../stats/distributions.ts";

/** The integer form of a pass-count CUSUM on windows of n records. */
export interface CusumLattice {
  /** Records per window. */
  n: number;
  /** Lattice steps per pass. */
  scale: number;
  /** The reference value k·scale (an integer). */
  K: number;
  /** The decision interval h·scale (an integer); states are 0..H. */
  H: number;
}

/** P(X = x) for x = 0..n, X ~ Bin(n, p). */
export function passCountPmf(n: number, p: number): Float64Array {
  const pmf = new Float64Array(n + 1);
  for (let x = 0; x <= n; x++) pmf[x] = binomialPmf(x, n, p);
  return pmf;
}

/** The state reached from state i when x of n records pass; > H means an alarm. */
function next(lattice: CusumLattice, i: number, x: number): number {
  return Math.max(0, i + lattice.K - lattice.scale * x);
}

/** Average run length (windows) from every starting state 0..H, at pass rate p. */
export function arlVector(lattice: CusumLattice, p: number): Float64Array {
  const size = lattice.H + 1;
  const pmf = passCountPmf(lattice.n, p);
  // A = I − Q, row-major; b = 1.
  const a = new Float64Array(size * size);
  const b = new Float64Array(size).fill(1);
  for (let i = 0; i < size; i++) {
    a[i * size + i] += 1;
    for (let x = 0; x <= lattice.n; x++) {
      const q = pmf[x];
      if (q === 0) continue;
      const j = next(lattice, i, x);
      if (j <= lattice.H) a[i * size + j] -= q;
    }
  }
  return solveInPlace(a, b, size);
}

/** Solves A·x = b (A row-major, size × size) by Gaussian elimination with partial pivoting. */
function solveInPlace(a: Float64Array, b: Float64Array, size: number): Float64Array {
  for (let col = 0; col < size; col++) {
    let pivot = col;
    let best = Math.abs(a[col * size + col]);
    for (let r = col + 1; r < size; r++) {
      const v = Math.abs(a[r * size + col]);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    // Singular only when the chain can never alarm from some state (an infinite run length).
    if (best === 0) return new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    if (pivot !== col) {
      for (let c = col; c < size; c++) {
        const t = a[col * size + c];
        a[col * size + c] = a[pivot * size + c];
        a[pivot * size + c] = t;
      }
      const t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
    }
    const d = a[col * size + col];
    for (let r = col + 1; r < size; r++) {
      const f = a[r * size + col] / d;
      if (f === 0) continue;
      a[r * size + col] = 0;
      for (let c = col + 1; c < size; c++) a[r * size + c] -= f * a[col * size + c];
      b[r] -= f * b[col];
    }
  }
  const x = new Float64Array(size);
  for (let r = size - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < size; c++) s -= a[r * size + c] * x[c];
    x[r] = s / a[r * size + r];
  }
  return x;
}

/**
 * Propagates a (sub-)distribution over states 0..H one window at pass rate p. Returns the mass
 * still in control after the window; the rest alarmed in it.
 */
export function stepDistribution(lattice: CusumLattice, pmf: Float64Array, dist: Float64Array): Float64Array {
  const out = new Float64Array(lattice.H + 1);
  for (let i = 0; i <= lattice.H; i++) {
    const m = dist[i];
    if (m === 0) continue;
    for (let x = 0; x <= lattice.n; x++) {
      const j = next(lattice, i, x);
      if (j <= lattice.H) out[j] += m * pmf[x];
    }
  }
  return out;
}

/** The in-control state distribution after `windows` windows from S = 0 (mass that has not alarmed). */
export function stateDistributionAfter(lattice: CusumLattice, p: number, windows: number): Float64Array {
  const pmf = passCountPmf(lattice.n, p);
  let dist: Float64Array = new Float64Array(lattice.H + 1);
  dist[0] = 1;
  for (let t = 0; t < windows; t++) dist = stepDistribution(lattice, pmf, dist);
  return dist;
}

/** P(RL ≤ t) for t = 1..horizon, starting from S = 0, at pass rate p. */
export function runLengthCdf(lattice: CusumLattice, p: number, horizon: number): number[] {
  const pmf = passCountPmf(lattice.n, p);
  let dist: Float64Array = new Float64Array(lattice.H + 1);
  dist[0] = 1;
  const cdf: number[] = [];
  for (let t = 1; t <= horizon; t++) {
    dist = stepDistribution(lattice, pmf, dist);
    let alive = 0;
    for (let i = 0; i < dist.length; i++) alive += dist[i];
    cdf.push(Math.min(1, Math.max(0, 1 - alive)));
  }
  return cdf;
}
