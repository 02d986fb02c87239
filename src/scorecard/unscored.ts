/**
 * Why scores are unscored, grouped so a scorecard can say it in a few lines ("judge-refused ×12,
 * evaluator-timeout ×3") instead of one line per case. Pure.
 */

import { NOT_APPLICABLE_CODES } from "../core/unscored.ts";

/** The key of an output that has no score row for the dimension at all (scoring never happened). */
export const NO_SCORE = "no-score";

/**
 * Unscored situations that mean "this dimension does not apply to this case" rather than "the
 * evaluator could not judge": the case has no expected value for it, or the output has nothing of
 * the kind to judge. The gate's `maxUnscoredRate` leaves them out: a dimension that checks a
 * field only some cases expect is not failing on the others.
 */
export const NOT_APPLICABLE: ReadonlySet<string> = NOT_APPLICABLE_CODES;

const MAX_KEY = 80;
/** A short phrase before a colon that names a kind of failure (`evaluator-error`, `judge refused`). */
const CODE_LIKE = /^[A-Za-z][\w .-]{0,47}$/;

/**
 * The key a score's unscored reason is counted under: `details.unscored` when the evaluator set a
 * code, else the reason normalised so per-case detail does not split one cause into many keys —
 * the part before the first ":" when it is a short code-like phrase, else the first 80 characters.
 */
export function unscoredKey(score: { reason?: string; details?: Record<string, unknown> }): string {
  const code = score.details?.unscored;
  if (typeof code === "string" && code.trim() !== "") return cut(visible(code.trim()));
  return normaliseReason(score.reason ?? "");
}

export function normaliseReason(reason: string): string {
  const text = visible(reason.replace(/\s+/g, " ").trim());
  if (text === "") return "no reason given";
  const colon = text.indexOf(":");
  if (colon > 0) {
    const prefix = text.slice(0, colon).trim();
    if (CODE_LIKE.test(prefix)) return prefix;
  }
  return cut(text);
}

/** Reasons can quote outputs: control characters (terminal escapes) become visible placeholders. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "\ufffd");
}

function cut(text: string): string {
  return text.length > MAX_KEY ? `${text.slice(0, MAX_KEY - 1)}…` : text;
}

/** Adds one to `key` in a `{reason: count}` map. */
export function countReason(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** How many reasons the reports list per dimension. */
export const TOP_UNSCORED_REASONS = 3;

/** The most frequent reasons first (ties by name), at most `limit`. */
export function topReasons(
  counts: Record<string, number>,
  limit = TOP_UNSCORED_REASONS,
): Array<[string, number]> {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit);
}

/**
 * `judge-refused ×12, evaluator-timeout ×3, +2 more`. Reasons can hold text from outputs, so each
 * report passes its own `safe` (terminal: control characters; Markdown: cell syntax).
 */
export function describeReasons(
  counts: Record<string, number>,
  safe: (reason: string) => string = (r) => r,
  limit = TOP_UNSCORED_REASONS,
): string {
  const top = topReasons(counts, limit);
  const rest = Object.keys(counts).length - top.length;
  return top.map(([k, n]) => `${safe(k)} ×${n}`).join(", ") + (rest > 0 ? `, +${rest} more` : "");
}

/**
 * The unscored share the gate checks: unscored / (scored + unscored), leaving out the reasons
 * that mean the dimension does not apply to the case (NOT_APPLICABLE).
 */
export function unscoredRate(d: { n: number; unscored: number; unscoredReasons?: Record<string, number> }): {
  rate: number;
  unscored: number;
  applicable: number;
  reasons: Record<string, number>;
} {
  const reasons: Record<string, number> = {};
  let notApplicable = 0;
  for (const [key, count] of Object.entries(d.unscoredReasons ?? {})) {
    if (NOT_APPLICABLE.has(key)) notApplicable += count;
    else reasons[key] = count;
  }
  const unscored = Math.max(0, d.unscored - notApplicable);
  const applicable = d.n + unscored;
  return { rate: applicable > 0 ? unscored / applicable : 0, unscored, applicable, reasons };
}
