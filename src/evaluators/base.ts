import type { Output } from "../core/output.ts";
import { hashValue } from "../util/hash.ts";
import type { EvaluationInput, Evaluator, Score } from "./types.ts";

/**
 * Builds an evaluator object. Its `id` is `kind@version#hash`, the hash covering the resolved
 * settings, so two scorings compare only when they were made by the same evaluator with the same
 * settings. By default the hash is of `config`; an evaluator whose config names files (a schema, a
 * rubric) passes `identity`, the settings that decide scores with files by content hash, so that
 * moving a file changes nothing and editing it changes the id.
 */
export function makeEvaluator(
  kind: string,
  version: string,
  config: Record<string, unknown>,
  evaluate: (input: EvaluationInput) => Score | Promise<Score>,
  identity?: Record<string, unknown>,
): Evaluator {
  const pinned = dropUndefined(config);
  return Object.freeze({
    kind,
    version,
    id: evaluatorId(kind, version, identity === undefined ? pinned : dropUndefined(identity)),
    config: Object.freeze(pinned),
    evaluate,
  });
}

/** `kind@version#hash` of the settings (8 hex digits of their canonical JSON's SHA-256). */
export function evaluatorId(kind: string, version: string, config: Record<string, unknown>): string {
  return `${kind}@${version}#${hashValue(config, 8)}`;
}

function dropUndefined(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[k] = v;
  return out;
}

export function scored(score: number, reason: string, details?: Record<string, unknown>): Score {
  return details === undefined ? { score, reason } : { score, reason, details };
}

export function unscored(reason: string, details?: Record<string, unknown>): Score {
  return details === undefined ? { score: null, reason } : { score: null, reason, details };
}

export type JsonResult = { ok: true; value: unknown } | { ok: false };

/**
 * The output as JSON: `output.json` when the engine parsed it, else the text if it parses as a
 * whole (surrounding whitespace allowed). Text with prose or code fences around JSON is not JSON.
 */
export function outputJson(output: Output): JsonResult {
  if (output.json !== undefined) return { ok: true, value: output.json };
  const text = output.text.trim();
  if (text === "") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A value as it appears in a reason: JSON, shortened; `undefined` is "nothing". */
export function show(value: unknown, max = 60): string {
  if (value === undefined) return "nothing";
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep equality of JSON values (object key order ignored; `undefined` members count as absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** Applies `fn` to every string inside a JSON value (keys are left alone). */
export function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}
