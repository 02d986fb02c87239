import { scrubMessage } from "../../faults/secrets.ts";
import type { ChatResponse } from "../../llm/types.ts";
import { isPlainObject } from "../base.ts";
import { stripDataBlocks } from "./prompt.ts";

/**
 * Reading a verdict from a judge's reply — only from the judge's own words.
 *
 * In order: a reply cut off (`finishReason: "length"`) or refused (`refusal`, `content_filter`)
 * has no verdict, whatever it contains. Otherwise the quoted data blocks are removed from the
 * reply (see prompt.ts) and the verdict is, first, the structured answer (the whole reply is a
 * JSON object with the verdict field, as requested through the response format; or a tool call's
 * arguments), else the LAST strict match in the reply: a line `SCORE: <value>` (`WINNER: …` for
 * pairwise) or a JSON object with the verdict field. No verdict is ever read from prose such as
 * "I'd give it a 4", and a reply without one is unscored with the reason — never 0.
 */

export type VerdictSource = "structured" | "tool-call" | "fallback";

export type VerdictFailure = "truncated" | "refused" | "empty" | "unparseable" | "invalid";

export type ReadVerdict<T> =
  | { ok: true; value: T; raw: unknown; reasoning: string; source: VerdictSource }
  | { ok: false; failure: VerdictFailure; reason: string; raw?: unknown; reasoning?: string };

export interface VerdictSpec<T> {
  /** the JSON member holding the verdict (`score`, `verdict`) */
  field: string;
  /** the keyword of the strict line format (`SCORE`, `WINNER`) */
  keyword: string;
  /** regular expression source of a value on that line */
  lineValue: string;
  /** the verdict a raw value stands for, or why it is not a valid one */
  convert(raw: unknown): { ok: true; value: T } | { ok: false; reason: string };
}

const REFUSAL =
  /^\s*(?:I['’]m sorry|I am sorry|Sorry[,.]|I apologi[sz]e|I can(?:not|['’]t|\s+not)\b|I (?:won['’]t|will not|am unable|['’]m unable|am not able|must decline|decline)\b|As an AI\b)/i;

/** A one-line excerpt of a reply for reasons: scrubbed of secrets whole, then cut. */
export function excerpt(text: string, max = 100): string {
  const s = scrubMessage(text, process.env, Number.POSITIVE_INFINITY).replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function readVerdict<T>(response: ChatResponse, spec: VerdictSpec<T>): ReadVerdict<T> {
  const text = typeof response.message?.content === "string" ? response.message.content : "";
  if (response.finishReason === "length") {
    return {
      ok: false,
      failure: "truncated",
      reason: "judge reply was cut off (finish reason length): raise maxTokens",
    };
  }
  if (response.finishReason === "refusal" || response.finishReason === "content_filter") {
    return {
      ok: false,
      failure: "refused",
      reason: `judge refused (finish reason ${response.finishReason})${text.trim() ? `: ${excerpt(text)}` : ""}`,
    };
  }
  const own = stripDataBlocks(text);
  const found = findVerdict(own, response, spec);
  if (!found) {
    if (REFUSAL.test(own)) return { ok: false, failure: "refused", reason: `judge refused: ${excerpt(own)}` };
    if (text.trim() === "" && !response.message?.toolCalls?.length)
      return { ok: false, failure: "empty", reason: "judge reply is empty" };
    return {
      ok: false,
      failure: "unparseable",
      reason: `judge reply has no ${spec.keyword} verdict: ${excerpt(own) || "(only quoted data)"}`,
    };
  }
  const converted = spec.convert(found.raw);
  if (!converted.ok) {
    return {
      ok: false,
      failure: "invalid",
      reason: converted.reason,
      raw: found.raw,
      reasoning: found.reasoning,
    };
  }
  return {
    ok: true,
    value: converted.value,
    raw: found.raw,
    reasoning: found.reasoning,
    source: found.source,
  };
}

interface Found {
  raw: unknown;
  reasoning: string;
  source: VerdictSource;
}

function findVerdict<T>(own: string, response: ChatResponse, spec: VerdictSpec<T>): Found | undefined {
  const whole = parseJson(stripFences(own.trim()));
  if (isPlainObject(whole) && Object.hasOwn(whole, spec.field)) {
    return { raw: whole[spec.field], reasoning: reasoningOf(whole), source: "structured" };
  }
  const calls = response.message?.toolCalls ?? [];
  for (let i = calls.length - 1; i >= 0; i--) {
    const args =
      typeof calls[i].arguments === "string" ? parseJson(calls[i].arguments as string) : calls[i].arguments;
    if (isPlainObject(args) && Object.hasOwn(args, spec.field)) {
      return { raw: args[spec.field], reasoning: reasoningOf(args), source: "tool-call" };
    }
  }
  return lastStrictMatch(own, spec);
}

function reasoningOf(obj: Record<string, unknown>): string {
  for (const key of ["reasoning", "reason", "explanation", "rationale"]) {
    if (typeof obj[key] === "string") return obj[key] as string;
  }
  return "";
}

function parseJson(text: string): unknown {
  if (!text.startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stripFences(text: string): string {
  const m = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(text);
  return m ? m[1].trim() : text;
}

/** The last `KEYWORD: value` line or JSON object with the verdict field, by where it ends. */
function lastStrictMatch<T>(own: string, spec: VerdictSpec<T>): Found | undefined {
  let best: { end: number; found: Found } | undefined;
  const line = new RegExp(
    `^[ \\t>*_#-]*${spec.keyword}[ \\t*_]*:[ \\t*_]*(${spec.lineValue})[ \\t*_.]*$`,
    "gim",
  );
  for (const m of own.matchAll(line)) {
    const end = (m.index ?? 0) + m[0].length;
    if (!best || end >= best.end) {
      const reasoning = own.slice(0, m.index ?? 0).trim();
      best = { end, found: { raw: m[1], reasoning, source: "fallback" } };
    }
  }
  for (const obj of jsonObjects(own)) {
    if (!Object.hasOwn(obj.value, spec.field)) continue;
    if (!best || obj.end >= best.end) {
      best = {
        end: obj.end,
        found: { raw: obj.value[spec.field], reasoning: reasoningOf(obj.value), source: "fallback" },
      };
    }
  }
  return best?.found;
}

/** Every balanced `{…}` span in the text that parses as a JSON object (strings respected). */
function jsonObjects(text: string): Array<{ end: number; value: Record<string, unknown> }> {
  const out: Array<{ end: number; value: Record<string, unknown> }> = [];
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    const end = matchingBrace(text, start);
    if (end === -1) continue;
    const value = parseJson(text.slice(start, end + 1));
    if (isPlainObject(value)) out.push({ end: end + 1, value });
  }
  return out;
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
