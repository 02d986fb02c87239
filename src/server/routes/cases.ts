import type { Context, Hono } from "hono";
import type { RunRecord } from "../../store/types.ts";
import type { CaseDetailResponse, CaseStatus, CasesResponse } from "../api-types.ts";
import { expectedDiffs } from "../expected-diff.ts";
import { BadRequest, intParam } from "../http.ts";
import { type CaseQuery, RunIndex } from "../run-index.ts";
import type { RouteContext } from "./context.ts";

const STATUSES = new Set<CaseStatus>(["pass", "fail", "error", "unscored"]);
const MAX_LIMIT = 1000;
const OTHER_RUNS = 20;

/** The case table's filter and sort from the query string (`status` and `slice` may repeat). */
function caseQuery(c: Context): CaseQuery {
  const statuses = (c.req.queries("status") ?? [])
    .flatMap((s) => s.split(","))
    .filter(Boolean)
    .map((s) => {
      if (!STATUSES.has(s as CaseStatus))
        throw new BadRequest(`status must be pass, fail, error or unscored (got "${s}")`);
      return s as CaseStatus;
    });
  const slices = (c.req.queries("slice") ?? []).filter(Boolean);
  for (const s of slices) if (!s.includes("=")) throw new BadRequest(`slice must be key=value (got "${s}")`);
  return {
    statuses,
    slices,
    dimension: c.req.query("dimension") || undefined,
    q: c.req.query("q") || undefined,
    sort: c.req.query("sort") || "ordinal",
  };
}

/** A query that keeps every case in dataset order. */
function isPlain(q: CaseQuery): boolean {
  return (
    q.statuses.length === 0 &&
    q.slices.length === 0 &&
    q.dimension === undefined &&
    q.q === undefined &&
    q.sort === "ordinal"
  );
}

/** The case table (filtered, sorted, paged on the server) and one case in full. */
export function caseRoutes(app: Hono, { store, cache, runOf }: RouteContext): void {
  /** An unfiltered page in dataset order, read from the store without the run's index. */
  async function firstPage(run: RunRecord, offset: number, limit: number): Promise<CasesResponse> {
    const page = await store.pageResults(run.id, run.datasetVersion, { offset, limit }, run.scoreSet);
    // the index's own join and row rules, over just this page's rows
    const part = RunIndex.fromRows(run, page);
    const ids = new Set(part.byId.keys());
    const labels = new Map<string, number>();
    for (const l of await store.listLabels({ runId: run.id })) {
      if (ids.has(l.caseId)) labels.set(l.caseId, (labels.get(l.caseId) ?? 0) + 1);
    }
    part.labelCounts = labels;
    return {
      total: page.total,
      matched: page.total,
      offset,
      limit,
      rows: Array.from({ length: part.size }, (_, i) => part.row(i)),
    };
  }

  app.get("/api/runs/:id/cases", async (c) => {
    const run = await runOf(c.req.param("id"));
    const query = caseQuery(c);
    const offset = intParam(c.req.query("offset"), "offset", 0);
    const limit = intParam(c.req.query("limit"), "limit", 100, MAX_LIMIT);
    if (!cache.peek(run) && isPlain(query)) {
      // the run's index is not built yet (at 100,000 cases that reads the whole run and takes
      // seconds): answer the first view's page from the store directly and build it meanwhile
      const body = await firstPage(run, offset, limit);
      setImmediate(() => cache.get(run).catch(() => {}));
      return c.json(body);
    }
    const index = await cache.withLabels(run);
    const positions = index.select(query);
    const body: CasesResponse = {
      total: index.size,
      matched: positions.length,
      offset,
      limit,
      rows: await index.rowsAt(store, positions.slice(offset, offset + limit)),
    };
    return c.json(body);
  });

  app.get("/api/runs/:id/cases/:caseId", async (c) => {
    const run = await runOf(c.req.param("id"));
    const caseId = c.req.param("caseId");
    const query = caseQuery(c);
    const index = await cache.get(run);
    const position = index.byId.get(caseId);
    if (position === undefined)
      return c.json({ error: `no case "${caseId}" with a result in run ${run.id}` }, 404);
    // the case's rows are read back from the store: the index keeps none
    const rows = (await index.readRows(store, [position])).get(caseId);
    if (!rows) return c.json({ error: `no case "${caseId}" with a result in run ${run.id}` }, 404);
    const { c: c0, outputs } = rows;
    const history = (await store.listLabels({ runId: run.id, history: true })).filter(
      (l) => l.caseId === caseId,
    );
    const superseded = new Set(history.map((l) => l.supersedes).filter((s): s is string => s !== undefined));
    const scores = rows.scores
      .slice()
      .sort((a, b) => a.epoch - b.epoch || a.dimension.localeCompare(b.dimension));
    const kase: CaseDetailResponse["case"] = { id: c0.id, input: c0.input, tags: c0.tags };
    if (c0.expected !== undefined) kase.expected = c0.expected;
    if (c0.cluster !== undefined) kase.cluster = c0.cluster;
    const body: CaseDetailResponse = {
      run,
      case: kase,
      status: index.statusAt(position),
      aggregate: index.aggregateAt(position),
      outputs,
      scores,
      labels: history.map((l) => ({ ...l, current: !superseded.has(l.id) })),
      expectedDiffs: expectedDiffs(c0.expected, outputs),
      otherRuns: (await store.listRuns({ suite: run.suite }))
        .filter((r) => r.id !== run.id && r.datasetVersion === run.datasetVersion)
        .slice(0, OTHER_RUNS)
        .map((r) => ({ id: r.id, target: r.target, status: r.status, startedAt: r.startedAt })),
    };
    // prev / next walk the case table as the reviewer left it: the same filter, the same order
    const order = isPlain(query) ? undefined : index.select(query);
    const at = order ? order.indexOf(position) : -1;
    if (order && at >= 0) {
      body.position = { index: at, matched: order.length };
      if (at > 0) body.prev = index.idAt(order[at - 1]);
      if (at < order.length - 1) body.next = index.idAt(order[at + 1]);
    } else {
      if (position > 0) body.prev = index.idAt(position - 1);
      if (position < index.size - 1) body.next = index.idAt(position + 1);
    }
    return c.json(body);
  });
}
