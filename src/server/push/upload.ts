import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip } from "node:zlib";
import { baselineLines, collectBaseline } from "../../baseline/export.ts";
import { runOrigin } from "../../engine/lineage.ts";
import type { RunOrigin, Store } from "../../store/types.ts";
import type { PushResponse } from "../api-types.ts";

/**
 * The client's side of `assay push`: one run from a local store, sent to a team server
 * (`assay serve`) in the baseline file's format as gzipped JSON Lines, with the server's token as a
 * Bearer header. Never the token in a URL or a message.
 */

export interface PushOptions {
  /** the server's address, e.g. https://assay.example.com (a path prefix behind a proxy is kept) */
  to: string;
  token: string;
  /** put on a run that does not say where it was made (default: this machine, runOrigin()) */
  origin?: RunOrigin;
}

export interface PushResult extends PushResponse {
  /** the run's page on the server */
  url: string;
}

/**
 * Why a push failed. `refused`: the server turned the token down; `rejected`: it refused the run
 * (malformed, too large, or its id taken by another run), or the address is no push endpoint;
 * `unreachable`: no answer (network, TLS, DNS); `server`: the server failed (5xx).
 */
export class PushError extends Error {
  constructor(
    message: string,
    readonly kind: "refused" | "rejected" | "unreachable" | "server",
    readonly status?: number,
  ) {
    super(message);
    this.name = "PushError";
  }
}

/** The server's base address, checked: http(s), with no credentials in it. */
export function serverBase(to: string): URL {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new PushError(`--to ${to}: not a URL (e.g. https://assay.example.com)`, "rejected");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PushError(
      `--to ${url.protocol}//…: the server's address must be http:// or https://`,
      "rejected",
    );
  }
  if (url.username || url.password) {
    throw new PushError(
      "--to: put no credentials in the address; the token goes in --token-file",
      "rejected",
    );
  }
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** A URL as messages show it: no query (nothing secret is sent in one, but nothing is shown either). */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The run's body: the baseline lines, with the origin filled in and the tags left to the server. */
async function body(store: Store, runId: string, origin: RunOrigin | undefined): Promise<Buffer> {
  const stored = await store.getRun(runId);
  if (!stored) throw new PushError(`no run ${runId} in the store`, "rejected");
  if (stored.status !== "completed") {
    throw new PushError(
      `run ${runId} is ${stored.status}: only a completed run can be pushed (finish it with \`assay run --resume\`)`,
      "rejected",
    );
  }
  const data = await collectBaseline(store, runId);
  const run = data.header.run;
  data.header.run = {
    ...run,
    tags: [],
    lineage: { ...run.lineage, origin: run.lineage.origin ?? origin ?? runOrigin() },
  };
  return buffer(Readable.from(baselineLines(data)).pipe(createGzip()));
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // not JSON: a proxy's page
  }
  return text.trim().slice(0, 300) || res.statusText;
}

/** Sends the completed run `runId` of `store` to the server; resolves with what the server did. */
export async function pushRun(store: Store, runId: string, opts: PushOptions): Promise<PushResult> {
  const base = serverBase(opts.to);
  const endpoint = new URL("api/push", base);
  const payload = await body(store, runId, opts.origin);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${opts.token}`,
        "Content-Type": "application/x-ndjson",
        "Content-Encoding": "gzip",
      },
      body: payload,
      // a redirect would carry the token (and the run) on to another address: say so instead
      redirect: "manual",
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new PushError(`cannot reach ${shown(endpoint)}: ${why}`, "unreachable");
  }
  if (res.ok) {
    const answer = (await res.json()) as PushResponse;
    return { ...answer, url: new URL(`runs/${encodeURIComponent(answer.run)}`, base).toString() };
  }
  const where = shown(endpoint);
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get("location") ?? "another address";
    throw new PushError(
      `${where} redirects to ${location}: pass that address as --to (the token is not sent on)`,
      "rejected",
      res.status,
    );
  }
  const message = await errorText(res);
  if (res.status === 401 || res.status === 403) {
    throw new PushError(`${where} refused the token (HTTP ${res.status}): ${message}`, "refused", res.status);
  }
  if (res.status === 404 || res.status === 405) {
    throw new PushError(
      `${where} takes no pushed runs (HTTP ${res.status}): is it \`assay serve\`? ${message}`,
      "rejected",
      res.status,
    );
  }
  if (res.status >= 500) {
    throw new PushError(`${where} failed (HTTP ${res.status}): ${message}`, "server", res.status);
  }
  throw new PushError(`${where} refused the run (HTTP ${res.status}): ${message}`, "rejected", res.status);
}
