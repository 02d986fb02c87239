import { randomInt } from "node:crypto";
import { parseScale, scaleFromConfig } from "../../calibrate/scale.ts";
import { buildQueue } from "../../labels/queue.ts";
import { isLabelKind, LABEL_KINDS, type LabelKind } from "../../labels/values.ts";
import { table } from "../../report/format.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";

export interface ReviewCreateOptions extends GlobalOptions {
  run: string;
  dimension: string;
  sample?: number;
  stratifyBy?: string;
  pairwise?: string;
  labellers?: string;
  overlap?: number;
  seed?: string;
  kind?: string;
  scale?: string;
  json?: string;
}

function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/**
 * `assay review create --run RUN --dimension D [--sample N --stratify-by TAG] [--pairwise RUN]
 * [--labellers a,b] [--overlap 0.2] [--seed S]`: a seeded review queue for the web app.
 */
export async function reviewCreateCommand(opts: ReviewCreateOptions): Promise<number> {
  if (opts.sample !== undefined && (!Number.isInteger(opts.sample) || opts.sample < 1)) {
    throw usage("--sample must be a whole number ≥ 1");
  }
  const labellers = (opts.labellers ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (new Set(labellers).size !== labellers.length) throw usage("--labellers lists a name twice");
  if (opts.overlap !== undefined && !(opts.overlap >= 0 && opts.overlap <= 1)) {
    throw usage("--overlap must be a share between 0 and 1 (e.g. 0.2)");
  }
  if (opts.overlap !== undefined && opts.overlap > 0 && labellers.length < 2) {
    throw usage("--overlap needs at least two --labellers (overlap items go to two people)");
  }
  if (opts.kind !== undefined && !isLabelKind(opts.kind)) {
    throw usage(`--kind must be one of ${LABEL_KINDS.join(", ")} (got "${opts.kind}")`);
  }
  if (opts.kind === "pairwise" && !opts.pairwise) throw usage("--kind pairwise needs --pairwise OTHER_RUN");
  // without a seed, pick one and print it so the queue can be rebuilt
  const seed = opts.seed ?? String(randomInt(1, 2 ** 31));
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, opts.run);
    const dim = run.dimensions[opts.dimension];
    if (!dim) {
      throw usage(
        `run ${run.id} has no dimension "${opts.dimension}" (dimensions: ${Object.keys(run.dimensions).join(", ")})`,
      );
    }
    const other = opts.pairwise ? await resolveRun(store, opts.pairwise) : undefined;
    if (other && other.id === run.id) throw usage("--pairwise needs another run than --run");
    const [cases, outputs, otherOutputs] = await Promise.all([
      store.listCases(run.datasetVersion),
      store.listOutputs(run.id),
      other ? store.listOutputs(other.id) : Promise.resolve([]),
    ]);
    if (
      opts.stratifyBy &&
      !cases.some((c) => opts.stratifyBy !== undefined && c.tags[opts.stratifyBy] !== undefined)
    ) {
      const keys = [...new Set(cases.flatMap((c) => Object.keys(c.tags)))].sort();
      throw usage(
        `no case of run ${run.id} has the tag "${opts.stratifyBy}" (tags: ${keys.join(", ") || "none"})`,
      );
    }
    const configured = scaleFromConfig(dim.with?.scale);
    const explicit = opts.scale ? parseScale(opts.scale) : null;
    const kind: LabelKind = other
      ? "pairwise"
      : ((opts.kind as LabelKind | undefined) ??
        explicit?.kind ??
        (configured?.kind === "ordinal" ? "ordinal" : "binary"));
    const scale = explicit ?? (kind === "ordinal" ? configured : null);
    const scaleValues =
      scale?.values && kind === "ordinal" && scale.values.every((v) => typeof v === "number")
        ? [scale.values[0], scale.values[scale.values.length - 1]]
        : (scale?.values ?? undefined);
    const overlap = opts.overlap ?? (labellers.length >= 2 ? 0.2 : 0);
    const summary = buildQueue({
      run,
      cases,
      outputs,
      dimension: opts.dimension,
      kind,
      scale: scaleValues,
      other: other ? { run: other, outputs: otherOutputs } : undefined,
      sample: opts.sample,
      stratifyBy: opts.stratifyBy,
      labellers,
      overlap,
      seed,
    });
    if (summary.queue.items.length === 0) {
      throw usage(
        `run ${run.id} has no output to review${other ? ` that ${other.id} also has` : ""} (errored outputs are left out)`,
      );
    }
    await store.createQueue(summary.queue);
    const q = summary.queue;
    const lines = [
      `created review queue ${q.id}: ${q.items.length} of ${summary.eligible} outputs of run ${run.id}, dimension "${q.dimension}" (${q.kind}${q.otherRunId ? ` vs run ${q.otherRunId}` : ""}), seed ${seed}`,
    ];
    if (summary.strata) {
      lines.push(
        "",
        `stratified by ${opts.stratifyBy}:`,
        table(
          Object.entries(summary.strata).map(([k, [take, of]]) => [k, String(take), String(of)]),
          [opts.stratifyBy ?? "", "sampled", "of"],
        ),
      );
    }
    if (labellers.length > 0) {
      lines.push(
        "",
        `labellers: ${Object.entries(summary.load)
          .map(([l, n]) => `${l} ${n}`)
          .join(", ")} · ${summary.overlapItems} overlap items labelled by two (human–human agreement)`,
      );
    }
    if (q.otherRunId) {
      const swapped = q.items.filter((i) => i.swapped).length;
      lines.push(
        `presentation order randomised: ${swapped} of ${q.items.length} show the other run's output first`,
      );
    }
    lines.push("", `review it at /review/${q.id} (assay view)`);
    process.stdout.write(`${lines.join("\n")}\n`);
    if (opts.json)
      writeJson(opts.json, {
        ...q,
        seed,
        eligible: summary.eligible,
        strata: summary.strata,
        load: summary.load,
        url: `/review/${q.id}`,
      });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `assay review list`: stored review queues, newest first, with their progress. */
export async function reviewListCommand(opts: GlobalOptions & { json?: boolean }): Promise<number> {
  const store = await openCliStore(opts);
  try {
    const queues = await store.listQueues();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(queues, null, 2)}\n`);
      return EXIT.ok;
    }
    if (queues.length === 0) {
      process.stdout.write("no review queues yet: try `assay review create --run RUN --dimension D`\n");
      return EXIT.ok;
    }
    const rows: string[][] = [];
    for (const q of queues) {
      const labelled = new Set(
        (await store.listLabels({ queueId: q.id })).map((l) => `${l.caseId}\u0000${l.epoch}`),
      );
      const done = q.items.filter((i) => labelled.has(`${i.caseId}\u0000${i.epoch}`)).length;
      rows.push([
        q.id,
        q.runId,
        q.dimension,
        q.kind,
        `${done}/${q.items.length}`,
        q.labellers.join(",") || "anyone",
        `/review/${q.id}`,
      ]);
    }
    process.stdout.write(
      `${table(rows, ["queue", "run", "dimension", "kind", "labelled", "labellers", "url"])}\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
