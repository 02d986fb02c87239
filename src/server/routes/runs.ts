import type { Hono } from "hono";
import type { RunsResponse, ScorecardResponse } from "../api-types.ts";
import type { RouteContext } from "./context.ts";
import { queueSummaries } from "./review.ts";

/** The runs list and one run's scorecard. */
export function runRoutes(app: Hono, { store, cache, runOf }: RouteContext): void {
  app.get("/api/runs", async (c) => {
    const all = await store.listRuns();
    const suite = c.req.query("suite") || undefined;
    const target = c.req.query("target") || undefined;
    const tag = c.req.query("tag") || undefined;
    const runs = all.filter(
      (r) =>
        (suite === undefined || r.suite === suite) &&
        (target === undefined || r.target === target) &&
        (tag === undefined || r.tags.includes(tag)),
    );
    const uniq = (values: string[]) => [...new Set(values)].sort();
    const body: RunsResponse = {
      runs,
      facets: {
        suites: uniq(all.map((r) => r.suite)),
        targets: uniq(all.map((r) => r.target)),
        tags: uniq(all.flatMap((r) => r.tags)),
      },
      queues: await queueSummaries(store),
    };
    return c.json(body);
  });

  app.get("/api/runs/:id/scorecard", async (c) => {
    const run = await runOf(c.req.param("id"));
    // building a large run's index (and then its scorecard) holds the event loop for seconds: let
    // the case table's first page, requested at the same time, be answered from the store first
    if (!cache.peek(run)) await new Promise((resolve) => setTimeout(resolve, 25));
    const index = await cache.get(run);
    if (!index.hasScorecard()) await new Promise((resolve) => setImmediate(resolve));
    const body: ScorecardResponse = {
      run,
      scorecard: index.getScorecard(),
      latencyHistogram: index.latencyHistogram(),
      slices: index.slices,
      statusCounts: index.statusCounts(),
    };
    return c.json(body);
  });
}
