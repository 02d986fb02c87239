import type { Hono } from "hono";
import { probeReportOf } from "../../probe/record.ts";
import type { ProbeRecord } from "../../store/types.ts";
import type { ProbeResponse, ProbeSummary, ProbesResponse } from "../api-types.ts";
import { BadRequest, intParam } from "../http.ts";
import type { RouteContext } from "./context.ts";

/** Probes listed at most per request (newest first). */
const MAX_LISTED = 1000;

function summaryOf(record: ProbeRecord): ProbeSummary {
  const report = probeReportOf(record);
  const rate = report.mode === "rate";
  const steps = Array.isArray(report.steps) ? report.steps : [];
  const summary: ProbeSummary = {
    id: record.id,
    suite: record.suite,
    target: record.target,
    createdAt: record.createdAt,
    mode: report.mode,
    steps: steps.map((s) => (rate ? (s.rate ?? s.concurrency) : s.concurrency)),
    requests: report.requests,
    knee: (rate ? report.knee?.rate : report.knee?.concurrency) ?? null,
    recommended: (rate ? report.recommendation?.rate : report.recommendation?.concurrency) ?? null,
  };
  if (report.stoppedEarly) summary.stoppedEarly = report.stoppedEarly;
  return summary;
}

/** Stored `assay probe` reports: the list, and one report for its chart. */
export function probeRoutes(app: Hono, { store }: RouteContext): void {
  app.get("/api/probes", async (c) => {
    const records = await store.listProbes({
      suite: c.req.query("suite") || undefined,
      target: c.req.query("target") || undefined,
      limit: intParam(c.req.query("limit"), "limit", MAX_LISTED, MAX_LISTED) || MAX_LISTED,
    });
    const body: ProbesResponse = { probes: records.map(summaryOf) };
    return c.json(body);
  });

  app.get("/api/probes/:id", async (c) => {
    const record = await store.getProbe(c.req.param("id"));
    if (!record) throw new BadRequest(`no probe "${c.req.param("id")}"`, 404);
    const body: ProbeResponse = {
      id: record.id,
      suite: record.suite,
      target: record.target,
      createdAt: record.createdAt,
      report: probeReportOf(record),
    };
    return c.json(body);
  });
}
