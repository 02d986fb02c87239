import { randomBytes } from "node:crypto";
import { InputError } from "../config/errors.ts";
import type { Category, Seed } from "../stats/index.ts";
import type {
  CalibrationRecord,
  DimensionRecord,
  LabelRecord,
  RunRecord,
  Store,
  StoredScore,
} from "../store/types.ts";
import { isJudgeKind } from "./judge.ts";
import { labelSetHash } from "./label-set.ts";
import { type CalibrationReport, calibrationReport, type HumanLabel, type RatingPair } from "./report.ts";
import {
  BINARY_SCALE,
  denormalise,
  NOMINAL_SCALE,
  nearestOnScale,
  onScale,
  parseScale,
  type Scale,
  scaleFromConfig,
} from "./scale.ts";

/**
 * Calibration of a stored evaluator against stored human labels, and whether a stored
 * calibration is still current. The only part of calibrate/ that reads the store.
 */

/** Bad input for a calibration (no labels, mixed kinds, unknown scale): the CLI exits 2. */
export class CalibrationInputError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "CalibrationInputError";
  }
}

/** The judge's rating of one output on the scale, or null when it was unscored or cannot be mapped. */
export function judgeRating(score: StoredScore, scale: Scale, threshold: number): Category | null {
  if (score.score === null) return null;
  if (scale.kind === "binary") {
    const passed = score.passed ?? score.score >= threshold;
    return passed ? 1 : 0;
  }
  const d = score.details ?? {};
  if (scale.kind === "nominal") {
    for (const key of ["label", "category", "verdict", "value", "rawScore"]) {
      const v = d[key];
      if ((typeof v === "string" || typeof v === "number") && onScale(scale, v)) return v;
    }
    return null;
  }
  if (scale.kind !== "ordinal" || !scale.values) return null;
  const values = scale.values;
  const numeric = values.every((v) => typeof v === "number");
  const raw = rawScoreOf(d);
  if (raw !== null) {
    if (typeof raw === "string") return values.includes(raw) ? raw : null;
    if (numeric) return nearestOnScale(values as number[], raw);
  }
  if (numeric) return denormalise(scale, score.score);
  // categories: the normalised score picks a position on the scale
  const i = Math.round(Math.min(1, Math.max(0, score.score)) * (values.length - 1));
  return values[i];
}

/**
 * `details.rawScore` (or `raw`, `rating`), else the mean of the numbers in `details.rawScores`
 * (what llm-judge stores: one raw verdict per sample) or `details.scores`.
 */
function rawScoreOf(d: Record<string, unknown>): number | string | null {
  for (const key of ["rawScore", "raw", "rating"]) {
    const v = d[key];
    if (typeof v === "number" && Number.isFinite(v)) return v;
    if (typeof v === "string" && v.trim() !== "") {
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    }
  }
  for (const key of ["rawScores", "scores"]) {
    const list = d[key];
    if (!Array.isArray(list)) continue;
    const nums = list.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    if (nums.length > 0) return nums.reduce((a, b) => a + b, 0) / nums.length;
  }
  return null;
}

/** The scale of a stored calibration: --scale, else the dimension's `with.scale`, a judge's `details.scale`, or the labels. */
export function resolveScale(
  kind: LabelRecord["kind"],
  explicit: Scale | null,
  dimension: DimensionRecord,
  scores: StoredScore[],
  labels: LabelRecord[],
): Scale {
  if (explicit) {
    if (explicit.kind !== kind) {
      throw new CalibrationInputError(
        `--scale ${explicit.name} is ${explicit.kind} but the labels are ${kind}`,
      );
    }
    return explicit;
  }
  if (kind === "binary") return BINARY_SCALE;
  if (kind === "nominal") return NOMINAL_SCALE;
  const configured = scaleFromConfig(dimension.with?.scale);
  if (configured && configured.kind === "ordinal") return configured;
  for (const s of scores) {
    const fromJudge = scaleFromConfig(s.details?.scale);
    if (fromJudge && fromJudge.kind === "ordinal") return fromJudge;
  }
  const nums = labels.map((l) => l.value).filter((v): v is number => typeof v === "number");
  for (const s of scores) {
    const raw = rawScoreOf(s.details ?? {});
    if (typeof raw === "number") nums.push(raw);
  }
  if (nums.length > 0 && nums.every(Number.isInteger)) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    if (hi > lo) return parseScale(`${lo}-${hi}`);
  }
  throw new CalibrationInputError(
    "cannot tell the ordinal scale: pass --scale (e.g. --scale 1-5) or set with.scale on the dimension",
  );
}

/**
 * Fewer label pairs than this and a calibration is `insufficient`: its kappa and alpha are too
 * noisy to vouch for a judge (with 30 pairs a kappa's 95% interval is still about ±0.3 wide), so
 * `assay calibrate` does not store it and the gate treats the judge as uncalibrated.
 */
export const DEFAULT_MIN_LABELS = 30;

export type CalibrationState = "ok" | "insufficient";

/** Whether `n` label pairs are enough for a calibration the gate may rely on. */
export function calibrationState(n: number, minLabels = DEFAULT_MIN_LABELS): CalibrationState {
  return n >= minLabels ? "ok" : "insufficient";
}

export interface RunCalibrationOptions {
  dimension: string;
  /** label pairs needed for status `ok` (default DEFAULT_MIN_LABELS) */
  minLabels?: number;
  labeller?: string;
  scale?: Scale | null;
  seed?: Seed;
  resamples?: number;
  thresholdBy?: "agreement" | "kappa";
  now?: Date;
}

export interface RunCalibration {
  report: CalibrationReport;
  record: CalibrationRecord;
  /** `insufficient` below `minLabels` label pairs: not to be stored as the gate's calibration */
  status: CalibrationState;
  minLabels: number;
  /** labels left out: no judge score for that output, or the judge's score was unscored / unmappable */
  counts: { labels: number; unjudged: number; unscored: number };
}

/** Calibrates a run's evaluator on one dimension against the run's current human labels. Stores nothing. */
export async function calibrateRun(
  store: Store,
  run: RunRecord,
  opts: RunCalibrationOptions,
): Promise<RunCalibration> {
  const dim = run.dimensions[opts.dimension];
  if (!dim) {
    throw new CalibrationInputError(
      `run ${run.id} has no dimension "${opts.dimension}" (dimensions: ${Object.keys(run.dimensions).join(", ")})`,
    );
  }
  const labels = await store.listLabels({
    runId: run.id,
    dimension: opts.dimension,
    labeller: opts.labeller,
  });
  if (labels.length === 0) {
    throw new CalibrationInputError(
      `no labels for run ${run.id}, dimension "${opts.dimension}"${opts.labeller ? ` by ${opts.labeller}` : ""}: add some with \`assay labels import\` or a review queue`,
    );
  }
  const kinds = [...new Set(labels.map((l) => l.kind))];
  if (kinds.length > 1) {
    throw new CalibrationInputError(
      `the labels of dimension "${opts.dimension}" mix kinds (${kinds.join(", ")})`,
    );
  }
  const kind = kinds[0];
  if (kind === "pairwise") {
    throw new CalibrationInputError(
      "pairwise labels of a stored run: export the judge's verdicts and use `assay calibrate --predictions FILE --labels FILE --scale pairwise`",
    );
  }
  const [scoreRows, cases] = await Promise.all([
    store.listScores(run.id, run.scoreSet),
    store.listCases(run.datasetVersion),
  ]);
  const scores = scoreRows.filter((s) => s.dimension === opts.dimension);
  const scale = resolveScale(kind, opts.scale ?? null, dim, scores, labels);
  const tagsById = new Map(cases.map((c) => [c.id, c.tags]));
  const scoreByKey = new Map(scores.map((s) => [`${s.caseId}\u0000${s.epoch}`, s]));
  const itemKey = (caseId: string, epoch: number) => (epoch === 0 ? caseId : `${caseId}#${epoch}`);

  const pairs: RatingPair[] = [];
  const humanLabels: HumanLabel[] = [];
  let unjudged = 0;
  let unscored = 0;
  for (const l of labels) {
    if (!onScale(scale, l.value)) {
      throw new CalibrationInputError(
        `label ${l.id} (${l.caseId}, ${l.labeller}) has value ${JSON.stringify(l.value)}, not on the scale ${scale.name}`,
      );
    }
    humanLabels.push({ item: itemKey(l.caseId, l.epoch), labeller: l.labeller, value: l.value });
    const s = scoreByKey.get(`${l.caseId}\u0000${l.epoch}`);
    if (!s) {
      unjudged++;
      continue;
    }
    const judge = judgeRating(s, scale, dim.threshold);
    if (judge === null) {
      unscored++;
      continue;
    }
    const pair: RatingPair = {
      item: itemKey(l.caseId, l.epoch),
      labeller: l.labeller,
      human: l.value,
      judge,
      tags: tagsById.get(l.caseId) ?? {},
    };
    if (scale.kind === "binary" && s.score !== null) pair.score = s.score;
    pairs.push(pair);
  }
  if (pairs.length === 0) {
    throw new CalibrationInputError(
      `none of the ${labels.length} labelled outputs has a score from ${dim.evaluator} on "${opts.dimension}" (${unjudged} not scored, ${unscored} unscored)`,
    );
  }
  const report = calibrationReport(pairs, {
    scale,
    humanLabels,
    threshold: dim.threshold,
    thresholdBy: opts.thresholdBy,
    seed: opts.seed,
    resamples: opts.resamples,
  });
  const minLabels = opts.minLabels ?? DEFAULT_MIN_LABELS;
  const status = calibrationState(report.n, minLabels);
  const now = (opts.now ?? new Date()).toISOString();
  const record: CalibrationRecord = {
    id: `cal-${now.replace(/[-:.TZ]/g, "").slice(0, 14)}-${randomBytes(3).toString("hex")}`,
    evaluator: dim.evaluator,
    dimension: opts.dimension,
    runId: run.id,
    labelSetHash: labelSetHash(labels),
    n: report.n,
    metrics: {
      ...report,
      status,
      minLabels,
      evaluatorKind: dim.kind,
      labelSet: {
        runId: run.id,
        dimension: opts.dimension,
        labeller: opts.labeller ?? null,
        labels: labels.length,
      },
    },
    createdAt: now,
  };
  return { report, record, status, minLabels, counts: { labels: labels.length, unjudged, unscored } };
}

/** Which labels a stored calibration used, to tell whether it is still current. */
function labelSetOf(
  record: CalibrationRecord,
): { runId: string; dimension: string; labeller?: string } | null {
  const ls = record.metrics.labelSet as
    | { runId?: unknown; dimension?: unknown; labeller?: unknown }
    | undefined;
  const runId = typeof ls?.runId === "string" ? ls.runId : record.runId;
  if (!runId) return null;
  const dimension = typeof ls?.dimension === "string" ? ls.dimension : record.dimension;
  const labeller = typeof ls?.labeller === "string" ? ls.labeller : undefined;
  return { runId, dimension, labeller };
}

export interface DimensionCalibration {
  dimension: string;
  evaluator: string;
  kind: string;
  /** a judge dimension (evaluator kind llm-judge…) */
  judge: boolean;
  /** the newest calibration of this exact evaluator whose label set is unchanged; null when none */
  current: CalibrationRecord | null;
  /** the newest calibration of the evaluator when it is stale (labels changed since) */
  stale: CalibrationRecord | null;
}

/** For every dimension of a run: its evaluator's newest current (and newest stale) calibration. */
export async function calibrationStatus(store: Store, run: RunRecord): Promise<DimensionCalibration[]> {
  const hashes = new Map<string, string>();
  const currentHash = async (set: { runId: string; dimension: string; labeller?: string }) => {
    const key = `${set.runId}\u0000${set.dimension}\u0000${set.labeller ?? ""}`;
    let h = hashes.get(key);
    if (h === undefined) {
      h = labelSetHash(await store.listLabels(set));
      hashes.set(key, h);
    }
    return h;
  };
  const out: DimensionCalibration[] = [];
  for (const [dimension, d] of Object.entries(run.dimensions)) {
    const records = await store.listCalibrations({ evaluator: d.evaluator });
    let current: CalibrationRecord | null = null;
    let stale: CalibrationRecord | null = null;
    for (const r of records) {
      // a record stored as insufficient (too few labels) never vouches for a judge
      if (r.metrics.status === "insufficient") continue;
      const set = labelSetOf(r);
      const ok = set === null || (await currentHash(set)) === r.labelSetHash;
      if (ok) {
        current = r;
        break;
      }
      stale ??= r;
    }
    out.push({ dimension, evaluator: d.evaluator, kind: d.kind, judge: isJudgeKind(d.kind), current, stale });
  }
  return out;
}

/** The current calibration records of a run's evaluators (for the scorecard's `calibrated` marker). */
export async function currentCalibrations(store: Store, run: RunRecord): Promise<CalibrationRecord[]> {
  const status = await calibrationStatus(store, run);
  return status.map((s) => s.current).filter((r): r is CalibrationRecord => r !== null);
}
