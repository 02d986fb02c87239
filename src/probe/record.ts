import { randomBytes } from "node:crypto";
import type { ProbeRecord, Store } from "../store/types.ts";
import type { ProbeReport } from "./types.ts";

/**
 * A probe report as a store record, so the web app can chart it later (GET /api/probes/:id). The
 * store keeps the report's JSON as given; `probeReportOf` reads it back as a report.
 */

/** Sortable, readable probe ids: `probe-20261128-123456-api-1a2b` (like run ids). */
export function newProbeId(target: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `probe-${stamp}-${target}-${randomBytes(2).toString("hex")}`;
}

export function probeRecord(report: ProbeReport, suite: string, now = new Date()): ProbeRecord {
  return {
    id: newProbeId(report.target, now),
    suite,
    target: report.target,
    createdAt: now.toISOString(),
    report: report as unknown as Record<string, unknown>,
  };
}

/** Stores a probe report; returns its record (with the id `assay probe` prints). */
export async function saveProbeReport(
  store: Store,
  report: ProbeReport,
  suite: string,
  now = new Date(),
): Promise<ProbeRecord> {
  const record = probeRecord(report, suite, now);
  await store.saveProbe(record);
  return record;
}

/** The report a stored record holds. */
export function probeReportOf(record: ProbeRecord): ProbeReport {
  return record.report as unknown as ProbeReport;
}
