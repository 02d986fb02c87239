import type { ChatMessage } from "../../core/case.ts";
import type { TargetError } from "../../core/output.ts";
import type { ChatClient, ChatRequest, ResponseFormat } from "../../llm/types.ts";
import { describe as describeValue } from "../options.ts";
import { callJudge, type JudgeAccount, type JudgeCallPolicy } from "./call.ts";
import { type JudgeScale, type JudgeSettings, scaleLabel, scaleLevels } from "./llm-judge-options.ts";
import { readVerdict, type VerdictSource, type VerdictSpec } from "./parse.ts";

/**
 * One sample of an llm-judge: one call (with call.ts's retries) and its verdict read and put on
 * the scale. A failed call or an unreadable verdict is an unscored sample with the reason.
 */

/** A raw verdict → a score in [0, 1], or why it is not on the scale. */
export function normaliseScore(
  scale: JudgeScale,
  raw: unknown,
): { ok: true; value: number; raw: number | "pass" | "fail" } | { ok: false; reason: string } {
  if (scale.kind === "binary") {
    const v = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
    if (v === "pass") return { ok: true, value: 1, raw: "pass" };
    if (v === "fail") return { ok: true, value: 0, raw: "fail" };
    return { ok: false, reason: `judge verdict ${describeValue(raw)} is not "pass" or "fail"` };
  }
  const n =
    typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) return { ok: false, reason: `judge score ${describeValue(raw)} is not a number` };
  if (n < scale.min || n > scale.max) {
    return { ok: false, reason: `judge score ${n} is outside the scale ${scaleLabel(scale)}` };
  }
  return { ok: true, value: (n - scale.min) / (scale.max - scale.min), raw: n };
}

/** The JSON schema of the verdict requested through the response format. */
export function verdictSchema(scale: JudgeScale): Record<string, unknown> {
  const score =
    scale.kind === "binary"
      ? { type: "string", enum: ["pass", "fail"] }
      : { type: "integer", enum: scaleLevels(scale).map(Number) };
  return {
    type: "object",
    properties: { reasoning: { type: "string" }, score },
    required: ["reasoning", "score"],
    additionalProperties: false,
  };
}

function verdictSpec(scale: JudgeScale): VerdictSpec<{ value: number; raw: number | "pass" | "fail" }> {
  return {
    field: "score",
    keyword: "SCORE",
    lineValue: "pass|fail|[-+]?\\d+(?:\\.\\d+)?",
    convert(raw) {
      const r = normaliseScore(scale, raw);
      return r.ok ? { ok: true, value: { value: r.value, raw: r.raw } } : r;
    },
  };
}

/** One sample's verdict, or why it has none. */
export interface SampleResult {
  sample: number;
  score: number | null;
  raw?: unknown;
  reasoning?: string;
  source?: VerdictSource;
  reason?: string;
  /** why there is no verdict, as a code for the scorecard's unscored reasons (JUDGE_UNSCORED) */
  code?: string;
  error?: TargetError;
}

/** The `details.unscored` codes of a sample without a verdict, by what went wrong. */
export const JUDGE_UNSCORED = {
  "call-failed": "judge-call-failed",
  truncated: "judge-truncated",
  refused: "judge-refused",
  empty: "judge-empty",
  unparseable: "judge-unparseable",
  invalid: "judge-invalid-verdict",
} as const;

/** Calls the judge once for `sample` and reads its verdict; usage and cost go to `account`. */
export async function judgeSample(
  client: ChatClient,
  s: JudgeSettings,
  policy: JudgeCallPolicy,
  messages: ChatMessage[],
  sample: number,
  account: JudgeAccount,
): Promise<SampleResult> {
  const format: ResponseFormat = {
    type: "json_schema",
    name: "assay_verdict",
    schema: verdictSchema(s.scale),
    strict: true,
  };
  const request: ChatRequest = { messages, temperature: s.temperature, responseFormat: format };
  if (s.maxTokens !== undefined) request.maxTokens = s.maxTokens;
  const result = await callJudge(client, request, sample, policy);
  account.record(result);
  if (!result.ok) {
    const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : "";
    return {
      sample,
      score: null,
      reason: `judge call failed${attempts}: ${result.error.class}: ${result.error.message}`,
      code: JUDGE_UNSCORED["call-failed"],
      error: result.error,
    };
  }
  const verdict = readVerdict(result.response, verdictSpec(s.scale));
  if (!verdict.ok) {
    return {
      sample,
      score: null,
      reason: verdict.reason,
      code: JUDGE_UNSCORED[verdict.failure],
      ...(verdict.raw !== undefined ? { raw: verdict.raw } : {}),
      ...(verdict.reasoning ? { reasoning: verdict.reasoning } : {}),
    };
  }
  return {
    sample,
    score: verdict.value.value,
    raw: verdict.value.raw,
    reasoning: verdict.reasoning,
    source: verdict.source,
  };
}
