import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";

/**
 * The web app's guards (DESIGN.md §5 Security): it listens on loopback unless told otherwise, and
 * then only with a token; every response forbids inline script, framing and MIME sniffing.
 */

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const TOKEN_COOKIE = "assay_token";

/** Tokens shorter than this are refused: a guessable token guards nothing. */
export const MIN_TOKEN_LENGTH = 8;

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

export class ServeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServeConfigError";
  }
}

/** A non-loopback host must come with a token; a token must be worth having. */
export function checkBinding(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ServeConfigError(`the token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (!isLoopbackHost(host) && !token) {
    throw new ServeConfigError(
      `refusing to listen on ${host} without a token: anyone who can reach it could read every stored output. ` +
        "Pass --token <secret> (or set ASSAY_TOKEN), or keep the default host 127.0.0.1",
    );
  }
}

/**
 * The token in a token file (`--token-file`): its content without the trailing newline an editor or
 * `openssl rand -hex 32 > F` leaves (and any other surrounding whitespace, which a Bearer header
 * could not carry anyway). Missing, unreadable, empty or too short is a ServeConfigError
 * naming the flag and the file, never the content.
 */
export function readTokenFile(file: string, flag = "--token-file"): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ServeConfigError(`${flag} ${file}: cannot read the token file (${code})`);
  }
  const token = text.trim();
  if (token === "") throw new ServeConfigError(`${flag} ${file}: the token file is empty`);
  if (/[\r\n]/.test(token)) {
    throw new ServeConfigError(`${flag} ${file}: the token file must hold one line (the token)`);
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ServeConfigError(
      `${flag} ${file}: the token must be at least ${MIN_TOKEN_LENGTH} characters (try \`openssl rand -hex 32 > ${file}\`)`,
    );
  }
  return token;
}

/** The token of an `Authorization: Bearer …` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compares in constant time (over fixed-length digests, so the length leaks nothing either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The cookie holds a value derived from the token, not the token itself. */
export function cookieValue(token: string): string {
  return createHmac("sha256", token).update("assay view session").digest("base64url");
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Security headers on every response, including errors and 401s. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
  };
}

function deny(path: string, status: 401 | 403 | 415, message: string): Response {
  const headers: Record<string, string> = {};
  if (status === 401) headers["WWW-Authenticate"] = 'Bearer realm="assay"';
  if (path.startsWith("/api/")) {
    return Response.json({ error: message }, { status, headers });
  }
  return new Response(`${message}\n`, {
    status,
    headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
  });
}

/**
 * Only an `Authorization: Bearer` header will do: for writes from machines (a pushed run), where a
 * browser's session cookie has no business. 401 otherwise.
 */
export function requireBearer(token: string): MiddlewareHandler {
  return async (c, next) => {
    const bearer = bearerToken(c.req.header("authorization"));
    if (bearer !== undefined && sameSecret(bearer, token)) return next();
    return deny(
      new URL(c.req.url).pathname,
      401,
      "unauthorized: send the server's token as Authorization: Bearer …",
    );
  };
}

/**
 * Who may ask. Without a token (loopback only) the Host header must name a loopback address, so a
 * web page cannot reach the API through DNS rebinding. With a token, every request carries it: an
 * `Authorization: Bearer` header, the session cookie, or a `?token=` query once, which sets the
 * HttpOnly SameSite=Strict cookie (and, for a page, redirects to the same address without it).
 * Writes must be JSON from the same origin, which a cross-site form or simple request cannot send.
 */
export function guard(token: string | undefined): MiddlewareHandler {
  const session = token ? cookieValue(token) : undefined;
  return async (c, next) => {
    const url = new URL(c.req.url);
    const path = url.pathname;
    const host = c.req.header("host") || url.host;
    if (!token) {
      const hostname = host.replace(/:\d+$/, "");
      if (!isLoopbackHost(hostname)) return deny(path, 403, `host "${host}" is not a loopback address`);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== `${url.protocol}//${host}`) {
        return deny(path, 403, "cross-origin request refused");
      }
      // JSON Lines (a pushed run) is as safe as JSON here: neither is a type a cross-site form or
      // simple request may send, so both need a CORS preflight this server never grants.
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/(json|x-ndjson)\b/i.test(type)) {
        // an OpenTelemetry exporter on its default protocol sends protobuf: say how to switch
        const hint = path.startsWith("/v1/")
          ? "; OTLP exporters: set the protocol to http/json (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)"
          : "";
        return deny(path, 415, `send JSON (Content-Type: application/json)${hint}`);
      }
    }
    if (!token || !session) return next();

    const bearer = bearerToken(c.req.header("authorization"));
    if (bearer !== undefined && sameSecret(bearer, token)) return next();
    const cookie = readCookie(c.req.header("cookie"), TOKEN_COOKIE);
    if (cookie !== undefined && sameSecret(cookie, session)) return next();
    const query = url.searchParams.get("token");
    if (query !== null && sameSecret(query, token)) {
      const setCookie = `${TOKEN_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`;
      if (c.req.method === "GET" && !path.startsWith("/api/")) {
        url.searchParams.delete("token");
        const location = `${url.pathname}${url.search}${url.hash}`;
        return new Response(null, { status: 303, headers: { Location: location, "Set-Cookie": setCookie } });
      }
      await next();
      c.res.headers.append("Set-Cookie", setCookie);
      return;
    }
    return deny(path, 401, "unauthorized: this server needs its token (Authorization: Bearer …)");
  };
}
