/**
 * A target's `confidence: "$.path"`: how sure the target says it is of an output, read from its
 * response (http: the response body; other kinds: the output's JSON). Calibration and the
 * escalation threshold (scorecard `confidence`) are computed from it.
 */
import { type PathSegment, parseJsonPath, selectJsonPath } from "./http/jsonpath.ts";
import type { Target, TargetResponse } from "./types.ts";

/**
 * The confidence a selected value states: a finite number in [0, 1], or a string holding one.
 * Anything else (absent, out of range, not a number) is no confidence: the output still counts,
 * it only stays out of the calibration figures.
 */
export function confidenceValue(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/** Reads the confidence at `path` in a JSON value (a string is parsed first); undefined when none. */
export function selectConfidence(source: unknown, path: PathSegment[]): number | undefined {
  let doc = source;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  return confidenceValue(selectJsonPath(doc, path));
}

/**
 * Wraps a target so its responses carry the confidence at `path` in their output, unless the
 * target already set one (an http target reads it from the whole response body).
 */
export function withConfidence(target: Target, path: string): Target {
  const selector = parseJsonPath(path);
  const wrapped: Target = {
    id: target.id,
    kind: target.kind,
    deterministic: target.deterministic,
    describe: () => ({ ...target.describe(), confidence: path }),
    async call(ctx) {
      const response: TargetResponse = await target.call(ctx);
      if (response.confidence !== undefined) return response;
      const confidence = selectConfidence(response.output, selector);
      return confidence === undefined ? response : { ...response, confidence };
    },
  };
  if (target.prepare) wrapped.prepare = () => (target.prepare as () => Promise<void>).call(target);
  if (target.close) wrapped.close = () => (target.close as () => Promise<void>).call(target);
  return wrapped;
}
