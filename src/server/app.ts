import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CompareError, compareRuns } from "../compare/compare.ts";
import { InputError } from "../config/errors.ts";
import { RunNotFoundError, resolveRun } from "../store/resolve.ts";
import type { LabelRecord, ReviewQueue, RunRecord, Store } from "../store/types.ts";
import type {
  CalibrationResponse,
  CaseDetailResponse,
  CaseStatus,
  CasesResponse,
  CompareResponse,
  LabelRequest,
  LabelResponse,
  QueueItemView,
  QueueResponse,
  QueueSummary,
  RunsResponse,
  ScorecardResponse,
} from "./api-types.ts";
import { rubricOf } from "./rubric.ts";
import { QueryError, RunIndex, RunIndexCache } from "./run-index.ts";
import { guard, securityHeaders } from "./security.ts";
import { staticFiles, WEB_DIST } from "./static.ts";

export interface AppOptions {
  store: Store;
  /** when set, every request must carry it (see security.ts) */
  token?: string;
  /** the built web app (default web/dist) */
  webDir?: string;
  /** run indexes kept in memory */
  cachedRuns?: number;
}

const STATUSES = new Set<CaseStatus>(["pass", "fail", "error", "unscored"]);
const MAX_LIMIT = 1000;
const COMPARE_CACHE = 8;

/** A request the client got wrong: 400 with the message. */
class BadRequest extends Error {
  constructor(
    message: string,
    readonly status: ContentfulStatusCode = 400,
  ) {
    super(message);
    this.name = "BadRequest";
  }
}

function intParam(value: string | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`${name} must be a whole number ≥ 0`);
  return Math.min(n, max);
}

function queueSummary(q: ReviewQueue): QueueSummary {
  const s: QueueSummary = {
    id: q.id,
    runId: q.runId,
    dimension: q.dimension,
    kind: q.kind,
    items: q.items.length,
    labellers: q.labellers,
    createdAt: q.createdAt,
  };
  if (q.otherRunId) s.otherRunId = q.otherRunId;
  return s;
}

/** Whether a label value fits the queue's kind and scale; the normalised value. */
function checkValue(queue: ReviewQueue, value: unknown): string | number {
  const scale = queue.scale;
  switch (queue.kind) {
    case "binary":
      if (value === 0 || value === 1 || value === "pass" || value === "fail") return value;
      throw new BadRequest("a binary label is 0 or 1 (or pass / fail)");
    case "pairwise":
      if (value === "a" || value === "b" || value === "tie") return value;
      throw new BadRequest('a pairwise label is "a", "b" or "tie"');
    case "ordinal": {
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new BadRequest("an ordinal label is a number");
      const numeric = (scale ?? []).filter((s): s is number => typeof s === "number");
      if (numeric.length === 2 && numeric[1] - numeric[0] > 1) {
        const [lo, hi] = numeric;
        if (Number.isInteger(value) && value >= lo && value <= hi) return value;
        throw new BadRequest(`an ordinal label here is a whole number from ${lo} to ${hi}`);
      }
      if (numeric.length > 0 && !numeric.includes(value)) {
        throw new BadRequest(`an ordinal label here is one of ${numeric.join(", ")}`);
      }
      return value;
    }
    default: {
      if (typeof value !== "string" && typeof value !== "number")
        throw new BadRequest("a label is a string or number");
      if (scale && scale.length > 0 && !scale.includes(value)) {
        throw new BadRequest(`a label here is one of ${scale.join(", ")}`);
      }
      return value;
    }
  }
}

/** Current label and the one it superseded, per (case, epoch), of one labeller in one queue. */
function labelsByItem(history: LabelRecord[]): Map<string, { label: LabelRecord; previous?: LabelRecord }> {
  const byId = new Map(history.map((l) => [l.id, l]));
  const superseded = new Set(history.map((l) => l.supersedes).filter((s): s is string => s !== undefined));
  const out = new Map<string, { label: LabelRecord; previous?: LabelRecord }>();
  for (const l of history) {
    if (superseded.has(l.id)) continue;
    const entry: { label: LabelRecord; previous?: LabelRecord } = { label: l };
    const prev = l.supersedes ? byId.get(l.supersedes) : undefined;
    if (prev) entry.previous = prev;
    out.set(`${l.caseId}\u0000${l.epoch}`, entry);
  }
  return out;
}

/**
 * The web API over a Store (DESIGN.md §2: the same numbers as the CLI, from the same pure
 * functions), plus the built web app. Mount with @hono/node-server (see serve.ts).
 */
export function createApp(opts: AppOptions): { app: Hono; cache: RunIndexCache } {
  const { store } = opts;
  const cache = new RunIndexCache(store, opts.cachedRuns ?? 4);
  const compareCache = new Map<string, Promise<CompareResponse>>();
  const serveStatic = staticFiles(opts.webDir ?? WEB_DIST);
  const app = new Hono();

  app.use("*", securityHeaders());
  app.use("*", guard(opts.token));

  app.onError((err, c) => {
    if (err instanceof BadRequest) return c.json({ error: err.message }, err.status);
    if (err instanceof RunNotFoundError) return c.json({ error: err.message }, 404);
    if (err instanceof QueryError || err instanceof CompareError || err instanceof InputError) {
      return c.json({ error: err.message }, 400);
    }
    process.stderr.write(`assay view: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return c.json({ error: "internal error" }, 500);
  });

  const runOf = async (ref: string): Promise<RunRecord> =>
    (await store.getRun(ref)) ?? resolveRun(store, ref);

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
      queues: (await store.listQueues()).map(queueSummary),
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

  /** An unfiltered page in dataset order, read from the store without the run's index. */
  async function firstPage(run: RunRecord, offset: number, limit: number): Promise<CasesResponse> {
    const page = await store.pageResults(run.id, run.datasetVersion, { offset, limit }, run.scoreSet);
    // the index's own join and row rules, over just this page's rows
    const part = new RunIndex(run, { run, cases: page.cases, outputs: page.outputs, scores: page.scores });
    const ids = new Set(part.entries.map((e) => e.id));
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
      rows: part.entries.map((_e, i) => part.row(i)),
    };
  }

  app.get("/api/runs/:id/cases", async (c) => {
    const run = await runOf(c.req.param("id"));
    const statuses = (c.req.queries("status") ?? [])
      .flatMap((s) => s.split(","))
      .filter(Boolean)
      .map((s) => {
        if (!STATUSES.has(s as CaseStatus))
          throw new BadRequest(`status must be pass, fail, error or unscored (got "${s}")`);
        return s as CaseStatus;
      });
    const slices = (c.req.queries("slice") ?? []).filter(Boolean);
    for (const s of slices)
      if (!s.includes("=")) throw new BadRequest(`slice must be key=value (got "${s}")`);
    const offset = intParam(c.req.query("offset"), "offset", 0);
    const limit = intParam(c.req.query("limit"), "limit", 100, MAX_LIMIT);
    const dimension = c.req.query("dimension") || undefined;
    const q = c.req.query("q") || undefined;
    const sort = c.req.query("sort") || "ordinal";
    if (
      !cache.peek(run) &&
      statuses.length === 0 &&
      slices.length === 0 &&
      dimension === undefined &&
      q === undefined &&
      sort === "ordinal"
    ) {
      // the run's index is not built yet (at 100,000 cases that reads the whole run and takes
      // seconds): answer the first view's page from the store directly and build it meanwhile
      const body = await firstPage(run, offset, limit);
      setImmediate(() => cache.get(run).catch(() => {}));
      return c.json(body);
    }
    const index = await cache.withLabels(run);
    const positions = index.select({ slices, dimension, statuses, q, sort });
    const body: CasesResponse = {
      total: index.entries.length,
      matched: positions.length,
      offset,
      limit,
      rows: positions.slice(offset, offset + limit).map((p) => index.row(p)),
    };
    return c.json(body);
  });

  app.get("/api/runs/:id/cases/:caseId", async (c) => {
    const run = await runOf(c.req.param("id"));
    const caseId = c.req.param("caseId");
    const index = await cache.get(run);
    const position = index.byId.get(caseId);
    if (position === undefined)
      return c.json({ error: `no case "${caseId}" with a result in run ${run.id}` }, 404);
    const entry = index.entries[position];
    const c0 = entry.c;
    const history = (await store.listLabels({ runId: run.id, history: true })).filter(
      (l) => l.caseId === caseId,
    );
    const superseded = new Set(history.map((l) => l.supersedes).filter((s): s is string => s !== undefined));
    const scores = (index.scoresByCase.get(caseId) ?? [])
      .slice()
      .sort((a, b) => a.epoch - b.epoch || a.dimension.localeCompare(b.dimension));
    const kase: CaseDetailResponse["case"] = { id: c0.id, input: c0.input, tags: c0.tags };
    if (c0.expected !== undefined) kase.expected = c0.expected;
    if (c0.cluster !== undefined) kase.cluster = c0.cluster;
    const body: CaseDetailResponse = {
      run,
      case: kase,
      status: entry.status,
      aggregate: entry.aggregate,
      outputs: entry.outputs,
      scores,
      labels: history.map((l) => ({ ...l, current: !superseded.has(l.id) })),
    };
    if (position > 0) body.prev = index.entries[position - 1].id;
    if (position < index.entries.length - 1) body.next = index.entries[position + 1].id;
    return c.json(body);
  });

  app.get("/api/compare/:base/:candidate", async (c) => {
    const [base, candidate] = await Promise.all([
      runOf(c.req.param("base")),
      runOf(c.req.param("candidate")),
    ]);
    const intersect = ["1", "true", ""].includes(c.req.query("intersect") ?? "no");
    const key = JSON.stringify([
      base.id,
      candidate.id,
      intersect,
      base.finishedAt,
      candidate.finishedAt,
      base.status,
      candidate.status,
    ]);
    let pending = compareCache.get(key);
    if (!pending) {
      pending = (async () => {
        const [b, k] = await Promise.all([cache.get(base), cache.get(candidate)]);
        const { flips, ...comparison } = compareRuns(b.rows, k.rows, { intersect });
        return { flips, ...comparison, runs: { base, candidate } };
      })();
      compareCache.set(key, pending);
      pending.catch(() => compareCache.delete(key));
      while (compareCache.size > COMPARE_CACHE)
        compareCache.delete(compareCache.keys().next().value as string);
    }
    return c.json(await pending);
  });

  app.get("/api/queues", async (c) => c.json({ queues: (await store.listQueues()).map(queueSummary) }));

  app.get("/api/queues/:id", async (c) => {
    const queue = await store.getQueue(c.req.param("id"));
    if (!queue) return c.json({ error: `no review queue "${c.req.param("id")}"` }, 404);
    const labeller = (c.req.query("labeller") ?? "").trim() || queue.labellers[0] || "reviewer";
    const run = await runOf(queue.runId);
    const index = await cache.get(run);
    let other: RunIndex | undefined;
    if (queue.kind === "pairwise") {
      if (!queue.otherRunId) throw new BadRequest(`pairwise queue ${queue.id} names no other run`);
      other = await cache.get(await runOf(queue.otherRunId));
    }
    const mine = labelsByItem(
      (await store.listLabels({ queueId: queue.id, labeller, history: true })).filter(
        (l) => l.dimension === queue.dimension,
      ),
    );
    const assigned = queue.labellers.includes(labeller);
    const outputOf = (idx: RunIndex, caseId: string, epoch: number) => {
      const pos = idx.byId.get(caseId);
      const o = pos === undefined ? undefined : idx.entries[pos].outputs.find((x) => x.epoch === epoch);
      if (!o) return { text: "", error: "no output stored" };
      return o.error ? { text: o.text, error: `${o.error.class}: ${o.error.message}` } : { text: o.text };
    };
    const items: QueueItemView[] = [];
    for (const item of queue.items) {
      if (assigned && item.labellers.length > 0 && !item.labellers.includes(labeller)) continue;
      const pos = index.byId.get(item.caseId);
      const kase = pos === undefined ? undefined : index.entries[pos].c;
      const view: QueueItemView = {
        caseId: item.caseId,
        epoch: item.epoch,
        labellers: item.labellers,
        input: kase?.input ?? "",
      };
      if (kase?.expected !== undefined) view.expected = kase.expected;
      if (other) {
        const a = { side: "a" as const, ...outputOf(index, item.caseId, item.epoch) };
        const b = { side: "b" as const, ...outputOf(other, item.caseId, item.epoch) };
        view.pair = item.swapped ? { left: b, right: a } : { left: a, right: b };
      } else {
        view.output = outputOf(index, item.caseId, item.epoch);
      }
      const current = mine.get(`${item.caseId}\u0000${item.epoch}`);
      if (current) {
        view.label = current.label;
        if (current.previous) view.previous = current.previous;
      }
      items.push(view);
    }
    const { items: _items, ...rest } = queue;
    const body: QueueResponse = {
      queue: rest,
      run: { id: run.id, suite: run.suite, target: run.target },
      rubric: await rubricOf(run, queue.dimension),
      labeller,
      items,
    };
    return c.json(body);
  });

  app.post("/api/queues/:id/labels", async (c) => {
    const queue = await store.getQueue(c.req.param("id"));
    if (!queue) return c.json({ error: `no review queue "${c.req.param("id")}"` }, 404);
    let body: Partial<LabelRequest>;
    try {
      body = (await c.req.json()) as Partial<LabelRequest>;
    } catch {
      throw new BadRequest("the body is not JSON");
    }
    if (!body || typeof body !== "object") throw new BadRequest("the body must be a JSON object");
    const labeller = typeof body.labeller === "string" ? body.labeller.trim() : "";
    if (labeller === "" || labeller.length > 100)
      throw new BadRequest("labeller: a name of 1 to 100 characters");
    if (typeof body.caseId !== "string") throw new BadRequest("caseId is required");
    if (body.epoch !== undefined && !Number.isInteger(body.epoch))
      throw new BadRequest("epoch must be a whole number");
    const candidates = queue.items.filter(
      (i) => i.caseId === body.caseId && (body.epoch === undefined || i.epoch === body.epoch),
    );
    if (candidates.length === 0) {
      throw new BadRequest(
        `case "${body.caseId}"${body.epoch === undefined ? "" : ` epoch ${body.epoch}`} is not in queue ${queue.id}`,
      );
    }
    if (candidates.length > 1)
      throw new BadRequest(`case "${body.caseId}" has several epochs in this queue: give epoch`);
    const item = candidates[0];
    const value = checkValue(queue, body.value);
    if (body.comment !== undefined && (typeof body.comment !== "string" || body.comment.length > 10_000)) {
      throw new BadRequest("comment: text up to 10,000 characters");
    }
    const current = (await store.listLabels({ runId: queue.runId, dimension: queue.dimension, labeller }))
      .filter((l) => l.caseId === item.caseId && l.epoch === item.epoch && l.otherRunId === queue.otherRunId)
      .at(-1);
    const label: LabelRecord = {
      id: randomUUID(),
      runId: queue.runId,
      caseId: item.caseId,
      epoch: item.epoch,
      dimension: queue.dimension,
      kind: queue.kind,
      value,
      labeller,
      createdAt: new Date().toISOString(),
      queueId: queue.id,
    };
    if (queue.otherRunId) label.otherRunId = queue.otherRunId;
    if (body.comment) label.comment = body.comment;
    if (current) label.supersedes = current.id;
    await store.addLabels([label]);
    await cache.invalidateLabels(queue.runId);
    const res: LabelResponse = { label };
    return c.json(res, 201);
  });

  app.get("/api/calibration", async (c) => {
    const body: CalibrationResponse = {
      records: await store.listCalibrations({
        evaluator: c.req.query("evaluator") || undefined,
        dimension: c.req.query("dimension") || undefined,
      }),
    };
    return c.json(body);
  });

  app.all("/api/*", (c) =>
    c.json({ error: `no API route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404),
  );

  app.on(["GET", "HEAD"], "*", (c) => serveStatic(new URL(c.req.url).pathname));
  app.all("*", (c) => c.json({ error: "method not allowed" }, 405));

  return { app, cache };
}
