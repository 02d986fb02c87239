import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Store } from "../store/types.ts";
import { type AppOptions, createApp } from "./app.ts";
import type { RunIndexCache } from "./run-index.ts";
import { checkBinding, ServeConfigError } from "./security.ts";

export interface ServeOptions {
  store: Store;
  /** default 127.0.0.1; any other host needs a token */
  host?: string;
  /** default 7411; 0 picks a free port */
  port?: number;
  token?: string;
  webDir?: string;
  /** build the newest run's case index in the background once listening (what a first visit opens) */
  warm?: boolean;
  /** take runs from `assay push` (needs the token; see AppOptions.push) */
  push?: AppOptions["push"];
}

export interface RunningServer {
  /** the address to open, with `?token=` when a token is set */
  url: string;
  /** the address without the token */
  origin: string;
  host: string;
  port: number;
  cache: RunIndexCache;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7411;
export const DEFAULT_HOST = "127.0.0.1";

function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Starts the web app's server; resolves once it listens. Throws ServeConfigError on a bad host, token or port. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? DEFAULT_HOST;
  checkBinding(host, opts.token);
  const { app, cache } = createApp({
    store: opts.store,
    token: opts.token,
    webDir: opts.webDir,
    push: opts.push,
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new ServeConfigError(`port ${opts.port} is in use: pass --port`));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND")
        reject(new ServeConfigError(`cannot listen on host ${host}: ${err.code}`));
      else if (err.code === "EACCES")
        reject(new ServeConfigError(`no permission to listen on port ${opts.port}`));
      else reject(err);
    };
    server.once("error", onError);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (opts.warm) {
    void opts.store
      .listRuns({ limit: 1 })
      .then(([newest]) => (newest ? cache.get(newest) : undefined))
      .catch(() => {
        // a failed warm-up costs nothing: the first request builds the index and reports the error
      });
  }
  const origin = `http://${urlHost(host)}:${port}`;
  return {
    url: opts.token ? `${origin}/?token=${encodeURIComponent(opts.token)}` : `${origin}/`,
    origin,
    host,
    port,
    cache,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // keep-alive connections from a browser would hold close() open
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
