import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import type * as Https from "node:https";
import { createRequire } from "node:module";
import { urlToHttpOptions } from "node:url";
import { TargetFailure } from "../../core/output.ts";
import { whenAborted } from "../../faults/abort.ts";

/**
 * HTTP on node:http with keep-alive agents, not fetch: undici's fetch builds WHATWG Request,
 * Response and stream objects per call, which at thousands of calls a second costs more CPU than
 * the harness itself may spend (DESIGN.md §5 Performance). Redirects are followed here, by the
 * target's policy, and bodies are read into a bounded buffer.
 */
export interface HttpResponse {
  status: number;
  statusText: string;
  header(name: string): string | undefined;
  /** every response header as [lower-case name, value] (for picking the rate-limit ones) */
  headerEntries?(): Iterable<readonly [string, string | string[] | undefined]>;
  /** the raw body; decoding is the caller's (the target's `encoding`) */
  body: Buffer;
}

/**
 * `none`: a redirect is an error; `same-origin` (default): followed only within the scheme, host
 * and port of the request; `cross-origin`: followed anywhere, without the credential headers.
 */
export const FOLLOW_REDIRECTS = ["none", "same-origin", "cross-origin"] as const;
export type FollowRedirects = (typeof FOLLOW_REDIRECTS)[number];

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  followRedirects: FollowRedirects;
  maxResponseBytes: number;
  /** lower-case names of the headers that carry credentials: never sent to another origin */
  credentialHeaders: ReadonlySet<string>;
  /** the body holds secrets (rendered from the environment): it never goes to another origin either */
  bodyHasSecrets?: boolean;
}

export const MAX_REDIRECTS = 5;
/** How much of an error response's body is read (for the excerpt in the error message). */
const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Sent to no other origin, whatever the suite says. */
const ALWAYS_CREDENTIALS = ["authorization", "cookie", "proxy-authorization", "host"];
/** Describe the body; dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language"];

/**
 * node:https, loaded on the first https URL: it brings TLS, some 10 ms of a run's start-up before
 * its first call, which a target on plain HTTP never needs.
 */
let httpsModule: typeof Https | undefined;
function https(): typeof Https {
  httpsModule ??= createRequire(import.meta.url)("node:https") as typeof Https;
  return httpsModule;
}

export class HttpTransport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private httpsAgent?: Https.Agent;
  /** The last url sent to, parsed: a target sends every call to the same one. */
  private lastUrl?: { text: string; url: URL; options: RequestOptions };

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = this.parse(req.url);
    let { method, body, headers } = req;
    let stripped = false;
    for (let hop = 0; ; hop++) {
      const res = await this.open(url, method, headers, body, req.signal);
      const location = res.headers.location;
      const status = res.statusCode ?? 0;
      if (!REDIRECT_STATUSES.has(status) || location === undefined) {
        // An error's body only feeds a short excerpt: its head is enough, and a large error page
        // stays the server error it is rather than becoming response-too-large.
        const ok = status >= 200 && status <= 299;
        const body = ok
          ? await readBody(res, req.maxResponseBytes)
          : await readBody(res, Math.min(req.maxResponseBytes, ERROR_BODY_BYTES), "keep-head");
        return respond(res, body);
      }
      // A redirect's own body is never read: it is not the answer, and may be of any size.
      res.destroy();
      const next = redirectTarget(location, url, status);
      if (req.followRedirects === "none") {
        throw new TargetFailure(
          "client-error",
          `HTTP ${status} redirect to ${next.origin} not followed (followRedirects: none)`,
          { status },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new TargetFailure(
          "client-error",
          `too many redirects (more than ${MAX_REDIRECTS}; the last was HTTP ${status} to ${next.origin})`,
          { status },
        );
      }
      if (next.origin !== url.origin) {
        if (req.followRedirects !== "cross-origin") {
          throw new TargetFailure(
            "client-error",
            `HTTP ${status} redirect from ${url.origin} to another origin, ${next.origin}, refused ` +
              "(followRedirects: same-origin; cross-origin follows it without credentials)",
            { status },
          );
        }
        if (!stripped) {
          headers = withoutHeaders(headers, [...ALWAYS_CREDENTIALS, ...req.credentialHeaders]);
          stripped = true;
        }
      }
      if (status === 301 || status === 302 || status === 303) {
        // What browsers do: the next request is a GET without the body.
        if (method !== "HEAD") method = "GET";
        body = undefined;
        headers = withoutHeaders(headers, BODY_HEADERS);
      } else if (body !== undefined && stripped && req.bodyHasSecrets) {
        throw new TargetFailure(
          "client-error",
          `HTTP ${status} redirect to another origin, ${next.origin}, refused: ` +
            "it would re-send a body rendered from environment variables",
          { status },
        );
      }
      url = next;
    }
  }

  /** `new URL(text)`, kept for the next call to the same url (never modified: redirects make new ones). */
  private parse(text: string): URL {
    if (this.lastUrl?.text !== text) {
      const url = new URL(text);
      this.lastUrl = { text, url, options: urlToHttpOptions(url) };
    }
    return this.lastUrl.url;
  }

  /**
   * What node:http makes of a URL passed to request(): the same options, from the cache when the
   * URL is the one parsed last (a redirect's is converted anew).
   */
  private optionsOf(url: URL): RequestOptions {
    return this.lastUrl?.url === url ? this.lastUrl.options : urlToHttpOptions(url);
  }

  private secureAgent(): Https.Agent {
    this.httpsAgent ??= new (https().Agent)({ keepAlive: true, maxSockets: 256 });
    return this.httpsAgent;
  }

  /** Sends one request; resolves with the response once its headers have arrived. */
  private open(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const secure = url.protocol === "https:";
    const send = secure ? https().request : httpRequest;
    const agent = secure ? this.secureAgent() : this.http;
    const allHeaders: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      if (!Object.keys(allHeaders).some((h) => h.toLowerCase() === "content-type")) {
        allHeaders["content-type"] = "application/json";
      }
      allHeaders["content-length"] = Buffer.byteLength(body);
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError());
        return;
      }
      const req: ClientRequest = send({
        ...this.optionsOf(url),
        method,
        headers: allHeaders,
        agent,
      });
      // The signal is watched here, not handed to node:http (which adds and removes an
      // EventTarget listener per request): an abort destroys the request, and the response
      // with it if it has begun, until the exchange is over.
      const stop = whenAborted(signal, () => req.destroy(abortError()));
      req.once("close", stop);
      // After the response has arrived, errors reach the body reader; rejecting again is a no-op.
      req.on("error", reject);
      req.on("response", resolve);
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.httpsAgent?.destroy();
  }
}

/** What node:http rejects an aborted request with (the caller classifies by the signal's reason). */
function abortError(): Error {
  return Object.assign(new Error("The operation was aborted"), { name: "AbortError", code: "ABORT_ERR" });
}

function respond(res: IncomingMessage, body: Buffer): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? "",
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(", ") : v;
    },
    headerEntries: () => Object.entries(res.headers),
    body,
  };
}

function redirectTarget(location: string, from: URL, status: number): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new TargetFailure("client-error", `HTTP ${status} redirect to an invalid Location`, { status });
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new TargetFailure("client-error", `HTTP ${status} redirect to a ${next.protocol} URL refused`, {
      status,
    });
  }
  return next;
}

function withoutHeaders(headers: Record<string, string>, names: Iterable<string>): Record<string, string> {
  const drop = new Set([...names].map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!drop.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function tooLarge(limit: number, why: string): TargetFailure {
  return new TargetFailure(
    "response-too-large",
    `the response is larger than maxResponseBytes (${limit} bytes): ${why}`,
  );
}

/**
 * The body, read into a buffer that never grows past `limit`: a declared Content-Length over it
 * fails before a byte is read, and a body without one fails as soon as the count passes it. Either
 * way the connection is destroyed, so the server stops sending and the memory is never held.
 * With `keep-head`, a longer body is no error: its first `limit` bytes are the body.
 */
export function readBody(
  res: IncomingMessage,
  limit: number,
  whenLonger: "fail" | "keep-head" = "fail",
): Promise<Buffer> {
  const declared = Number(res.headers["content-length"]);
  const known =
    res.headers["content-length"] !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit && whenLonger === "fail") {
    res.destroy();
    return Promise.reject(tooLarge(limit, `its Content-Length is ${declared}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    // With a declared length the body goes straight into one buffer of that size, not a list
    // of chunks copied once more at the end.
    const whole = known && declared <= limit ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) {
        chunks.length = 0;
        res.destroy();
        reject(err);
      } else {
        resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
      }
    };
    const hangUp = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    res.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > limit) {
        if (whenLonger === "fail") {
          finish(tooLarge(limit, "it was cut off as it streamed in"));
          return;
        }
        chunks.push(chunk.subarray(0, limit - size));
        size = limit;
        finish();
        res.destroy();
        return;
      }
      // (node's parser never delivers more than the declared length)
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    res.on("error", (err) => finish(err));
    res.on("aborted", () => finish(hangUp()));
    res.on("end", () => finish(res.complete ? undefined : hangUp()));
  });
}
