/**
 * Times the paired comparison of two 20,000-case runs with 10,000 bootstrap resamples: rows are
 * synthesised straight into an SQLite store, then read back and compared as `assay compare` does.
 */
import { join } from "node:path";
import { compareRuns } from "../src/compare/compare.ts";
import { loadRunRows } from "../src/compare/load.ts";
import { createRng } from "../src/stats/index.ts";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { RunRecord, StoredOutput, StoredScore } from "../src/store/types.ts";

const [dir, nText] = process.argv.slice(2);
const n = Number(nText);
const store = openSqliteStore(join(dir, "compare.db"));
const rng = createRng(7);
const version = "bench-compare";
const cases = Array.from({ length: n }, (_, i) => ({
  case: { id: `c${i}`, input: `task ${i}`, tags: { shard: String(i % 10), kind: i % 3 === 0 ? "a" : "b" } },
  ordinal: i,
}));
await store.putCases(version, cases);

async function makeRun(target: string, shift: number): Promise<RunRecord> {
  const run: RunRecord = {
    id: `bench-${target}`,
    suite: "bench",
    target,
    targetKind: "http",
    datasetVersion: version,
    status: "completed",
    startedAt: new Date().toISOString(),
    epochs: 1,
    caseCount: n,
    lineage: {
      suiteHash: "x",
      datasetVersion: version,
      datasetFiles: [],
      targetConfigHash: target,
      evaluators: {},
      toolVersion: "bench",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions: {
      exact: { evaluator: "json-field@1", kind: "json-field", weight: 1, threshold: 1 },
      overlap: { evaluator: "token-f1@1", kind: "token-f1", weight: 1, threshold: 0.5 },
    },
    tags: [],
  };
  await store.createRun(run);
  const outputs: StoredOutput[] = [];
  const scores: StoredScore[] = [];
  for (let i = 0; i < n; i++) {
    const exact = rng.nextFloat() < 0.7 + shift ? 1 : 0;
    const overlap = Math.min(1, Math.max(0, rng.nextFloat() * 0.6 + 0.3 + shift));
    outputs.push({
      runId: run.id,
      caseId: `c${i}`,
      epoch: 1,
      text: "{}",
      latencyMs: 20 + rng.nextFloat() * 5,
      attempts: 1,
      createdAt: run.startedAt,
    });
    scores.push(
      {
        runId: run.id,
        caseId: `c${i}`,
        epoch: 1,
        dimension: "exact",
        evaluator: "json-field@1",
        score: exact,
        passed: exact === 1,
        reason: "",
      },
      {
        runId: run.id,
        caseId: `c${i}`,
        epoch: 1,
        dimension: "overlap",
        evaluator: "token-f1@1",
        score: overlap,
        passed: overlap >= 0.5,
        reason: "",
      },
    );
  }
  await store.writeResults({ outputs, scores });
  return run;
}

const base = await makeRun("base", 0);
const cand = await makeRun("cand", -0.01);
const t0 = performance.now();
const [baseRows, candRows] = [await loadRunRows(store, base), await loadRunRows(store, cand)];
const t1 = performance.now();
const cmp = compareRuns(baseRows, candRows, { resamples: 10_000 });
const t2 = performance.now();
await store.close();
process.stdout.write(
  `${JSON.stringify({ n, loadMs: t1 - t0, compareMs: t2 - t1, tests: Object.keys(cmp.slices).length * 3 + 3, aggregateVerdict: cmp.dimensions.aggregate.verdict })}\n`,
);
