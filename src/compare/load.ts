import { calibrationStatus } from "../calibrate/stored.ts";
import type { FieldPath, LoadedSuite } from "../config/load.ts";
import { loadScorecard } from "../scorecard/load.ts";
import { RunNotFoundError, resolveRun } from "../store/resolve.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { knownKeysAt } from "../util/zod-keys.ts";
import { type CaseTable, NO_VERDICT } from "./columns.ts";
import { type CompareOptions, checkComparable, type RunRows } from "./compare.ts";
import { type CaseVerdicts, evaluateGate, type GateResult } from "./gate.ts";
import { type GateConfig, gateSchema } from "./gate-config.ts";
import { compareCaseTables, loadCaseTable } from "./stored.ts";
import type { Comparison } from "./types.ts";

// compareStoredRuns lives in stored.ts (what `assay compare` loads); exported here with the rest.
export { compareStoredRuns, loadCaseTable } from "./stored.ts";

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

/**
 * Compares with the baseline (when there is one) and applies the gate. Each run's rows are read
 * once for its scorecard (streamed, see scorecard/load.ts) and once as columns for the comparison
 * and the regression set; no run is held as row objects.
 */
export async function gateRuns(
  store: Store,
  config: GateConfig,
  candidate: RunRecord,
  baseline: RunRecord | undefined,
  opts: CompareOptions = {},
): Promise<GateRun> {
  if (baseline) checkComparable(baseline, candidate, opts);
  const candCard = await loadScorecard(store, candidate);
  const calibration = config.calibration ? await calibrationStatus(store, candidate) : undefined;
  // The case table is needed for a comparison, or for the regression set's cases.
  const candTable = baseline || config.regressionSet ? await loadCaseTable(store, candidate) : undefined;
  const candidateCases = candTable ? regressionSetCases(config, candTable) : [];
  if (!baseline) return { gate: evaluateGate({ config, candidate: candCard, candidateCases, calibration }) };
  const baseTable = await loadCaseTable(store, baseline);
  const comparison = await compareCaseTables(store, baseTable, candTable as CaseTable, {
    ...opts,
    alpha: config.alpha,
    maxRegression: comparisonLimit(config) ?? opts.maxRegression,
  });
  const members = new Set(candidateCases.map((r) => r.c.id));
  const gate = evaluateGate({
    config,
    candidate: candCard,
    candidateCases,
    baseline: await loadScorecard(store, baseline),
    baselineCases: casesVerdicts(baseTable, (i) => members.has(baseTable.ids[i])),
    comparison,
    calibration,
  });
  return { gate, comparison };
}

/** The candidate's cases the regression-set rule reads: those tagged with its tag (none without one). */
function regressionSetCases(config: GateConfig, table: CaseTable): CaseVerdicts[] {
  const set = config.regressionSet;
  if (!set) return [];
  const eq = set.tag.indexOf("=");
  const key = set.tag.slice(0, eq);
  const value = set.tag.slice(eq + 1);
  return casesVerdicts(table, (i) => table.tags[i][key] === value);
}

/** Each chosen case's verdicts from a case table: what casePasses (gate.ts) reads. */
function casesVerdicts(t: CaseTable, chosen: (i: number) => boolean): CaseVerdicts[] {
  const out: CaseVerdicts[] = [];
  for (let i = 0; i < t.ids.length; i++) {
    if (!chosen(i)) continue;
    let errored = true;
    for (let r = t.outStart[i]; r < t.outStart[i + 1]; r++) errored &&= t.outputs.errored[r] === 1;
    const dims = new Map<string, { passed: boolean | null }>();
    t.dims.forEach((name, d) => {
      const p = t.passed[d][i];
      dims.set(name, { passed: p === NO_VERDICT ? null : p === 1 });
    });
    out.push({ c: { id: t.ids[i], tags: t.tags[i] }, errored, dims });
  }
  return out;
}
