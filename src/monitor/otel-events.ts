import type { RecordScore } from "../store/production.ts";

/**
 * Online scores as OpenTelemetry `gen_ai.evaluation.result` events (GenAI semantic conventions,
 * development status), sent as OTLP/HTTP JSON log records to a collector's `/v1/logs`. Each
 * event carries `gen_ai.evaluation.name` (the dimension), `gen_ai.evaluation.score.value`,
 * `gen_ai.evaluation.score.label` (pass, fail or unscored), `gen_ai.evaluation.explanation` (the
 * evaluator's reason) and `gen_ai.response.id` when the record has one. A record ingested from
 * OTLP (id `TRACE:SPAN`) puts the event in its span's trace, so a tracing UI shows the score
 * beside the call it judged.
 */

export interface OtlpExportTarget {
  endpoint: string;
  headers?: Record<string, string>;
}

type AnyValue = { stringValue: string } | { doubleValue: number };

function attr(key: string, value: string | number): { key: string; value: AnyValue } {
  return { key, value: typeof value === "number" ? { doubleValue: value } : { stringValue: value } };
}

export function evaluationLogRecord(
  score: RecordScore,
  extra: { responseId?: string; evaluator?: string } = {},
): Record<string, unknown> {
  const attributes = [
    attr("event.name", "gen_ai.evaluation.result"),
    attr("gen_ai.evaluation.name", score.dimension),
    attr(
      "gen_ai.evaluation.score.label",
      score.passed === null ? "unscored" : score.passed ? "pass" : "fail",
    ),
    attr("gen_ai.evaluation.explanation", score.reason.slice(0, 2000)),
    attr("assay.monitor", score.monitor),
    attr("assay.record.id", score.recordId),
    attr("assay.evaluator", score.evaluator),
  ];
  if (score.score !== null) attributes.push(attr("gen_ai.evaluation.score.value", score.score));
  if (extra.responseId) attributes.push(attr("gen_ai.response.id", extra.responseId));
  const ms = Date.parse(score.recordTime);
  const record: Record<string, unknown> = {
    timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
    observedTimeUnixNano: `${BigInt(Number.isFinite(ms) ? ms : Date.now()) * 1_000_000n}`,
    eventName: "gen_ai.evaluation.result",
    severityNumber: 9,
    severityText: "INFO",
    attributes,
  };
  const m = /^([0-9a-f]{32}):([0-9a-f]{16})$/.exec(score.recordId);
  if (m) {
    record.traceId = m[1];
    record.spanId = m[2];
  }
  return record;
}

export function evaluationEventsPayload(records: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: { attributes: [attr("service.name", "assay")] },
        scopeLogs: [{ scope: { name: "assay.monitor" }, logRecords: records }],
      },
    ],
  };
}

/** Sends one batch of events; a collector that is down fails the call (the caller reports it). */
export async function exportEvaluationEvents(
  target: OtlpExportTarget,
  records: Array<Record<string, unknown>>,
): Promise<void> {
  if (records.length === 0) return;
  const res = await fetch(target.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", ...(target.headers ?? {}) },
    body: JSON.stringify(evaluationEventsPayload(records)),
    redirect: "error",
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`the OTLP endpoint answered HTTP ${res.status}`);
}
