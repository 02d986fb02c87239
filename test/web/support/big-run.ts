import { loadScorecard } from "../../../src/scorecard/load.ts";
import type { RunRecord, Store, StoredOutput, StoredScore } from "../../../src/store/types.ts";

/**
 * A large synthetic run written straight into a store (no targets, no evaluators): cases, one
 * output each and three scored dimensions, in one transaction per table, then its scorecard kept
 * in the store as `assay run` keeps it as it ends. Deterministic: the same `n` and `seed` give
 * the same rows.
 */

export const BIG_DIMENSIONS = ["action", "fields", "format"] as const;
const CATEGORIES = ["create", "complete", "reschedule", "delete", "query"];
const LEVELS = ["easy", "moderate", "hard"];
const WORDS = [
  "budget",
  "review",
  "launch",
  "invoice",
  "standup",
  "roadmap",
  "hiring",
  "audit",
  "offsite",
  "retro",
];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BigRunOptions {
  n: number;
  id?: string;
  seed?: number;
  datasetVersion?: string;
  target?: string;
  /** keep the run's scorecard in the store as `assay run` does as it ends (default true) */
  keepScorecard?: boolean;
}

/** What the rows hold, counted as they are made: an oracle for the API's filters. */
export interface BigRunCounts {
  status: { pass: number; fail: number; error: number; unscored: number };
  /** per dimension: cases passing, failing and unscored (errored cases in none) */
  dims: Record<string, { pass: number; fail: number; unscored: number }>;
}

export async function writeBigRun(
  store: Store,
  opts: BigRunOptions,
): Promise<RunRecord & { counts: BigRunCounts }> {
  const counts: BigRunCounts = {
    status: { pass: 0, fail: 0, error: 0, unscored: 0 },
    dims: Object.fromEntries(BIG_DIMENSIONS.map((d) => [d, { pass: 0, fail: 0, unscored: 0 }])),
  };
  const rand = prng(opts.seed ?? 7);
  const id = opts.id ?? `big-${opts.n}`;
  const datasetVersion = opts.datasetVersion ?? `dv-big-${opts.n}`;
  const startedAt = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const dimensions = Object.fromEntries(
    BIG_DIMENSIONS.map((d) => [
      d,
      { evaluator: `json-field@1`, kind: "json-field", weight: 1, threshold: 1 },
    ]),
  );
  const run: RunRecord = {
    id,
    suite: "big",
    target: opts.target ?? "rules-big",
    targetKind: "module",
    datasetVersion,
    status: "completed",
    startedAt,
    finishedAt: startedAt,
    epochs: 1,
    caseCount: opts.n,
    lineage: {
      suiteHash: "0".repeat(64),
      datasetVersion,
      datasetFiles: ["cases.jsonl"],
      targetConfigHash: "0".repeat(16),
      evaluators: Object.fromEntries(BIG_DIMENSIONS.map((d) => [d, "json-field@1"])),
      toolVersion: "0.1.0",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions,
    tags: [],
  };
  await store.createRun(run);
  const cases: Array<{
    case: { id: string; input: string; expected: unknown; tags: Record<string, string> };
    ordinal: number;
  }> = [];
  const outputs: StoredOutput[] = [];
  const scores: StoredScore[] = [];
  for (let i = 0; i < opts.n; i++) {
    const caseId = `case-${String(i).padStart(6, "0")}`;
    const category = CATEGORIES[i % CATEGORIES.length];
    const word = WORDS[Math.floor(rand() * WORDS.length)];
    const input = `please ${category} the ${word} item number ${i}`;
    cases.push({
      case: {
        id: caseId,
        input,
        expected: { action: category, title: `${word} ${i}` },
        tags: { category, level: LEVELS[i % LEVELS.length] },
      },
      ordinal: i,
    });
    const errored = rand() < 0.005;
    const latencyMs = Math.round(40 + rand() * 200 + (rand() < 0.02 ? 1500 * rand() : 0));
    const out: StoredOutput = {
      runId: id,
      caseId,
      epoch: 0,
      createdAt: startedAt,
      text: errored ? "" : JSON.stringify({ action: category, title: `${word} ${i}` }),
      latencyMs,
      attempts: 1,
      costUsd: 0.0001,
    };
    if (errored)
      out.error = { class: rand() < 0.5 ? "timeout" : "server-error", message: "synthetic failure" };
    outputs.push(out);
    if (errored) {
      counts.status.error++;
      continue;
    }
    let anyFail = false;
    let anyPass = false;
    for (const [k, dimension] of BIG_DIMENSIONS.entries()) {
      const unscored = dimension === "format" && rand() < 0.01;
      const score = unscored ? null : rand() < 0.75 + k * 0.05 ? 1 : 0;
      const d = counts.dims[dimension];
      if (score === null) d.unscored++;
      else if (score === 1) {
        d.pass++;
        anyPass = true;
      } else {
        d.fail++;
        anyFail = true;
      }
      scores.push({
        runId: id,
        caseId,
        epoch: 0,
        dimension,
        evaluator: "json-field@1",
        score,
        passed: score === null ? null : score >= 1,
        reason:
          score === null
            ? "no field to compare"
            : score === 1
              ? `${dimension} matches`
              : `${dimension} differs`,
      });
    }
    counts.status[anyFail ? "fail" : anyPass ? "pass" : "unscored"]++;
  }
  await store.putCases(datasetVersion, cases);
  await store.writeResults({ outputs, scores });
  if (opts.keepScorecard !== false) {
    const stored = await store.getRun(id);
    if (stored) await loadScorecard(store, stored);
  }
  return { ...run, counts };
}
