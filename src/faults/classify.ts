import type { ErrorClass, TargetError } from "../core/output.ts";
import { asTargetFailure, errorMessage } from "./abort.ts";
import { scrubMessage } from "./secrets.ts";

const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ABORT_ERR",
]);
const CONNECTION_MESSAGE =
  /fetch failed|socket hang up|other side closed|^terminated$|ECONNRESET|ECONNREFUSED|EPIPE/i;

/**
 * Classifies anything a target threw. A TargetFailure keeps its class; otherwise: an abort or
 * timeout → `timeout`; a reset, refused or closed connection (`fetch failed`) → `connection`;
 * a SyntaxError (a body that does not parse) → `malformed-response`; anything else → `target-crash`.
 * The message is the error's own text (and its cause's), scrubbed of secret environment values.
 */
export function classifyError(err: unknown): TargetError {
  const failure = asTargetFailure(err);
  if (failure) {
    const out: TargetError = { class: failure.errorClass, message: scrubMessage(failure.message) };
    if (failure.status !== undefined) out.status = failure.status;
    return out;
  }
  const chain = causeChain(err);
  const message = scrubMessage(chainMessage(chain));
  return { class: classOf(chain), message };
}

function classOf(chain: unknown[]): ErrorClass {
  for (const e of chain) {
    const name = (e as { name?: unknown })?.name;
    if (name === "AbortError" || name === "TimeoutError") return "timeout";
  }
  for (const e of chain) {
    const code = (e as { code?: unknown })?.code;
    if (typeof code === "string" && TIMEOUT_CODES.has(code)) return "timeout";
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return "connection";
  }
  if (chain[0] instanceof SyntaxError) return "malformed-response";
  for (const e of chain) {
    if (e instanceof Error && CONNECTION_MESSAGE.test(e.message)) return "connection";
  }
  return "target-crash";
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && chain.length < 6 && !chain.includes(cur)) {
    chain.push(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return chain;
}

function chainMessage(chain: unknown[]): string {
  const parts: string[] = [];
  for (const e of chain) {
    const m = errorMessage(e);
    const code = (e as { code?: unknown })?.code;
    const part = typeof code === "string" && !m.includes(code) ? `${m} (${code})` : m;
    if (part && !parts.some((p) => p.includes(part))) parts.push(part);
  }
  return parts.join(": ") || "unknown error";
}
