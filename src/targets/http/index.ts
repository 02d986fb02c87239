import { abortFailure, errorMessage } from "../../faults/abort.ts";
import { classifyError } from "../../faults/classify.ts";
import { envRefs, redactRecord, redactUrl, registerSecretEnv, resolveEnv } from "../../faults/secrets.ts";
import { TargetConfigError } from "../errors.ts";
import { casePayload } from "../shared.ts";
import { type Target, type TargetCallContext, TargetFailure, type TargetResponse } from "../types.ts";
import { type JsonPathError, type PathSegment, parseJsonPath, selectJsonPath } from "./jsonpath.ts";
import { type BodyRenderer, compileBody, createLiquid, TemplateError } from "./template.ts";
import { type HttpResponse, HttpTransport } from "./transport.ts";

export { parseJsonPath, selectJsonPath } from "./jsonpath.ts";

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
  baseDir: string;
}

const BODYLESS = new Set(["GET", "HEAD"]);
const SNIPPET = 300;

/** An HTTP service called once per case with the global fetch. */
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

  let selector: PathSegment[] | undefined;
  if (opts.output !== undefined) {
    try {
      selector = parseJsonPath(opts.output);
    } catch (err) {
      fail((err as JsonPathError).message, "http.output");
    }
  }

  const liquid = createLiquid(opts.baseDir);
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

  registerSecretEnv([...envRefs(url), ...Object.values(headers).flatMap(envRefs)]);
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

  const description: Record<string, unknown> = { url: redactUrl(url), method };
  if (Object.keys(headers).length > 0) description.headers = redactRecord(headers);
  if (opts.body !== undefined) description.body = opts.body;
  if (opts.output !== undefined) description.output = opts.output;

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
      const request = resolveAll();
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
        res = await transport.send({ url: request.url, method, headers: request.headers, body, signal });
      } catch (err) {
        if (signal.aborted) throw abortFailure(signal, what);
        const e = classifyError(err);
        throw new TargetFailure(e.class, `${what}: ${e.message}`, { cause: err });
      }
      return interpret(res, selector, opts.output, what);
    },
    async close(): Promise<void> {
      transport.close();
    },
  } satisfies Target & { prepare(): Promise<void> };
}

function interpret(
  res: HttpResponse,
  selector: PathSegment[] | undefined,
  selectorText: string | undefined,
  what: string,
): TargetResponse {
  const { status, text } = res;
  if (status < 200 || status > 299) {
    const detail = `${what}: HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""}${snippet(text)}`;
    if (status === 429) {
      const retryAfterMs =
        parseRetryAfter(res.header("retry-after-ms"), true) ?? parseRetryAfter(res.header("retry-after"));
      throw new TargetFailure("rate-limited", detail, { status, retryAfterMs });
    }
    if (status === 408) throw new TargetFailure("timeout", detail, { status });
    if (status >= 500) throw new TargetFailure("server-error", detail, { status });
    throw new TargetFailure("client-error", detail, { status });
  }
  if (text.trim() === "")
    throw new TargetFailure("empty-response", `${what}: HTTP ${status} with an empty body`, { status });
  if (!selector) return { output: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TargetFailure(
      "malformed-response",
      `${what}: the response is not JSON (${(err as Error).message})${snippet(text)}`,
      { status },
    );
  }
  const value = selectJsonPath(parsed, selector);
  if (value === undefined) {
    throw new TargetFailure(
      "malformed-response",
      `${what}: ${selectorText} found nothing in the response${snippet(text)}`,
      {
        status,
      },
    );
  }
  return { output: value };
}

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, " ");
  if (t === "") return "";
  return `: ${t.length > SNIPPET ? `${t.slice(0, SNIPPET)}…` : t}`;
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
