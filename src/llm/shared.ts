import { type ErrorClass, TargetFailure } from "../core/output.ts";
import { abortFailure } from "../faults/abort.ts";
import { REDACTED, redactUrl, scrubMessage } from "../faults/secrets.ts";
import { safeJsonParse } from "../util/json.ts";
import type { ChatRequest, Price } from "./types.ts";

/** What a provider client (openai/, anthropic/) is built from. */
export interface ProviderClientOptions {
  /** the model name as the provider knows it (`gpt-4o-mini`, `claude-sonnet-4-5`) */
  model: string;
  /** the API base URL (an OpenAI-compatible server, a proxy); default the provider's own */
  baseUrl?: string;
  /** the environment variable that holds the key (default OPENAI_API_KEY / ANTHROPIC_API_KEY) */
  apiKeyEnv?: string;
  /** read at call time, so a key set after the client was built is used */
  env: NodeJS.ProcessEnv;
  /** USD per million tokens, overriding the bundled table */
  price?: Price;
  /**
   * The SDK's own timeout (default 1 hour). assay's call policy enforces the real per-attempt
   * timeout through the AbortSignal each call receives; this is only a backstop.
   */
  sdkTimeoutMs?: number;
  /** monotonic clock in ms, for latency and time to first token (default performance.now) */
  now?: () => number;
}

export const DEFAULT_SDK_TIMEOUT_MS = 60 * 60 * 1000;

/** Reads the API key from the environment at call time; a missing key names the variable, never a value. */
export function readApiKey(provider: string, env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new TargetFailure(
      "client-error",
      `${provider}: no API key: the environment variable ${name} is not set`,
    );
  }
  return value;
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#]+@/gi;

/**
 * A message safe to record: the key itself, credentials inside URLs, and the values of
 * secret-looking variables (of the runtime's environment and the process's) removed.
 */
export function scrubSecrets(
  message: string,
  env: NodeJS.ProcessEnv,
  secrets: Array<string | undefined>,
): string {
  let out = message;
  for (const s of secrets) {
    if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  // Scrubbed whole against both environments, then cut once: a cut before the second scrub
  // could leave a prefix of a process-environment secret that no scrub recognises.
  if (env !== process.env) out = scrubMessage(out, env, Number.POSITIVE_INFINITY);
  return scrubMessage(out, process.env);
}

/** A base URL fit to record: userinfo (user and password) and secret query parameters redacted. */
export function redactBaseUrl(url: string): string {
  return redactUrl(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, `$1${REDACTED}@`));
}

/** True when the URL carries userinfo (`user:pass@`), which fetch refuses to send. */
export function hasUrlCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@?#]*@/i.test(url);
}

/** The same failure with its message scrubbed (no cause is kept: an SDK error can carry the server's echo of the key). */
export function scrubFailure(
  f: TargetFailure,
  env: NodeJS.ProcessEnv,
  secrets: Array<string | undefined>,
): TargetFailure {
  const message = scrubSecrets(f.message, env, secrets);
  if (message === f.message && f.cause === undefined) return f;
  return new TargetFailure(f.errorClass, message, {
    status: f.status,
    retryAfterMs: f.retryAfterMs,
    ...(f.headers ? { headers: f.headers } : {}),
  });
}

/** A response's headers as entries, from WHATWG Headers or a plain record (SDK versions differ). */
export function headerEntriesOf(headers: object): Iterable<readonly [string, string | string[] | undefined]> {
  const h = headers as { entries?: () => Iterable<[string, string]> };
  if (typeof h.entries === "function") return h.entries();
  return Object.entries(headers as Record<string, string | undefined>);
}

/**
 * Milliseconds to wait from `retry-after-ms` (milliseconds, OpenAI) or `retry-after` (seconds or
 * an HTTP date). Undefined when neither is present or parses.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined | null,
  nowMs: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const v = Number(ms.trim());
    if (Number.isFinite(v) && v >= 0) return Math.round(v);
  }
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  const seconds = Number(ra.trim());
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The class of an HTTP error status (and the provider's error type, when there is one). */
export function classOfStatus(status: number, apiType?: string | null): ErrorClass {
  if (status === 429 || status === 529 || apiType === "overloaded_error") return "rate-limited";
  if (status === 408) return "timeout";
  // 409: a lock timeout or conflict on the provider's side; the SDKs retry it, so do we.
  if (status === 409) return "server-error";
  if (status >= 500) return "server-error";
  return "client-error";
}

/** The class of an error reported inside a stream (no HTTP status), from the provider's error type. */
export function classOfStreamError(apiType: string | null | undefined): {
  errorClass: ErrorClass;
  status?: number;
} {
  switch (apiType) {
    case "overloaded_error":
      return { errorClass: "rate-limited", status: 529 };
    case "rate_limit_error":
    case "rate_limit_exceeded":
    case "requests":
    case "tokens":
      return { errorClass: "rate-limited", status: 429 };
    case "timeout_error":
      return { errorClass: "timeout" };
    case "invalid_request_error":
    case "authentication_error":
    case "permission_error":
    case "not_found_error":
    case "request_too_large":
      return { errorClass: "client-error" };
    default:
      return { errorClass: "server-error" };
  }
}

/** The failure for a call whose signal fired: the policy's reason (timeout / cancelled), else a timeout. */
export function abortedFailure(signal: AbortSignal, provider: string): TargetFailure {
  return abortFailure(signal, `${provider} request`);
}

/** Tool-call arguments as JSON when they parse (never evaluated), else the raw string. Empty → {}. */
export function parseToolArguments(raw: string): unknown {
  if (raw.trim() === "") return {};
  try {
    return safeJsonParse(raw);
  } catch {
    return raw;
  }
}

/** A rough token count before the call (characters / 4), for the limiter's tokens-per-minute budget. */
export function estimateTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    chars += m.content?.length ?? 0;
    for (const tc of m.toolCalls ?? []) {
      chars +=
        tc.name.length + (typeof tc.arguments === "string" ? tc.arguments.length : jsonLength(tc.arguments));
    }
  }
  for (const t of request.tools ?? [])
    chars += t.name.length + (t.description?.length ?? 0) + jsonLength(t.parameters);
  if (request.responseFormat?.type === "json_schema") chars += jsonLength(request.responseFormat.schema);
  return Math.max(1, Math.ceil(chars / 4));
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** A finite, non-negative integer from a usage field, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The text inside a Markdown code fence, when the whole answer is one (```json … ```). */
export function unwrapCodeFence(text: string): string {
  const m = /^\s*```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(text);
  return m ? m[1] : text;
}

/** Errors from reading a body (a socket closed mid-stream) and anything unforeseen. */
export function networkFailure(err: unknown, provider: string): TargetFailure {
  const text = err instanceof Error ? causeText(err) : String(err);
  const name = err instanceof Error ? err.name : "";
  if (name === "AbortError" || name === "TimeoutError")
    return new TargetFailure("timeout", `${provider}: ${text}`);
  if (
    /terminated|other side closed|socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|fetch failed|UND_ERR/i.test(
      text,
    )
  ) {
    return new TargetFailure("connection", `${provider}: the connection failed: ${text}`);
  }
  return new TargetFailure("target-crash", `${provider}: ${text}`);
}

export function causeText(err: Error): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    const part =
      typeof code === "string" && !cur.message.includes(code) ? `${cur.message} (${code})` : cur.message;
    if (part && !parts.includes(part)) parts.push(part);
    cur = cur.cause;
  }
  return parts.join(": ");
}

/** What identifies a provider client in lineage: provider, model and base URL (credentials redacted). */
export function describeProvider(provider: string, model: string, baseUrl?: string): Record<string, unknown> {
  const d: Record<string, unknown> = { provider, model };
  if (baseUrl) d.baseUrl = redactBaseUrl(baseUrl);
  return d;
}
