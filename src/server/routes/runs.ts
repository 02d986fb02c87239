import type { Hono } from "hono";
import { loadScorecard } from "../../scorecard/load.ts";
import type { Scorecard } from "../../scorecard/types.ts";
import type { RunRecord } from "../../store/types.ts";
import type { RunSummaryResponse, RunsResponse, ScorecardResponse } from "../api-types.ts";
import { suiteOperatingOptions } from "../operating.ts";
import { RunPage } from "../run-page.ts";
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
  const page = new RunPage(store, cache);
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

  /**
   * The scorecard the store keeps for the run (with the suite's operating settings) and the figures
   * kept beside it: O(dimensions × slices) once a finished run has been read once, by `assay run`
   * or by an earlier visit. Never builds the case table's index, nor waits for one.
   */
  app.get("/api/runs/:id/scorecard", async (c) => {
    const ref = c.req.param("id");
    // the run page asks for its case table's first page at the same time, which then starts
    // building the run's index: that pass waits until the scorecard is answered
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => {
      answered = resolve;
    });
    cache.hold(ref, answer);
    try {
      const run = await runOf(ref);
      if (run.id !== ref) cache.hold(run.id, answer);
      const { scorecard, figures } = await page.scorecard(run, await suiteOperatingOptions(run));
      const body: ScorecardResponse = {
        run,
        scorecard,
        latencyHistogram: figures.latencyHistogram,
        slices: Object.keys(scorecard.slices).sort(),
        statusCounts: figures.statusCounts,
      };
      return c.json(body);
    } finally {
      answered();
    }
  });

  /**
   * A run's aggregate for the runs list: from the scorecard the store keeps (streamed and kept on
   * first use, with the operating settings the run page uses, so both share one kept card).
   * Cached per run until the run changes; a running run is never cached.
   */
  app.get("/api/runs/:id/summary", async (c) => {
    const run = await runOf(c.req.param("id"));
    const key = summaryKey(run);
    let pending = run.status === "running" ? undefined : summaries.get(key);
    if (!pending) {
      const next = building
        .catch(() => {})
        .then(async () => summaryOf(run, await loadScorecard(store, run, await suiteOperatingOptions(run))));
      building = next;
      pending = next;
      if (run.status !== "running") {
        summaries.set(key, pending);
        pending.catch(() => summaries.delete(key));
        while (summaries.size > SUMMARIES) summaries.delete(summaries.keys().next().value as string);
      }
    }
    return c.json(await pending);
  });
}
