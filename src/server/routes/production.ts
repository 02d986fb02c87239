import { readFile } from "node:fs/promises";
import type { Hono } from "hono";
import type { MonitorReport } from "../../monitor/run.ts";
import { parseRecordsBody } from "../../records/ingest.ts";
import { mapOtlpTraces } from "../../records/otlp.ts";
import { RecordError } from "../../records/parse.ts";
import type { ReviewStatus } from "../../store/production.ts";
import type {
  MonitorResponse,
  MonitorSummary,
  MonitorsResponse,
  RecordDetailResponse,
} from "../api-types.ts";
import { BadRequest, intParam, jsonBody, labellerName } from "../http.ts";
import { receiveBody } from "../push/receive.ts";
import { requireBearer } from "../security.ts";
import type { RouteContext } from "./context.ts";

/**
 * The production side of the API.
 *
 * Ingest (only on `assay serve`, Bearer token): `POST /v1/records` takes a JSON array or JSON
 * Lines of records; `POST /v1/traces` takes OTLP/HTTP JSON traces (records/otlp.ts maps the GenAI
 * conventions). A body is checked whole before anything is written: one bad record or span is a
 * 400 naming the field, and nothing of the request is stored.
 *
 * Reading (the web app): monitors with their latest pass, a record with its scores and reviews,
 * and `POST /api/records/:id/flag`, a person sending a record to the review queue.
 */

export interface IngestRouteOptions {
  token: string;
  maxBytes: number;
}

async function bodyText(req: Request, maxBytes: number, expected: string): Promise<string> {
  const body = await receiveBody(req, maxBytes, expected);
  try {
    return await readFile(body.file, "utf8");
  } finally {
    await body.remove();
  }
}

function badRecord(err: unknown): never {
  if (err instanceof RecordError) throw new BadRequest(err.describe(), 400, { field: err.field });
  throw err;
}

export function ingestRoutes(app: Hono, { store }: RouteContext, opts: IngestRouteOptions): void {
  app.post("/v1/records", requireBearer(opts.token), async (c) => {
    const text = await bodyText(c.req.raw, opts.maxBytes, "send a JSON array of records, or JSON Lines");
    let records: ReturnType<typeof parseRecordsBody>;
    try {
      records = parseRecordsBody(text, "api");
    } catch (err) {
      badRecord(err);
    }
    const result = await store.production.putRecords(records, new Date().toISOString());
    return c.json({ received: records.length, ...result });
  });

  app.post("/v1/traces", requireBearer(opts.token), async (c) => {
    // a protobuf body is refused by the server's guard (security.ts), which says how to switch
    const text = await bodyText(
      c.req.raw,
      opts.maxBytes,
      "send OTLP/HTTP JSON traces ({resourceSpans: [...]})",
    );
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (err) {
      throw new BadRequest(`the body is not JSON: ${(err as Error).message}`);
    }
    let mapping: ReturnType<typeof mapOtlpTraces>;
    try {
      mapping = mapOtlpTraces(payload);
    } catch (err) {
      badRecord(err);
    }
    await store.production.putRecords(mapping.records, new Date().toISOString());
    // the OTLP response (ExportTraceServiceResponse): empty on success, partialSuccess otherwise
    if (mapping.orphans === 0) return c.json({});
    return c.json({
      partialSuccess: {
        rejectedSpans: String(mapping.orphans),
        errorMessage: `${mapping.orphans} GenAI span(s) had no chat or agent span above them in this request; export whole traces together`,
      },
    });
  });
}

const REVIEW_STATUSES = new Set(["pending", "confirmed", "dismissed", "promoted"]);

export function productionRoutes(app: Hono, { store }: RouteContext): void {
  const production = store.production;

  app.get("/api/monitors", async (c) => {
    const monitors = await production.listMonitors();
    const out: MonitorSummary[] = [];
    for (const m of monitors) {
      const open = await production.listAlerts(m.monitor, { open: true });
      const pending = await production.listReviews({ monitor: m.monitor, status: "pending" });
      const latest = await production.getMonitorReport(m.monitor);
      const report = latest?.report as Partial<MonitorReport> | undefined;
      out.push({
        ...m,
        openAlerts: open.length,
        pendingReviews: pending.length,
        ...(report?.suite ? { suite: report.suite } : {}),
        ...(Array.isArray(report?.dimensions) ? { dimensions: report.dimensions } : {}),
        ...(Array.isArray(report?.windows) ? { windows: report.windows.length } : {}),
        ...(report?.totals ? { scored: report.totals.scored } : {}),
        ...(report?.reference ? { referenceComplete: report.reference.complete } : {}),
      });
    }
    const body: MonitorsResponse = { monitors: out };
    return c.json(body);
  });

  app.get("/api/monitors/:name", async (c) => {
    const name = c.req.param("name");
    const latest = await production.getMonitorReport(name);
    if (!latest) return c.json({ error: `no monitor "${name}" has run in this store` }, 404);
    const alerts = await production.listAlerts(name);
    const pending = await production.listReviews({ monitor: name, status: "pending" });
    const body: MonitorResponse = {
      report: latest.report as MonitorReport,
      updatedAt: latest.updatedAt,
      alerts,
      pendingReviews: pending.length,
    };
    return c.json(body);
  });

  app.get("/api/monitors/:name/reviews", async (c) => {
    const status = c.req.query("status") ?? "pending";
    if (!REVIEW_STATUSES.has(status))
      throw new BadRequest("status: pending, confirmed, dismissed or promoted");
    const reviews = await production.listReviews({
      monitor: c.req.param("name"),
      status: status as ReviewStatus,
    });
    return c.json({ reviews });
  });

  app.get("/api/records", async (c) => {
    const monitor = c.req.query("monitor");
    const records = await production.listRecords({
      ...(monitor ? { monitor } : {}),
      limit: intParam(c.req.query("limit"), "limit", 50, 500),
      offset: intParam(c.req.query("offset"), "offset", 0),
    });
    return c.json({ records });
  });

  app.get("/api/records/:id", async (c) => {
    const id = c.req.param("id");
    const record = await production.getRecord(id);
    if (!record) return c.json({ error: `no record "${id}"` }, 404);
    const monitors = await production.listMonitors();
    const scores = [];
    for (const m of monitors)
      scores.push(...(await production.listRecordScores(m.monitor, { recordId: id })));
    const reviews = await production.listReviews({ recordId: id });
    const body: RecordDetailResponse = { record, scores, reviews };
    return c.json(body);
  });

  app.post("/api/records/:id/flag", async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody<{ monitor: string; note: string; by: string }>(c.req);
    const by = labellerName(body.by);
    if (typeof body.monitor !== "string" || body.monitor === "")
      throw new BadRequest("monitor: which monitor's queue");
    if (!(await production.getRecord(id))) return c.json({ error: `no record "${id}"` }, 404);
    const note = typeof body.note === "string" ? body.note.slice(0, 2000) : undefined;
    const added = await production.addReview({
      recordId: id,
      monitor: body.monitor,
      reason: "person",
      status: "pending",
      by,
      createdAt: new Date().toISOString(),
      ...(note ? { detail: note } : {}),
    });
    return c.json({ added }, added ? 201 : 200);
  });
}
