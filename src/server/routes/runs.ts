import type { Hono } from "hono";
import { loadRunRows } from "../../compare/load.ts";
import { buildScorecard } from "../../scorecard/build.ts";
import type { Scorecard } from "../../scorecard/types.ts";
import type { RunRecord } from "../../store/types.ts";
import type { RunSummaryResponse, RunsResponse, ScorecardResponse } from "../api-types.ts";
import { suiteOperatingOptions } from "../operating.ts";
import type { RouteContext } from "./context.ts";
import { queueSummaries } from "./review.ts";

/** Run summaries kept: a few numbers each, so many. */
const SUMMARIES = 2000;

function summaryOf(run: RunRecord, card: Scorecard): RunSummaryResponse {
  return { runId: run.id, aggregate: card.aggregate, cases: card.cases, errors: card.errors.count };
}

/** What changes a finished run's summary: its status, its score set, its evaluators. */
function summaryKey(run: RunRecord): string {
  return JSON.stringify([
    run.id,
    run.status,
    run.finishedAt,
    run.scoreSet,
    run.caseCount,
    run.lineage.evaluators,
  ]);
}

/** The runs list and one run's scorecard. */
export function runRoutes(app: Hono, { store, cache, runOf }: RouteContext): void {
  const summaries = new Map<string, Promise<RunSummaryResponse>>();
  /** summaries are built one at a time: the runs page asks for many at once */
  let building: Promise<unknown> = Promise.resolve();

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
      scorecard: index.getScorecard(await suiteOperatingOptions(run)),
      latencyHistogram: index.latencyHistogram(),
      slices: index.slices,
      statusCounts: index.statusCounts(),
    };
    return c.json(body);
  });

  /**
   * A run's aggregate for the runs list: from its index when that is built, else from its rows
   * (read once, not kept). Cached per run until the run changes; a running run is never cached.
   */
  app.get("/api/runs/:id/summary", async (c) => {
    const run = await runOf(c.req.param("id"));
    const key = summaryKey(run);
    let pending = run.status === "running" ? undefined : summaries.get(key);
    if (!pending) {
      const warm = cache.peek(run);
      if (warm) pending = Promise.resolve(summaryOf(run, warm.getScorecard()));
      else {
        const next = building
          .catch(() => {})
          .then(async () => summaryOf(run, buildScorecard(await loadRunRows(store, run))));
        building = next;
        pending = next;
      }
      if (run.status !== "running") {
        summaries.set(key, pending);
        pending.catch(() => summaries.delete(key));
        while (summaries.size > SUMMARIES) summaries.delete(summaries.keys().next().value as string);
      }
    }
    return c.json(await pending);
  });
}
