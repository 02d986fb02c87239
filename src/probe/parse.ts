/** Parsers for the probe's options; each throws an Error whose message the CLI shows as a usage error. */

export const DEFAULT_STEPS = [1, 2, 4, 8, 16, 32, 64, 128];
const MAX_STEPS = 64;
const MAX_LEVEL = 100_000;
/** where a trailing ellipsis (`1,2,4,…`) stops */
const DEFAULT_END = 128;

/**
 * `1,2,4,8` or with an ellipsis, `1,2,4,…,128` (or `...`): the series goes on by the ratio (or,
 * when not geometric, the difference) of the two values before the ellipsis, up to the value after
 * (128 when nothing follows: `1,2,4,…`).
 */
export function parseSteps(text: string): number[] {
  const tokens = text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "…" || t === "...") {
      const end = i + 1 < tokens.length ? Number(tokens[i + 1]) : Math.max(DEFAULT_END, out.at(-1) ?? 0);
      const [a, b] = out.slice(-2);
      if (a === undefined || b === undefined || !Number.isFinite(end)) {
        throw new Error(`"…" needs two values before it and one after (got "${text}")`);
      }
      const geometric = a > 0 && b / a > 1;
      const grow = (x: number) => (geometric ? Math.round((x * b) / a) : x + (b - a));
      if (!(b > a)) throw new Error(`steps must rise around "…" (got "${text}")`);
      for (let x = grow(b); x < end && out.length < MAX_STEPS; x = grow(x)) out.push(x);
      if (i + 1 >= tokens.length && (out.at(-1) ?? 0) < end) out.push(end);
      continue;
    }
    const n = Number(t);
    if (!Number.isFinite(n) || n <= 0 || (!Number.isInteger(n) && n < 1)) {
      throw new Error(`a step must be a number ≥ 1 (got "${t}")`);
    }
    out.push(n);
  }
  if (out.length === 0) throw new Error("expected steps such as 1,2,4,8");
  if (out.length > MAX_STEPS) throw new Error(`at most ${MAX_STEPS} steps (got ${out.length})`);
  for (const n of out) {
    if (n > MAX_LEVEL) throw new Error(`a step above ${MAX_LEVEL} (got ${n})`);
  }
  return out;
}

/** `20s`, `500ms`, `2m`, or a bare number of seconds; in ms. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
  if (!m) throw new Error(`expected a duration such as 20s, 500ms or 2m (got "${text}")`);
  const value = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const ms = unit === "ms" ? value : unit === "m" ? value * 60_000 : value * 1000;
  if (!(ms >= 1)) throw new Error(`a duration of at least 1 ms (got "${text}")`);
  return Math.round(ms);
}
