import { abortFailure, errorMessage } from "../../faults/abort.ts";
import { classifyError } from "../../faults/classify.ts";
import { pickRateLimitHeaders } from "../../faults/rate-limit-headers.ts";
import {
  cutText,
  envRefs,
  looksSecret,
  redactRecord,
  redactUrl,
  registerSecretEnv,
  resolveEnv,
  scrubEnvValues,
  scrubMessage,
} from "../../faults/secrets.ts";
import { selectConfidence } from "../confidence.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  decodeLeniently,
  decodeResponse,
  isResponseEncoding,
  type ResponseEncoding,
} from "../encoding.ts";
import { TargetConfigError } from "../errors.ts";
import { casePayload } from "../shared.ts";
import { type Target, type TargetCallContext, TargetFailure, type TargetResponse } from "../types.ts";
import { type JsonPathError, type PathSegment, parseJsonPath, selectJsonPath } from "./jsonpath.ts";
import { type BodyRenderer, compileBody, safeLiquid, TemplateError } from "./template.ts";
import { FOLLOW_REDIRECTS, type FollowRedirects, type HttpResponse, HttpTransport } from "./transport.ts";

export { parseJsonPath, selectJsonPath } from "./jsonpath.ts";
export { FOLLOW_REDIRECTS, type FollowRedirects } from "./transport.ts";

export interface HttpTargetOptions {
  id: string;
  /** may reference environment variables as `${NAME}` (resolved per call, never recorded) */
  url: string;
  method?: string;
  /** values may reference environment variables as `${NAME}` (`Bearer ${API_TOKEN}`) */
  headers?: Record<string, string>;
  /**
   * JSON whose string leaves are Liquid templates over `{ input, case: {id, tags, input, cluster},
   * epoch, env }`. Default: the case payload `{id, input, tags, epoch}` (never `expected`).
   */
  body?: unknown;
  /** JSONPath (`$.result`, `$.choices[0].text`) of the output in a JSON response; default: the body text */
  output?: string;
  /** JSONPath of the confidence (a number in [0, 1]) in the JSON response body */
  confidence?: string;
  /** redirects: `none`, `same-origin` (default) or `cross-origin` (followed without credentials) */
  followRedirects?: FollowRedirects;
  /** a longer body is the error `response-too-large` (default 16 MiB) */
  maxResponseBytes?: number;
  /** how the body's bytes become the output: `utf-8` (default, strict), `latin1`, `binary-base64` */
  encoding?: ResponseEncoding;
  baseDir: string;
}

const BODYLESS = new Set(["GET", "HEAD"]);
const SNIPPET = 300;
/** `env.NAME`, `env["NAME"]` or `env['NAME']` in a body template. */
const BODY_ENV_REF = /\benv\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*["']([^"']+)["']\s*\])/g;

/** An HTTP service called once per case (node:http, keep-alive; see transport.ts). */
export function createHttpTarget(opts: HttpTargetOptions): Target {
  const { id } = opts;
  const fail = (message: string, field: string): never => {
    throw new TargetConfigError(`http target "${id}": ${message}`, { targetId: id, field });
  };
  if (typeof opts.url !== "string" || opts.url === "") fail("needs a url", "http.url");
  const method = (opts.method ?? "POST").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) fail(`invalid method ${JSON.stringify(opts.method)}`, "http.method");
  const headers = { ...(opts.headers ?? {}) };
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") fail(`header ${name} must be a string`, `http.headers.${name}`);
  }
  const url = opts.url;
  if (!/^https?:\/\//i.test(url))
    fail(`url must start with http:// or https:// (got ${redactUrl(url)})`, "http.url");

  const followRedirects = opts.followRedirects ?? "same-origin";
  if (!FOLLOW_REDIRECTS.includes(followRedirects)) {
    fail(`followRedirects must be one of ${FOLLOW_REDIRECTS.join(", ")}`, "followRedirects");
  }
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    fail("maxResponseBytes must be a positive whole number of bytes", "maxResponseBytes");
  }
  if (!isResponseEncoding(opts.encoding)) fail("encoding must be utf-8, latin1 or binary-base64", "encoding");
  const encoding = opts.encoding ?? "utf-8";
  if (encoding === "binary-base64" && opts.output !== undefined) {
    fail(
      "encoding binary-base64 makes the output the body's base64; it cannot be read with output",
      "output",
    );
  }

  let selector: PathSegment[] | undefined;
  if (opts.output !== undefined) {
    try {
      selector = parseJsonPath(opts.output);
    } catch (err) {
      fail((err as JsonPathError).message, "http.output");
    }
  }
  let confidenceSelector: PathSegment[] | undefined;
  if (opts.confidence !== undefined) {
    try {
      confidenceSelector = parseJsonPath(opts.confidence);
    } catch (err) {
      fail((err as JsonPathError).message, "confidence");
    }
  }

  const liquid = safeLiquid(opts.baseDir);
  let renderBody: BodyRenderer | undefined;
  if (opts.body !== undefined) {
    if (BODYLESS.has(method)) fail(`a ${method} request has no body`, "http.body");
    try {
      renderBody = compileBody(liquid, opts.body, "http.body");
    } catch (err) {
      if (err instanceof TemplateError) fail(err.message, err.field);
      throw err;
    }
  }
  const sendsBody = !BODYLESS.has(method);
  // Copying process.env costs; only templates that mention it get it.
  const bodyUsesEnv = opts.body !== undefined && /\benv\b/.test(JSON.stringify(opts.body));
  const hasContentType = Object.keys(headers).some((h) => h.toLowerCase() === "content-type");

  const headerRefs = Object.values(headers).flatMap(envRefs);
  const urlRefs = envRefs(url);
  // Only body variables that look secret: a model name read from the environment and echoed in
  // the answer must stay in the output.
  const bodyRefs = opts.body === undefined ? [] : bodyEnvRefs(opts.body).filter(looksSecret);
  // What this target sends, and so what its server can echo back in an output.
  const echoable = [...new Set([...urlRefs, ...headerRefs, ...bodyRefs])];
  registerSecretEnv(echoable);
  // Never sent to another origin, besides Authorization, Cookie and Proxy-Authorization (the
  // transport drops those always): headers that read the environment, and headers whose names
  // look secret (`X-Api-Key: literal-key`).
  const credentialHeaders = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (envRefs(value).length > 0 || looksSecret(name)) credentialHeaders.add(name.toLowerCase());
  }
  const transport = new HttpTransport();
  const resolveAll = (): { url: string; headers: Record<string, string> } => {
    const missing = (field: string) => (name: string) =>
      fail(`${field} references the environment variable ${name}, which is not set`, `http.${field}`);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      out[name] = resolveEnv(value, process.env, missing(`headers.${name}`));
    }
    if (sendsBody && !hasContentType) out["content-type"] = "application/json";
    return { url: resolveEnv(url, process.env, missing("url")), headers: out };
  };
  // With no `${NAME}` in the url or headers, every call resolves to the same request: resolved
  // once, not once per call. (Callers only read it; the transport copies the headers it sends.)
  const fixedRequest = urlRefs.length === 0 && headerRefs.length === 0 ? resolveAll() : undefined;

  const description: Record<string, unknown> = { url: redactUrl(url), method };
  if (Object.keys(headers).length > 0) description.headers = redactRecord(headers);
  if (opts.body !== undefined) description.body = opts.body;
  if (opts.output !== undefined) description.output = opts.output;
  if (opts.followRedirects !== undefined) description.followRedirects = followRedirects;
  if (opts.maxResponseBytes !== undefined) description.maxResponseBytes = maxResponseBytes;
  if (opts.encoding !== undefined) description.encoding = encoding;

  return {
    id,
    kind: "http",
    describe: () => structuredClone(description),
    async prepare() {
      resolveAll();
    },
    async call(ctx: TargetCallContext): Promise<TargetResponse> {
      const what = `http target "${id}"`;
      const { signal } = ctx;
      if (signal.aborted) throw abortFailure(signal, what);
      const request = fixedRequest ?? resolveAll();
      let body: string | undefined;
      if (sendsBody) {
        const c = ctx.case;
        let payload: unknown;
        if (renderBody) {
          const scopeCase: Record<string, unknown> = { id: c.id, tags: c.tags, input: c.input };
          if (c.cluster !== undefined) scopeCase.cluster = c.cluster;
          try {
            const scope: Record<string, unknown> = { input: c.input, case: scopeCase, epoch: ctx.epoch };
            if (bodyUsesEnv) scope.env = { ...process.env };
            payload = renderBody(scope);
          } catch (err) {
            throw new TargetFailure(
              "target-crash",
              `${what}: cannot render the request body: ${errorMessage(err)}`,
            );
          }
        } else {
          payload = casePayload(c, ctx.epoch);
        }
        body = JSON.stringify(payload);
      }

      let res: HttpResponse;
      try {
        res = await transport.send({
          url: request.url,
          method,
          headers: request.headers,
          body,
          signal,
          followRedirects,
          maxResponseBytes,
          credentialHeaders,
          bodyHasSecrets: bodyUsesEnv,
        });
      } catch (err) {
        if (signal.aborted) throw abortFailure(signal, what);
        const e = classifyError(err);
        throw new TargetFailure(e.class, `${what}: ${e.message}`, { status: e.status, cause: err });
      }
      const response = interpret(res, { selector, selectorText: opts.output, encoding, echoable }, what);
      // The confidence is read from the whole response body, beside the output (not inside it).
      if (confidenceSelector === undefined) return response;
      const confidence = selectConfidence(decodeLeniently(res.body), confidenceSelector);
      return confidence === undefined ? response : { ...response, confidence };
    },
    async close(): Promise<void> {
      transport.close();
    },
  } satisfies Target & { prepare(): Promise<void> };
}

interface Reading {
  selector: PathSegment[] | undefined;
  selectorText: string | undefined;
  encoding: ResponseEncoding;
  /** variables whose values are scrubbed from the output */
  echoable: readonly string[];
}

function interpret(res: HttpResponse, reading: Reading, what: string): TargetResponse {
  const headers = res.headerEntries ? pickRateLimitHeaders(res.headerEntries()) : undefined;
  const response = interpretBody(res, reading, what, headers);
  return headers ? { ...response, headers } : response;
}

function interpretBody(
  res: HttpResponse,
  reading: Reading,
  what: string,
  headers: Record<string, string> | undefined,
): TargetResponse {
  const { status } = res;
  if (status < 200 || status > 299) {
    const detail = `${what}: HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""}${snippet(decodeLeniently(res.body))}`;
    if (status === 429) {
      const retryAfterMs =
        parseRetryAfter(res.header("retry-after-ms"), true) ?? parseRetryAfter(res.header("retry-after"));
      throw new TargetFailure("rate-limited", detail, { status, retryAfterMs, headers });
    }
    if (status === 408) throw new TargetFailure("timeout", detail, { status, headers });
    if (status >= 500) throw new TargetFailure("server-error", detail, { status, headers });
    throw new TargetFailure("client-error", detail, { status, headers });
  }
  const decoded = decodeResponse(res.body, reading.encoding, what);
  // A server that echoes the credential it was sent must not get it stored as the output.
  const text = reading.encoding === "binary-base64" ? decoded : scrubEnvValues(decoded, reading.echoable);
  if (text.trim() === "")
    throw new TargetFailure("empty-response", `${what}: HTTP ${status} with an empty body`, { status });
  const { selector, selectorText } = reading;
  if (!selector) return { output: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TargetFailure(
      "malformed-response",
      `${what}: the response is not JSON (${jsonErrorOf(text)})${snippet(text)}`,
      { status },
    );
  }
  const value = selectJsonPath(parsed, selector);
  if (value === undefined) {
    throw new TargetFailure(
      "malformed-response",
      `${what}: ${selectorText} found nothing in the response${snippet(text)}`,
      { status },
    );
  }
  return { output: value };
}

/** A short, single-line excerpt of a body for an error message: scrubbed whole, then cut. */
function snippet(text: string): string {
  const t = scrubMessage(text, process.env, Number.POSITIVE_INFINITY).trim().replace(/\s+/g, " ");
  return t === "" ? "" : `: ${cutText(t, SNIPPET)}`;
}

/**
 * The parser's complaint, from the text scrubbed whole: V8 quotes (and cuts) the input in its
 * message, which must not carry a secret's prefix.
 */
function jsonErrorOf(text: string): string {
  try {
    JSON.parse(scrubMessage(text, process.env, Number.POSITIVE_INFINITY));
    return "unreadable JSON";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Environment variables the body's templates read (`{{ env.API_KEY }}`). */
function bodyEnvRefs(body: unknown): string[] {
  if (typeof body === "string") return [...body.matchAll(BODY_ENV_REF)].map((m) => m[1] ?? m[2]);
  if (body !== null && typeof body === "object") return Object.values(body).flatMap(bodyEnvRefs);
  return [];
}

/**
 * Milliseconds to wait from a Retry-After value: delta-seconds (`120`, or `1.5`) or an HTTP date.
 * `millis` reads the value as milliseconds (the `retry-after-ms` header). Undefined when absent or
 * unreadable; never negative.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  millis = false,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * (millis ? 1 : 1000));
  if (millis) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
