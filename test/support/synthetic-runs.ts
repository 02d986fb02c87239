import type { RunRows } from "../../src/compare/compare.ts";
import type { ErrorClass } from "../../src/core/output.ts";
import type {
  DimensionRecord,
  RunRecord,
  RunStatus,
  Store,
  StoredCase,
  StoredOutput,
  StoredScore,
} from "../../src/store/types.ts";

/**
 * Runs with KNOWN outcomes, built straight from rows (no targets, no evaluators): what the
 * comparison and the gate see, and nothing else. `syntheticRows` is pure; `makeRun` writes the
 * same rows into a store so the CLI can read them.
 */

export interface SyntheticCase {
  id: string;
  tags?: Record<string, string>;
  /** case content; defaults to the id (change it to make a case differ between dataset versions) */
  input?: string;
  expected?: unknown;
  /** dimension → score (null = unscored); ignored when the case errored */
  scores: Record<string, number | null>;
  latencyMs?: number;
  costUsd?: number;
  /** the target failed on this case: an error output and no scores */
  error?: ErrorClass | true;
  /** output text; defaults to a sentence naming the case and its scores */
  output?: string;
}

export interface SyntheticRun {
  id?: string;
  suite?: string;
  target?: string;
  datasetVersion?: string;
  status?: RunStatus;
  /** ISO time; runs are listed newest first by it */
  startedAt?: string;
  tags?: string[];
  /** per-dimension overrides; every dimension scored by a case gets a pass/fail default */
  dimensions?: Record<string, Partial<DimensionRecord>>;
  cases: SyntheticCase[];
}

let counter = 0;

/** A pass/fail dimension: scores 0 or 1, threshold 1. */
export const PASS_FAIL: DimensionRecord = {
  evaluator: "json-field@1",
  kind: "json-field",
  weight: 1,
  threshold: 1,
};

export function syntheticRows(spec: SyntheticRun): RunRows {
  counter++;
  const id = spec.id ?? `run-${String(counter).padStart(4, "0")}`;
  const datasetVersion = spec.datasetVersion ?? "dv-1";
  const dimNames = new Set<string>(Object.keys(spec.dimensions ?? {}));
  for (const c of spec.cases) for (const d of Object.keys(c.scores)) dimNames.add(d);
  const dimensions: Record<string, DimensionRecord> = {};
  for (const name of dimNames) dimensions[name] = { ...PASS_FAIL, ...spec.dimensions?.[name] };
  const startedAt = spec.startedAt ?? new Date(Date.UTC(2025, 0, 1) + counter * 60_000).toISOString();
  const run: RunRecord = {
    id,
    suite: spec.suite ?? "synthetic",
    target: spec.target ?? "target",
    targetKind: "module",
    datasetVersion,
    status: spec.status ?? "completed",
    startedAt,
    finishedAt: startedAt,
    epochs: 1,
    caseCount: spec.cases.length,
    lineage: {
      suiteHash: "0".repeat(64),
      datasetVersion,
      datasetFiles: ["cases.jsonl"],
      targetConfigHash: "0".repeat(16),
      evaluators: Object.fromEntries(Object.entries(dimensions).map(([n, d]) => [n, d.evaluator])),
      toolVersion: "0.1.0",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions,
    tags: spec.tags ?? [],
  };
  const cases: StoredCase[] = spec.cases.map((c, ordinal) => ({
    id: c.id,
    input: c.input ?? c.id,
    expected: c.expected ?? { id: c.id },
    tags: c.tags ?? {},
    datasetVersion,
    ordinal,
  }));
  const outputs: StoredOutput[] = [];
  const scores: StoredScore[] = [];
  for (const c of spec.cases) {
    const text = c.error ? "" : (c.output ?? `answer for ${c.id}: ${JSON.stringify(c.scores)}`);
    const out: StoredOutput = {
      runId: id,
      caseId: c.id,
      epoch: 0,
      createdAt: startedAt,
      text,
      latencyMs: c.latencyMs ?? 100,
      attempts: 1,
    };
    if (c.costUsd !== undefined) out.costUsd = c.costUsd;
    if (c.error)
      out.error = { class: c.error === true ? "server-error" : c.error, message: "synthetic failure" };
    outputs.push(out);
    if (c.error) continue;
    for (const [dimension, score] of Object.entries(c.scores)) {
      const threshold = dimensions[dimension].threshold;
      scores.push({
        runId: id,
        caseId: c.id,
        epoch: 0,
        dimension,
        evaluator: dimensions[dimension].evaluator,
        score,
        passed: score === null ? null : score >= threshold,
        reason: score === null ? "unscored" : `${dimension} scored ${score}`,
      });
    }
  }
  return { run, cases, outputs, scores };
}

/** Writes a synthetic run into a store (cases are shared per dataset version, first write wins). */
export async function makeRun(store: Store, spec: SyntheticRun): Promise<RunRecord> {
  const rows = syntheticRows(spec);
  await store.createRun(rows.run);
  await store.putCases(
    rows.run.datasetVersion,
    rows.cases.map((c) => ({
      case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
      ordinal: c.ordinal,
    })),
  );
  await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
  return rows.run;
}

/** Case ids `prefix-000` … in order. */
export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
}

/**
 * Two pass/fail runs over `n` cases with known discordant counts: the first `passToFail` cases
 * pass in base and fail in candidate, the next `failToPass` the reverse, then `bothPass` cases
 * pass in both; the rest fail in both.
 */
export function discordantPair(opts: {
  n: number;
  passToFail: number;
  failToPass: number;
  bothPass: number;
  dimension?: string;
  prefix?: string;
  tags?: (i: number) => Record<string, string>;
}): { base: SyntheticCase[]; candidate: SyntheticCase[]; passToFail: string[]; failToPass: string[] } {
  const dim = opts.dimension ?? "correct";
  const all = ids(opts.prefix ?? "c", opts.n);
  const base: SyntheticCase[] = [];
  const candidate: SyntheticCase[] = [];
  all.forEach((id, i) => {
    const p2f = i < opts.passToFail;
    const f2p = !p2f && i < opts.passToFail + opts.failToPass;
    const both = !p2f && !f2p && i < opts.passToFail + opts.failToPass + opts.bothPass;
    const tags = opts.tags?.(i) ?? {};
    base.push({ id, tags, scores: { [dim]: p2f || both ? 1 : 0 } });
    candidate.push({ id, tags, scores: { [dim]: f2p || both ? 1 : 0 } });
  });
  return {
    base,
    candidate,
    passToFail: all.slice(0, opts.passToFail),
    failToPass: all.slice(opts.passToFail, opts.passToFail + opts.failToPass),
  };
}
