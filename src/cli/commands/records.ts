import { resolve } from "node:path";
import { promoteRecords } from "../../monitor/promote.ts";
import type { RecordReview, ReviewStatus } from "../../store/production.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, suiteFileFor } from "../io.ts";

/**
 * `assay records …`: the production records and their review queue. `review` lists it, `flag`
 * adds a record a person found (reason person), `confirm` and `dismiss` decide, `promote` turns
 * the confirmed ones into regression cases (see monitor/promote.ts).
 */

export interface RecordsOptions extends GlobalOptions {
  suite?: string;
  monitor?: string;
  json?: boolean;
}

const REVIEW_STATUSES: ReviewStatus[] = ["pending", "confirmed", "dismissed", "promoted"];

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export async function recordsListCommand(opts: RecordsOptions & { limit?: number }): Promise<number> {
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const records = await store.production.listRecords({
      ...(opts.monitor ? { monitor: opts.monitor } : {}),
      limit: opts.limit ?? 20,
    });
    const text = records
      .map((r) => {
        const out = typeof r.output === "string" ? r.output : JSON.stringify(r.output);
        return `${r.time}  ${r.id}  ${out.replace(/\s+/g, " ").slice(0, 80)}`;
      })
      .join("\n");
    print(opts.json, records, records.length === 0 ? "no records" : text);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function recordsReviewCommand(opts: RecordsOptions & { status?: string }): Promise<number> {
  const status = (opts.status ?? "pending") as ReviewStatus;
  if (!REVIEW_STATUSES.includes(status)) {
    throw new CliError(`--status: one of ${REVIEW_STATUSES.join(", ")}`, EXIT.usage);
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const reviews = await store.production.listReviews({
      ...(opts.monitor ? { monitor: opts.monitor } : {}),
      status,
    });
    const text = reviews
      .map(
        (r) => `${r.createdAt}  ${r.monitor}  ${r.recordId}  ${r.reason}${r.detail ? `: ${r.detail}` : ""}`,
      )
      .join("\n");
    print(opts.json, reviews, reviews.length === 0 ? `no ${status} reviews` : text);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function requireMonitor(opts: RecordsOptions): string {
  if (!opts.monitor) throw new CliError("--monitor NAME: which monitor's queue", EXIT.usage);
  return opts.monitor;
}

export async function recordsFlagCommand(
  id: string,
  opts: RecordsOptions & { note?: string; by?: string },
): Promise<number> {
  const monitor = requireMonitor(opts);
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    if (!(await store.production.getRecord(id)))
      throw new CliError(`no record "${id}" in this store`, EXIT.usage);
    const review: RecordReview = {
      recordId: id,
      monitor,
      reason: "person",
      status: "pending",
      createdAt: new Date().toISOString(),
    };
    if (opts.note) review.detail = opts.note;
    if (opts.by) review.by = opts.by;
    const added = await store.production.addReview(review);
    print(
      opts.json,
      { added },
      added ? `queued ${id} for review` : `${id} is already in ${monitor}'s review queue`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function recordsDecideCommand(
  ids: string[],
  decision: "confirmed" | "dismissed",
  opts: RecordsOptions & { by?: string },
): Promise<number> {
  const monitor = requireMonitor(opts);
  if (!opts.by)
    throw new CliError("--by NAME: who decided (kept as the promoted case's provenance)", EXIT.usage);
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const missing: string[] = [];
    for (const id of ids) {
      const ok = await store.production.updateReview(id, monitor, {
        status: decision,
        by: opts.by,
        decidedAt: new Date().toISOString(),
      });
      if (!ok) missing.push(id);
    }
    if (missing.length > 0) {
      throw new CliError(`not in ${monitor}'s review queue: ${missing.join(", ")}`, EXIT.usage);
    }
    print(opts.json, { [decision]: ids }, `${decision} ${ids.length} record${ids.length === 1 ? "" : "s"}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function recordsPromoteCommand(
  opts: RecordsOptions & { to: string; similarity?: number; by?: string },
): Promise<number> {
  const monitor = requireMonitor(opts);
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const reviews = await store.production.listReviews({ monitor, status: "confirmed" });
    const result = await promoteRecords({
      store: store.production,
      reviews,
      file: resolve(opts.to),
      ...(opts.similarity !== undefined ? { similarity: opts.similarity } : {}),
      ...(opts.by ? { by: opts.by } : {}),
    });
    const lines = [
      `promoted ${result.promoted.length} confirmed record${result.promoted.length === 1 ? "" : "s"} to ${opts.to}`,
      ...result.promoted.map((p) => `  + ${p.caseId} (record ${p.recordId}, line ${p.line})`),
      ...result.refused.map(
        (r) =>
          `  refused ${r.recordId}: a near-duplicate of ${r.similarTo} (similarity ${r.similarity.toFixed(2)}); it stays confirmed`,
      ),
    ];
    print(opts.json, result, lines.join("\n"));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
