import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { FAILURE_FLAG, failureFlag } from "../../labels/flags.ts";
import type { LabelRecord, ReviewQueue, Store } from "../../store/types.ts";
import type {
  FlagRequest,
  FlagResponse,
  LabellerProgress,
  LabelRequest,
  LabelResponse,
  QueueItemView,
  QueueResponse,
  QueueSummary,
} from "../api-types.ts";
import type { CaseRows } from "../case-join.ts";
import { BadRequest, commentText, jsonBody, labellerName } from "../http.ts";
import { rubricOf } from "../rubric.ts";
import type { RunIndex } from "../run-index.ts";
import type { RouteContext } from "./context.ts";

const itemKey = (caseId: string, epoch: number) => `${caseId}\u0000${epoch}`;

/**
 * Each labeller's progress through a queue, from the queue's current labels: the assigned
 * labellers first (in the queue's order), then anyone else who labelled in it. An assigned
 * labeller is asked for the items that list them (or list nobody); anyone else sees every item.
 */
export function queueProgress(queue: ReviewQueue, current: LabelRecord[]): LabellerProgress[] {
  const done = new Map<string, Set<string>>();
  for (const l of current) {
    if (l.dimension !== queue.dimension || l.otherRunId !== queue.otherRunId) continue;
    const set = done.get(l.labeller) ?? new Set<string>();
    set.add(itemKey(l.caseId, l.epoch));
    done.set(l.labeller, set);
  }
  const names = [...queue.labellers, ...[...done.keys()].filter((n) => !queue.labellers.includes(n)).sort()];
  return names.map((labeller) => {
    const assigned = queue.labellers.includes(labeller);
    const mine = done.get(labeller) ?? new Set<string>();
    let total = 0;
    let labelled = 0;
    for (const item of queue.items) {
      if (assigned && item.labellers.length > 0 && !item.labellers.includes(labeller)) continue;
      total++;
      if (mine.has(itemKey(item.caseId, item.epoch))) labelled++;
    }
    return { labeller, assigned: total, labelled };
  });
}

async function queueSummary(store: Store, q: ReviewQueue): Promise<QueueSummary> {
  const current = await store.listLabels({ queueId: q.id });
  const flagged = new Set(
    current
      .filter((l) => l.dimension === FAILURE_FLAG && l.value === 1)
      .map((l) => itemKey(l.caseId, l.epoch)),
  );
  const s: QueueSummary = {
    id: q.id,
    runId: q.runId,
    dimension: q.dimension,
    kind: q.kind,
    items: q.items.length,
    labellers: q.labellers,
    createdAt: q.createdAt,
    progress: queueProgress(q, current),
    flagged: flagged.size,
  };
  if (q.otherRunId) s.otherRunId = q.otherRunId;
  return s;
}

/** Every review queue, summarised for the runs page. */
export async function queueSummaries(store: Store): Promise<QueueSummary[]> {
  return Promise.all((await store.listQueues()).map((q) => queueSummary(store, q)));
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

/** Review queues: the blind labelling view of a queue, saving a label, flagging a failure. */
export function reviewRoutes(app: Hono, { store, cache, runOf }: RouteContext): void {
  app.get("/api/queues", async (c) => c.json({ queues: await queueSummaries(store) }));

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
    // the labeller's own failure flags on the run (a pairwise item has two outputs: no flag there)
    const flags = new Map(
      queue.kind === "pairwise"
        ? []
        : (await store.listLabels({ runId: run.id, dimension: FAILURE_FLAG, labeller })).map((l) => [
            itemKey(l.caseId, l.epoch),
            l,
          ]),
    );
    const assigned = queue.labellers.includes(labeller);
    const shown = queue.items.filter(
      (item) => !(assigned && item.labellers.length > 0 && !item.labellers.includes(labeller)),
    );
    // the shown items' rows, read from the store: the indexes keep none
    const caseIds = [...new Set(shown.map((item) => item.caseId))];
    const rows = await index.readCases(store, caseIds);
    const otherRows = other ? await other.readCases(store, caseIds) : undefined;
    const outputOf = (read: Map<string, CaseRows>, caseId: string, epoch: number) => {
      const o = read.get(caseId)?.outputs.find((x) => x.epoch === epoch);
      if (!o) return { text: "", error: "no output stored" };
      return o.error ? { text: o.text, error: `${o.error.class}: ${o.error.message}` } : { text: o.text };
    };
    const items: QueueItemView[] = [];
    for (const item of shown) {
      const kase = rows.get(item.caseId)?.c;
      const view: QueueItemView = {
        caseId: item.caseId,
        epoch: item.epoch,
        labellers: item.labellers,
        input: kase?.input ?? "",
      };
      if (kase?.expected !== undefined) view.expected = kase.expected;
      if (otherRows) {
        const a = { side: "a" as const, ...outputOf(rows, item.caseId, item.epoch) };
        const b = { side: "b" as const, ...outputOf(otherRows, item.caseId, item.epoch) };
        view.pair = item.swapped ? { left: b, right: a } : { left: a, right: b };
      } else {
        view.output = outputOf(rows, item.caseId, item.epoch);
      }
      const current = mine.get(itemKey(item.caseId, item.epoch));
      if (current) {
        view.label = current.label;
        if (current.previous) view.previous = current.previous;
      }
      const flag = flags.get(itemKey(item.caseId, item.epoch));
      if (flag) view.flag = flag;
      items.push(view);
    }
    const { items: _items, ...rest } = queue;
    const body: QueueResponse = {
      queue: rest,
      run: { id: run.id, suite: run.suite, target: run.target },
      rubric: await rubricOf(run, queue.dimension),
      labeller,
      items,
      progress: queueProgress(queue, await store.listLabels({ queueId: queue.id })),
    };
    return c.json(body);
  });

  app.post("/api/queues/:id/labels", async (c) => {
    const queue = await store.getQueue(c.req.param("id"));
    if (!queue) return c.json({ error: `no review queue "${c.req.param("id")}"` }, 404);
    const body = await jsonBody<LabelRequest>(c.req);
    const labeller = labellerName(body.labeller);
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
    const comment = commentText(body.comment);
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
    if (comment) label.comment = comment;
    if (current) label.supersedes = current.id;
    await store.addLabels([label]);
    await cache.invalidateLabels(queue.runId);
    const res: LabelResponse = { label };
    return c.json(res, 201);
  });

  /**
   * Flags an output as a failure for promotion to the regression set (`assay promote RUN
   * --flagged`), or withdraws the flag (`flagged: false`). Stored as a label (see labels/flags.ts).
   */
  app.post("/api/runs/:id/flags", async (c) => {
    const run = await runOf(c.req.param("id"));
    const body = await jsonBody<FlagRequest>(c.req);
    const labeller = labellerName(body.labeller);
    if (typeof body.caseId !== "string") throw new BadRequest("caseId is required");
    if (body.epoch !== undefined && !(Number.isInteger(body.epoch) && body.epoch >= 0))
      throw new BadRequest("epoch must be a whole number");
    if (body.flagged !== undefined && typeof body.flagged !== "boolean")
      throw new BadRequest("flagged must be true or false");
    const comment = commentText(body.comment);
    if (body.queueId !== undefined) {
      const queue = typeof body.queueId === "string" ? await store.getQueue(body.queueId) : undefined;
      if (!queue || queue.runId !== run.id)
        throw new BadRequest(`queueId: no review queue "${String(body.queueId)}" of run ${run.id}`);
    }
    const index = await cache.get(run);
    const outputs = (await index.readCases(store, [body.caseId])).get(body.caseId)?.outputs;
    if (!outputs) throw new BadRequest(`run ${run.id} has no output for case "${body.caseId}"`);
    const output = body.epoch === undefined ? outputs[0] : outputs.find((o) => o.epoch === body.epoch);
    if (!output) throw new BadRequest(`case "${body.caseId}" has no output at epoch ${body.epoch}`);
    const current = (await store.listLabels({ runId: run.id, dimension: FAILURE_FLAG, labeller }))
      .filter((l) => l.caseId === output.caseId && l.epoch === output.epoch)
      .at(-1);
    const label = failureFlag({
      runId: run.id,
      caseId: output.caseId,
      epoch: output.epoch,
      labeller,
      comment,
      flagged: body.flagged !== false,
      queueId: body.queueId,
      supersedes: current?.id,
    });
    await store.addLabels([label]);
    await cache.invalidateLabels(run.id);
    const res: FlagResponse = { label };
    return c.json(res, 201);
  });
}
