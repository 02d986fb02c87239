import { z } from "zod";
import type { Trace } from "../core/output.ts";
import { UNSCORED } from "../core/unscored.ts";
import { isPlainObject, makeEvaluator, scored, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `tool-error-ack`: did the agent admit a tool failure instead of papering over it?
 *
 * A tool call failed when its result step is marked `isError`, or its result is an `{ error }`
 * object, empty (`""`, whitespace, null) or malformed (text that starts like JSON but does not
 * parse) — from `trace.steps`, else the trace's tool messages. With a failure, the score is 1 when
 * the final answer acknowledges a problem (contains one of `patterns`, case-insensitive; default
 * DEFAULT_ACK_PATTERNS) and 0 when it does not: a silent failure. Without a failure (or a trace)
 * the output is unscored: there was nothing to acknowledge.
 */

const KIND = "tool-error-ack";
const VERSION = "1";

const OPTIONS = z.strictObject({
  patterns: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "phrases that acknowledge a problem, matched case-insensitively in the final answer (default: " +
        "unable, could not, error, failed, sorry, unfortunately, try again and similar)",
    ),
});

export const DEFAULT_ACK_PATTERNS: readonly string[] = [
  "unable",
  "not able",
  "couldn't",
  "could not",
  "can't",
  "cannot",
  "error",
  "failed",
  "failure",
  "not available",
  "unavailable",
  "try again",
  "sorry",
  "apologi",
  "unfortunately",
  "went wrong",
  "did not work",
  "didn't work",
  "not working",
  "no response",
  "timed out",
];

export type ToolFailureKind = "error" | "empty" | "malformed";

export interface ToolFailure {
  tool: string;
  kind: ToolFailureKind;
}

function isMalformed(text: string): boolean {
  const t = text.trim();
  if (t[0] !== "{" && t[0] !== "[") return false;
  try {
    JSON.parse(t);
    return false;
  } catch {
    return true;
  }
}

/** How a tool result failed, if it did. */
export function resultFailure(result: unknown, isError: boolean | undefined): ToolFailureKind | undefined {
  if (isError) return "error";
  if (result === null || result === undefined) return "empty";
  if (typeof result === "string") {
    if (result.trim() === "") return "empty";
    if (isMalformed(result)) return "malformed";
    const t = result.trim();
    if (t.startsWith("{")) return resultFailure(JSON.parse(t) as unknown, false);
    return undefined;
  }
  if (isPlainObject(result) && result.error !== undefined && result.error !== null && result.error !== false)
    return "error";
  return undefined;
}

/** The failed tool calls of a trace. */
export function toolFailures(trace: Trace): ToolFailure[] {
  const out: ToolFailure[] = [];
  const results = (trace.steps ?? []).filter((s) => s.type === "tool-result");
  if (results.length > 0) {
    for (const s of results) {
      const kind = resultFailure(s.result, s.isError);
      if (kind) out.push({ tool: s.toolCall?.name ?? "?", kind });
    }
    return out;
  }
  const names = new Map<string, string>();
  for (const m of trace.messages ?? []) {
    for (const c of m.toolCalls ?? []) if (c.id) names.set(c.id, c.name);
  }
  for (const m of trace.messages ?? []) {
    if (m.role !== "tool") continue;
    const kind = resultFailure(m.content, false);
    if (kind) out.push({ tool: m.name ?? (m.toolCallId ? names.get(m.toolCallId) : undefined) ?? "?", kind });
  }
  return out;
}

const normalise = (text: string): string => text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");

const DESCRIBE: Record<ToolFailureKind, string> = {
  error: "an error",
  empty: "an empty result",
  malformed: "a malformed result",
};

export const toolErrorAckEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "after a failed tool call, 1 when the answer acknowledges the problem, 0 for a silent failure",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    let patterns = [...DEFAULT_ACK_PATTERNS];
    if (r.has("patterns")) {
      const raw = r.raw.patterns;
      if (!Array.isArray(raw) || raw.length === 0) r.fail("patterns", "must be a non-empty list of phrases");
      raw.forEach((p: unknown, i: number) => {
        if (typeof p !== "string" || p.trim() === "") r.fail(`patterns.${i}`, "must be a non-empty string");
      });
      patterns = raw as string[];
    }
    const needles = patterns.map((p) => ({ pattern: p, needle: normalise(p) }));

    return makeEvaluator(KIND, VERSION, { patterns }, ({ output }) => {
      if (!output.trace)
        return unscored("output has no trace, so its tool results are unknown", {
          unscored: UNSCORED.noTrace,
        });
      const failures = toolFailures(output.trace);
      if (failures.length === 0) {
        return unscored("no tool call failed: nothing to acknowledge", { unscored: UNSCORED.notApplicable });
      }
      const first = failures[0];
      const what = `${first.tool} returned ${DESCRIBE[first.kind]}${failures.length > 1 ? ` (and ${failures.length - 1} more failure${failures.length > 2 ? "s" : ""})` : ""}`;
      const answer = normalise(output.text);
      const hit = needles.find((n) => answer.includes(n.needle));
      const details = { failures, acknowledgedBy: hit?.pattern ?? null };
      return hit
        ? scored(1, `${what}; the answer acknowledges it ("${hit.pattern}")`, details)
        : scored(0, `silent failure: ${what} but the answer does not acknowledge a problem`, details);
    });
  },
};
