import { resolve } from "node:path";
import { pairPreferences, pairRatings, readRatingsFile } from "../../calibrate/files.ts";
import { isNullVerdict, NULL_VERDICTS, type NullVerdict, pairwiseReport } from "../../calibrate/pairwise.ts";
import { renderCalibration } from "../../calibrate/render.ts";
import { calibrationReport } from "../../calibrate/report.ts";
import { parseScale } from "../../calibrate/scale.ts";
import { calibrateRun, calibrationState, DEFAULT_MIN_LABELS } from "../../calibrate/stored.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";

export interface CalibrateOptions extends GlobalOptions {
  run?: string;
  dimension?: string;
  labeller?: string;
  predictions?: string;
  labels?: string;
  scale?: string;
  json?: string;
  seed?: number;
  resamples?: number;
  thresholdBy?: string;
  store?: boolean;
  /** label pairs needed before a calibration is stored for the gate (default 30) */
  minLabels?: number;
  /** pairwise: how a judge's refusal (blank verdict) counts: wrong | tie | unscored (default) */
  nullVerdict?: string;
}

function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/**
 * `assay calibrate --run RUN --dimension D [--labeller X] [--json FILE]`: a stored evaluator
 * against stored labels (stores a calibration record bound to the evaluator version), or
 * `assay calibrate --predictions FILE --labels FILE --scale S [--json FILE]`: any two files.
 */
export async function calibrateCommand(opts: CalibrateOptions): Promise<number> {
  const fromFiles = opts.predictions !== undefined || opts.labels !== undefined;
  if (fromFiles && opts.run !== undefined) {
    throw usage("give either --run RUN --dimension D, or --predictions FILE --labels FILE, not both");
  }
  if (opts.thresholdBy !== undefined && opts.thresholdBy !== "agreement" && opts.thresholdBy !== "kappa") {
    throw usage(`--threshold-by must be agreement or kappa (got "${opts.thresholdBy}")`);
  }
  const thresholdBy = opts.thresholdBy as "agreement" | "kappa" | undefined;
  if (opts.resamples !== undefined && (!Number.isInteger(opts.resamples) || opts.resamples < 0)) {
    throw usage("--resamples must be a whole number ≥ 0");
  }
  if (opts.seed !== undefined && !Number.isFinite(opts.seed)) throw usage("--seed must be a number");
  if (opts.minLabels !== undefined && (!Number.isInteger(opts.minLabels) || opts.minLabels < 1)) {
    throw usage("--min-labels must be a whole number ≥ 1");
  }
  if (opts.nullVerdict !== undefined && !isNullVerdict(opts.nullVerdict)) {
    throw usage(`--null-verdict must be ${NULL_VERDICTS.join(", ")} (got "${opts.nullVerdict}")`);
  }
  if (fromFiles) return fromFilesCommand(opts, thresholdBy);
  if (opts.nullVerdict !== undefined) {
    throw usage(
      "--null-verdict applies to pairwise calibration (--predictions FILE --labels FILE --scale pairwise)",
    );
  }
  if (opts.run === undefined || opts.dimension === undefined) {
    throw usage(
      "give --run RUN --dimension D (a stored evaluator vs stored labels) or --predictions FILE --labels FILE --scale S",
    );
  }
  const scale = opts.scale ? parseScale(opts.scale) : null;
  const store = await openCliStore(opts);
  try {
    const run = await resolveRun(store, opts.run);
    const { report, record, counts, status, minLabels } = await calibrateRun(store, run, {
      dimension: opts.dimension,
      labeller: opts.labeller,
      scale,
      seed: opts.seed,
      resamples: opts.resamples,
      thresholdBy,
      minLabels: opts.minLabels,
    });
    const wanted = opts.store !== false;
    // Too few labels: the report is shown, but never stored as the gate's calibration.
    const stored = wanted && status === "ok";
    if (stored) await store.putCalibration(record);
    const left = counts.unjudged + counts.unscored;
    process.stdout.write(
      `${renderCalibration(report, `calibration of ${record.evaluator} on "${record.dimension}" · run ${run.id}`)}\n` +
        (left > 0
          ? `\n${left} of ${counts.labels} labels left out (${counts.unjudged} outputs without a score, ${counts.unscored} unscored)\n`
          : "") +
        (stored
          ? `\nstored calibration ${record.id} for ${record.evaluator} (label set ${record.labelSetHash}); the gate's calibration rule uses it until the labels change\n`
          : ""),
    );
    if (opts.json) {
      writeJson(opts.json, {
        ...report,
        status,
        minLabels,
        source: {
          run: run.id,
          dimension: record.dimension,
          evaluator: record.evaluator,
          labeller: opts.labeller ?? null,
        },
        counts,
        calibration: stored
          ? {
              id: record.id,
              evaluator: record.evaluator,
              labelSetHash: record.labelSetHash,
              createdAt: record.createdAt,
            }
          : null,
      });
    }
    if (wanted && status === "insufficient") {
      throw usage(
        `not stored: ${report.n} label pairs is below the minimum of ${minLabels} for a calibration (insufficient); ` +
          `the gate treats ${record.evaluator} as uncalibrated. Label more outputs, or pass --min-labels N to accept fewer (or --no-store to only look)`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function fromFilesCommand(
  opts: CalibrateOptions,
  thresholdBy?: "agreement" | "kappa",
): Promise<number> {
  if (opts.predictions === undefined || opts.labels === undefined) {
    throw usage("--predictions FILE and --labels FILE go together");
  }
  if (opts.scale === undefined) {
    throw usage(
      "--scale is required with --predictions/--labels (binary, nominal, pairwise, 1-5, 0-10, ordinal:a,b,c, …)",
    );
  }
  if (opts.dimension !== undefined || opts.labeller !== undefined) {
    throw usage(
      "--dimension and --labeller apply to --run; a labels file names its labellers in a labeller column",
    );
  }
  const scale = parseScale(opts.scale);
  const predictionsFile = resolve(opts.predictions);
  const labelsFile = resolve(opts.labels);
  const predictions = await readRatingsFile(predictionsFile, "predictions", scale);
  const labels = await readRatingsFile(labelsFile, "labels", scale);
  const common = { seed: opts.seed, resamples: opts.resamples };
  const minLabels = opts.minLabels ?? DEFAULT_MIN_LABELS;
  let output: Record<string, unknown>;
  let text: string;
  const title = `calibration of ${opts.predictions} against ${opts.labels}`;
  if (scale.kind === "pairwise") {
    const { items, humanLabels, counts } = pairPreferences(predictions, labels);
    if (items.length === 0) throw usage(noPairs(counts));
    const nullVerdict = (opts.nullVerdict ?? "unscored") as NullVerdict;
    const report = pairwiseReport(items, { ...common, humanLabels, nullVerdict });
    const status = calibrationState(report.n, minLabels);
    // refusals are not left out: the report counts them under its --null-verdict convention
    text =
      renderCalibration(report, title) +
      leftOut({ ...counts, unscored: 0 }) +
      insufficient(status, report.n, minLabels);
    output = {
      ...report,
      status,
      minLabels,
      source: { predictions: predictionsFile, labels: labelsFile },
      counts,
    };
  } else {
    if (opts.nullVerdict !== undefined) {
      throw usage(`--null-verdict applies to --scale pairwise (this scale is ${scale.kind})`);
    }
    const { pairs, humanLabels, counts } = pairRatings(predictions, labels);
    if (pairs.length === 0) throw usage(noPairs(counts));
    const report = calibrationReport(pairs, { ...common, scale, humanLabels, thresholdBy });
    const status = calibrationState(report.n, minLabels);
    text = renderCalibration(report, title) + leftOut(counts) + insufficient(status, report.n, minLabels);
    output = {
      ...report,
      status,
      minLabels,
      source: { predictions: predictionsFile, labels: labelsFile },
      counts,
    };
  }
  process.stdout.write(`${text}\n`);
  if (opts.json) writeJson(opts.json, output);
  return EXIT.ok;
}

function insufficient(status: string, n: number, minLabels: number): string {
  return status === "insufficient"
    ? `\n\ninsufficient: ${n} label pairs is below the minimum of ${minLabels} (--min-labels); treat these figures as indicative only`
    : "";
}

function noPairs(c: { predictions: number; labels: number; unjudged: number; unscored: number }): string {
  return `no label has a matching prediction (${c.labels} labels, ${c.predictions} predictions; ${c.unjudged} labels without a prediction, ${c.unscored} unscored): do the files use the same ids?`;
}

function leftOut(c: { labels: number; unjudged: number; unscored: number; unlabelled: number }): string {
  const parts: string[] = [];
  if (c.unjudged > 0) parts.push(`${c.unjudged} labels without a prediction`);
  if (c.unscored > 0) parts.push(`${c.unscored} labels whose prediction is blank (unscored)`);
  if (c.unlabelled > 0) parts.push(`${c.unlabelled} predicted items nobody labelled`);
  return parts.length > 0 ? `\n\nleft out: ${parts.join(", ")}` : "";
}
