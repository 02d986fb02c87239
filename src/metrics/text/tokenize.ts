/**
 * Tokenisation helpers shared by the text metrics.
 *
 * `pythonSplit` reproduces Python's `str.split()` with no argument (the tokeniser of the SQuAD
 * script and of nltk's BLEU examples): runs of Unicode whitespace separate tokens and leading or
 * trailing whitespace yields no empty token. Python's whitespace set differs from JavaScript's
 * `\s`: it includes U+001C–U+001F and U+0085 and excludes U+FEFF, so the class is spelled out.
 */

const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** Python's `str.split()`: whitespace-separated tokens, no empty tokens. */
export function pythonSplit(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

/** The Unicode code points of a string (what Python's `len` counts), not UTF-16 code units. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * Exactly rounded floating-point sum (Shewchuk's algorithm, as Python's `math.fsum`), so sums of
 * logs match the reference implementations to the last bit.
 */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Round half-even correctly when the remaining partials push the result past a tie.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}
