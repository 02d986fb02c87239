import { calibrationStatus } from "../calibrate/stored.ts";
import type { FieldPath, LoadedSuite } from "../config/load.ts";
import { buildScorecard } from "../scorecard/build.ts";
import { caseResults } from "../scorecard/case-results.ts";
import { RunNotFoundError, resolveRun } from "../store/resolve.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { knownKeysAt } from "../util/zod-keys.ts";
import { type CompareOptions, compareRuns, type RunRows } from "./compare.ts";
import { evaluateGate, type GateResult } from "./gate.ts";
import { type GateConfig, gateSchema } from "./gate-config.ts";
import type { Comparison } from "./types.ts";

export async function loadRunRows(store: Store, run: RunRecord): Promise<RunRows> {
  const [cases, outputs, scores] = await Promise.all([
    store.listCases(run.datasetVersion),
    store.listOutputs(run.id),
    store.listScores(run.id, run.scoreSet),
  ]);
  return { run, cases, outputs, scores };
}

/** Validates the suite's gate block, reporting problems at their line in the suite file. */
export function gateConfigOf(suite: LoadedSuite): GateConfig {
  const parsed = gateSchema.safeParse(suite.config.gate ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ["gate", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    if (issue.code === "unrecognized_keys") {
      // An unknown field is reported at its own key (`gate.maxRegresion`), not at the gate block.
      // The YAML suite's errorAt takes an anchor; a module suite's ignores it.
      const errorAtKey = suite.errorAt as (p: FieldPath, m: string, at?: "key" | "value") => Error;
      const near = didYouMeanSuffix(issue.keys[0], knownKeysAt(gateSchema, issue.path));
      throw errorAtKey(
        [...path, issue.keys[0]],
        `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}${near}`,
        "key",
      );
    }
    throw suite.errorAt(path, issue.message);
  }
  const config = parsed.data;
  const dims = Object.keys(suite.config.dimensions);
  checkGateNames(suite, config, dims);
  config.calibration?.dimensions?.forEach((name, i) => {
    if (!dims.includes(name)) {
      throw suite.errorAt(
        ["gate", "calibration", "dimensions", i],
        `no dimension "${name}" (dimensions: ${dims.join(", ")})`,
      );
    }
  });
  return config;
}

/** Dimension names in floors, maxRegression and gate.dimensions must exist (a typo would gate nothing). */
function checkGateNames(suite: LoadedSuite, config: GateConfig, dims: string[]): void {
  const known = (name: string) => name === "aggregate" || dims.includes(name);
  const noDimension = (path: FieldPath, name: string) =>
    suite.errorAt(path, `no dimension "${name}" (dimensions: ${dims.join(", ")}, or aggregate)`);
  for (const [name, floor] of Object.entries(config.floors ?? {})) {
    if (typeof floor === "number") {
      if (!known(name)) throw noDimension(["gate", "floors", name], name);
      continue;
    }
    if (!name.includes("=")) {
      throw suite.errorAt(
        ["gate", "floors", name],
        `"${name}" takes a floor (a number); per-slice floors are keyed by a slice, "key=value": {dimension: floor}`,
      );
    }
    for (const dim of Object.keys(floor)) {
      if (!known(dim)) throw noDimension(["gate", "floors", name, dim], dim);
    }
  }
  if (typeof config.maxRegression === "object") {
    for (const name of Object.keys(config.maxRegression)) {
      if (name !== "default" && !known(name)) throw noDimension(["gate", "maxRegression", name], name);
    }
  }
  const sel = config.dimensions;
  const lists: Array<[FieldPath, string[]]> = Array.isArray(sel)
    ? [[["gate", "dimensions"], sel]]
    : [
        [["gate", "dimensions", "include"], sel?.include ?? []],
        [["gate", "dimensions", "exclude"], sel?.exclude ?? []],
      ];
  for (const [path, names] of lists) {
    names.forEach((name, i) => {
      if (!known(name)) throw noDimension([...path, i], name);
    });
  }
}

/** The comparison's own limit (it tells `underpowered` from `no-change`): the gate's default one. */
function comparisonLimit(config: GateConfig): number | undefined {
  const m = config.maxRegression;
  return typeof m === "number" ? m : m?.default;
}

/**
 * Finds the baseline run for a candidate: a target id means that target's latest completed run on
 * the candidate's dataset version; anything else is a run reference (id, prefix, tag).
 */
export async function resolveBaseline(
  store: Store,
  ref: string,
  candidate: RunRecord,
  targetIds: string[],
): Promise<RunRecord> {
  if (targetIds.includes(ref)) {
    const runs = await store.listRuns({ suite: candidate.suite, target: ref, status: "completed" });
    const run = runs.find((r) => r.id !== candidate.id && r.datasetVersion === candidate.datasetVersion);
    if (run) return run;
    throw new RunNotFoundError(
      `no completed run of baseline target "${ref}" on dataset ${candidate.datasetVersion}: run \`assay run --target ${ref}\` first`,
    );
  }
  return resolveRun(store, ref, { suite: candidate.suite });
}

/** The candidate when none is named: the newest completed run of the suite that is not a baseline target's. */
export async function defaultCandidate(
  store: Store,
  suite: string,
  baselineTarget?: string,
  baselineRunId?: string,
): Promise<RunRecord> {
  const runs = await store.listRuns({ suite, status: "completed" });
  const run = runs.find((r) => r.target !== baselineTarget && r.id !== baselineRunId);
  if (!run)
    throw new RunNotFoundError(`no completed run of suite "${suite}" to gate: run \`assay run\` first`);
  return run;
}

export interface GateRun {
  gate: GateResult;
  comparison?: Comparison;
}

/** Loads rows, compares with the baseline (when there is one) and applies the gate. */
export async function gateRuns(
  store: Store,
  config: GateConfig,
  candidate: RunRecord,
  baseline: RunRecord | undefined,
  opts: CompareOptions = {},
): Promise<GateRun> {
  const candRows = await loadRunRows(store, candidate);
  const candCard = buildScorecard(candRows);
  const candidateCases = caseResults(candidate, candRows.cases, candRows.outputs, candRows.scores);
  const calibration = config.calibration ? await calibrationStatus(store, candidate) : undefined;
  if (!baseline) return { gate: evaluateGate({ config, candidate: candCard, candidateCases, calibration }) };
  const baseRows = await loadRunRows(store, baseline);
  const comparison = compareRuns(baseRows, candRows, {
    ...opts,
    alpha: config.alpha,
    maxRegression: comparisonLimit(config) ?? opts.maxRegression,
  });
  const gate = evaluateGate({
    config,
    candidate: candCard,
    candidateCases,
    baseline: buildScorecard(baseRows),
    baselineCases: caseResults(baseline, baseRows.cases, baseRows.outputs, baseRows.scores),
    comparison,
    calibration,
  });
  return { gate, comparison };
}
