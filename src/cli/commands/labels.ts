import { resolve } from "node:path";
import { parseScale } from "../../calibrate/scale.ts";
import { exportLabels } from "../../labels/export.ts";
import { importLabels } from "../../labels/import.ts";
import { isLabelKind, LABEL_KINDS } from "../../labels/values.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, suiteFileFor, writeOutput } from "../io.ts";

export interface LabelsImportOptions extends GlobalOptions {
  run: string;
  dimension?: string;
  labeller?: string;
  kind?: string;
  otherRun?: string;
  scale?: string;
}

/** `assay labels import FILE --run RUN [--dimension D] [--labeller NAME] [--kind K]` */
export async function labelsImportCommand(file: string, opts: LabelsImportOptions): Promise<number> {
  if (opts.kind !== undefined && !isLabelKind(opts.kind)) {
    throw new CliError(`--kind must be one of ${LABEL_KINDS.join(", ")} (got "${opts.kind}")`, EXIT.usage);
  }
  const scale = opts.scale ? parseScale(opts.scale) : null;
  // labels belong to a stored run: a missing store is a wrong folder, never a store to create
  const store = await openCliStore(opts, undefined, { mustExist: true });
  try {
    const run = await resolveRun(store, opts.run);
    const other = opts.otherRun ? await resolveRun(store, opts.otherRun) : undefined;
    const result = await importLabels(store, {
      run,
      file: resolve(file),
      dimension: opts.dimension,
      labeller: opts.labeller,
      kind: opts.kind as Parameters<typeof importLabels>[1]["kind"],
      otherRunId: other?.id,
      scale,
    });
    const dims = Object.entries(result.byDimension)
      .map(([d, n]) => `${d} ${n}`)
      .join(", ");
    process.stdout.write(
      `imported ${result.added.length} labels into run ${run.id} (${dims}) from ${file}` +
        ` · labellers: ${result.labellers.join(", ")}` +
        (result.superseding > 0 ? ` · ${result.superseding} replace earlier labels (history kept)` : "") +
        "\n",
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export interface LabelsExportOptions extends GlobalOptions {
  run: string;
  format?: string;
  history?: boolean;
  dimension?: string;
  labeller?: string;
  out?: string;
  /** suite file or folder whose store holds the run (default: the suite here) */
  suite?: string;
}

/** `assay labels export --run RUN [--format csv|jsonl] [--history] [--out FILE]` */
export async function labelsExportCommand(opts: LabelsExportOptions): Promise<number> {
  const format = opts.format ?? "csv";
  if (format !== "csv" && format !== "jsonl") {
    throw new CliError(`--format must be csv or jsonl (got "${format}")`, EXIT.usage);
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const run = await resolveRun(store, opts.run);
    const labels = await store.listLabels({
      runId: run.id,
      dimension: opts.dimension,
      labeller: opts.labeller,
      history: opts.history === true,
    });
    const text = exportLabels(labels, format, opts.history === true);
    if (opts.out) {
      writeOutput(opts.out, text);
      process.stderr.write(`wrote ${labels.length} labels to ${opts.out}\n`);
    } else process.stdout.write(text);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
