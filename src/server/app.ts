import { Hono } from "hono";
import { CompareError } from "../compare/compare.ts";
import { InputError } from "../config/errors.ts";
import { RunNotFoundError, resolveRun } from "../store/resolve.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { BadRequest } from "./http.ts";
import { DEFAULT_MAX_UPLOAD_BYTES } from "./push/receive.ts";
import { calibrationRoutes } from "./routes/calibration.ts";
import { caseRoutes } from "./routes/cases.ts";
import { compareRoutes } from "./routes/compare.ts";
import type { RouteContext } from "./routes/context.ts";
import { leaderboardRoutes } from "./routes/leaderboard.ts";
import { probeRoutes } from "./routes/probes.ts";
import { ingestRoutes, productionRoutes } from "./routes/production.ts";
import { pushRoutes } from "./routes/push.ts";
import { reviewRoutes } from "./routes/review.ts";
import { runRoutes } from "./routes/runs.ts";
import { QueryError, RunIndexCache } from "./run-index.ts";
import { guard, ServeConfigError, securityHeaders } from "./security.ts";
import { staticFiles, WEB_DIST } from "./static.ts";

export interface AppOptions {
  store: Store;
  /** when set, every request must carry it (see security.ts) */
  token?: string;
  /** the built web app (default web/dist) */
  webDir?: string;
  /** run indexes kept in memory */
  cachedRuns?: number;
  /**
   * Take runs pushed by `assay push` at POST /api/push (`assay serve`): only with a token, which
   * each push must carry as `Authorization: Bearer`. `maxBytes` bounds one upload.
   */
  push?: { maxBytes?: number };
}

/**
 * The web API over a Store (DESIGN.md §2: the same numbers as the CLI, from the same pure
 * functions), plus the built web app. Mount with @hono/node-server (see serve.ts). The routes
 * live by resource in routes/*.ts; this file holds what they share: guards, errors, run lookup.
 */
export function createApp(opts: AppOptions): { app: Hono; cache: RunIndexCache } {
  const { store } = opts;
  if (opts.push && !opts.token) throw new ServeConfigError("a server that takes pushed runs needs a token");
  const cache = new RunIndexCache(store, opts.cachedRuns ?? 4);
  const serveStatic = staticFiles(opts.webDir ?? WEB_DIST);
  const app = new Hono();

  app.use("*", securityHeaders());
  app.use("*", guard(opts.token));

  app.onError((err, c) => {
    if (err instanceof BadRequest) return c.json({ error: err.message, ...err.where }, err.status);
    if (err instanceof RunNotFoundError) return c.json({ error: err.message }, 404);
    if (err instanceof QueryError || err instanceof CompareError || err instanceof InputError) {
      return c.json({ error: err.message }, 400);
    }
    process.stderr.write(
      `assay server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return c.json({ error: "internal error" }, 500);
  });

  const ctx: RouteContext = {
    store,
    cache,
    runOf: async (ref: string): Promise<RunRecord> => (await store.getRun(ref)) ?? resolveRun(store, ref),
  };
  runRoutes(app, ctx);
  caseRoutes(app, ctx);
  compareRoutes(app, ctx);
  reviewRoutes(app, ctx);
  calibrationRoutes(app, ctx);
  leaderboardRoutes(app, ctx);
  probeRoutes(app, ctx);
  productionRoutes(app, ctx);
  if (opts.push && opts.token) {
    pushRoutes(app, ctx, { token: opts.token, maxBytes: opts.push.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES });
    // production records and OTLP traces come in on the team server, under the same token
    ingestRoutes(app, ctx, { token: opts.token, maxBytes: opts.push.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES });
  }

  app.all("/api/*", (c) =>
    c.json({ error: `no API route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404),
  );

  app.on(["GET", "HEAD"], "*", (c) => serveStatic(new URL(c.req.url).pathname));
  app.all("*", (c) => c.json({ error: "method not allowed" }, 405));

  return { app, cache };
}
