/**
 * Seeded pseudo-random numbers for reproducible resampling.
 *
 * xoshiro128** 1.1 (Blackman & Vigna 2018): 128-bit state, period 2¹²⁸ − 1, passes BigCrush,
 * and needs only 32-bit integer operations (`Math.imul`, shifts), which keeps it fast in
 * JavaScript. The state is filled from a 32-bit seed with splitmix32, as the authors recommend;
 * string seeds are first hashed with FNV-1a. Integers in [0, n) use Lemire's multiply-shift
 * method with rejection, so they are exactly uniform (no modulo bias); for n ≤ 2¹⁶ each 32-bit
 * draw is split into two 16-bit halves, which halves the cost of bootstrap resampling.
 */

export type Seed = number | string;

/** Maps a seed (integer, other number or string) to a 32-bit unsigned integer. */
export function seedToUint32(seed: Seed): number {
  if (typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) return seed >>> 0;
  const text = typeof seed === "number" ? `number:${seed}` : seed;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;
const MAX_EXACT_INDEX = 2097152; // 2^21
const HALF_LIMIT = 65536; // 2^16

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Unused low 16-bit half of the last draw made for a small index, or −1. */
  private spare = -1;
  readonly seed: number;
  private readonly oneSum = new Float64Array(1);

  constructor(seed: Seed) {
    this.seed = seedToUint32(seed);
    let x = this.seed;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Uniform integer in [0, n) for an integer n ≥ 1, exactly uniform (Lemire's multiply-shift with
   * rejection):
   * - n ≤ 2¹⁶: from 16-bit halves of a 32-bit draw (high half first; the low half is kept for the
   *   next call), so one generator step usually yields two indices;
   * - n ≤ 2²¹: from a full 32-bit draw (the product with n is exact in a double);
   * - larger n: ⌊nextFloat()·n⌋ (bias below 2⁻³²).
   */
  nextIndex(n: number): number {
    if (n <= HALF_LIMIT) {
      const threshold = HALF_LIMIT % n;
      for (;;) {
        let half: number;
        if (this.spare >= 0) {
          half = this.spare;
          this.spare = -1;
        } else {
          const r = this.nextUint32();
          half = r >>> 16;
          this.spare = r & 0xffff;
        }
        const m = half * n;
        if ((m & 0xffff) >= threshold) return m >>> 16;
      }
    }
    if (n > MAX_EXACT_INDEX) return Math.floor(this.nextFloat() * n);
    const threshold = TWO_POW_32 % n;
    for (;;) {
      const m = this.nextUint32() * n;
      const hi = Math.floor(m * INV_TWO_POW_32);
      if (m - hi * TWO_POW_32 >= threshold) return hi;
    }
  }

  /**
   * Sum of `count` values drawn uniformly with replacement from values[0..n): the bootstrap hot
   * loop, with the generator step inlined on local variables and unrolled over the two 16-bit
   * halves. Makes exactly the same draws as `count` calls of `nextIndex(n)`, so results do not
   * depend on which path was used.
   */
  sumOfDraws(values: Float64Array, n: number, count: number): number {
    const sums = this.oneSum;
    sums[0] = 0;
    this.sumColumnsOfDraws([values], n, count, sums);
    return sums[0];
  }
  /**
   * One bootstrap resample for several columns at once: draws `count` indices from [0, n) (the
   * same draws as `count` calls of nextIndex) and adds columns[c][index] into sums[c]. One index
   * stream serves every column, so k columns cost one set of draws, not k.
   */
  sumColumnsOfDraws(columns: readonly Float64Array[], n: number, count: number, sums: Float64Array): void {
    const k = columns.length;
    if (n > HALF_LIMIT || count <= 0 || k > 2) {
      for (let i = 0; i < count; i++) {
        const j = this.nextIndex(n);
        for (let c = 0; c < k; c++) sums[c] += columns[c][j];
      }
      return;
    }
    // k is 1 or 2: the second column reads column 0 again when absent and is discarded.
    const a = columns[0];
    const b = k === 2 ? columns[1] : columns[0];
    const threshold = HALF_LIMIT % n;
    let sa = 0;
    let sb = 0;
    let i = 0;
    let spare = this.spare;
    if (spare >= 0) {
      const m = spare * n;
      spare = -1;
      if ((m & 0xffff) >= threshold) {
        const j = m >>> 16;
        sa += a[j];
        sb += b[j];
        i++;
      }
    }
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    while (i < count) {
      const m5 = Math.imul(s1, 5);
      const r = Math.imul((m5 << 7) | (m5 >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const m1 = (r >>> 16) * n;
      if ((m1 & 0xffff) >= threshold) {
        const j = m1 >>> 16;
        sa += a[j];
        sb += b[j];
        i++;
        if (i === count) {
          spare = r & 0xffff;
          break;
        }
      }
      const m2 = (r & 0xffff) * n;
      if ((m2 & 0xffff) >= threshold) {
        const j = m2 >>> 16;
        sa += a[j];
        sb += b[j];
        i++;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.spare = spare;
    sums[0] += sa;
    if (k === 2) sums[1] += sb;
  }
}

/** Creates a seeded xoshiro128** generator. */
export function createRng(seed: Seed): Xoshiro128 {
  return new Xoshiro128(seed);
}
