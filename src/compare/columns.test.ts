import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceCompareRuns } from "../../test/support/compare-reference/compare.ts";
import { tempDir } from "../../test/support/temp.ts";
import { caseResults } from "../scorecard/case-results.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type {
  DimensionRecord,
  RunRecord,
  Store,
  StoredCase,
  StoredOutput,
  StoredScore,
} from "../store/types.ts";
import { NO_VERDICT } from "./columns.ts";
import { type CompareOptions, compareRuns, type RunRows } from "./compare.ts";
import { compareStoredRuns, loadCaseTable, loadRunRows } from "./load.ts";

/**
 * The columnar comparison (store columns → case tables → tests) against the object path it
 * replaced (test/support/compare-reference: caseResults over row objects), on a few thousand
 * synthetic rows with everything that changes a figure: epochs under every reducer, unscored and
 * missing scores, errored epochs and cases, clusters, slices (one too small to test), cases only
 * one run has, costs, latencies, outputs that differ (flips with word diffs), a second score set,
 * and dataset versions whose cases moved or changed (--intersect). Equal means the same JSON text.
 */

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32: deterministic test data
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIMENSIONS: Record<string, DimensionRecord> = {
  exact: { evaluator: "json-field@1", kind: "json-field", weight: 2, threshold: 1, reduce: "majority" },
  quality: { evaluator: "llm-judge@1", kind: "llm-judge", weight: 1, threshold: 0.6 },
  best: { evaluator: "token-f1@1", kind: "token-f1", weight: 1, threshold: 0.5, reduce: "max" },
  strict: { evaluator: "regex@1", kind: "regex", weight: 0.5, threshold: 0.5, reduce: "all" },
  // weight 0: compared, but not in the aggregate
  info: { evaluator: "length@1", kind: "length", weight: 0, threshold: 0.3 },
};

interface RunSpec {
  id: string;
  datasetVersion: string;
  cases: StoredCase[];
  seed: number;
  /** shifts graded scores (a regression when negative) */
  shift: number;
  epochs: number;
  /** case ids this run has no output for */
  skip?: Set<string>;
  scoreSet?: number;
}

function makeCases(version: string, n: number, clustered: boolean, ordinalOffset = 0): StoredCase[] {
  return Array.from({ length: n }, (_, i): StoredCase => {
    const tags: Record<string, string> = { category: `c${i % 5}`, lang: ["en", "fi", "de"][i % 3] };
    if (i === 7) tags.rare = "one"; // a slice of one pair: skipped and listed
    if (i % 97 === 3) tags.sparse = "x";
    const c: StoredCase = {
      id: `case-${String(i).padStart(5, "0")}`,
      input: `question ${i}`,
      expected: { answer: i % 11 },
      tags,
      datasetVersion: version,
      ordinal: i + ordinalOffset,
    };
    if (clustered && i % 4 !== 0) c.cluster = `conv-${Math.floor(i / 3)}`;
    return c;
  });
}

function makeRows(spec: RunSpec): RunRows {
  const rand = rng(spec.seed);
  const at = "2026-01-01T00:00:00.000Z";
  const run: RunRecord = {
    id: spec.id,
    suite: "cols",
    target: spec.id,
    targetKind: "http",
    datasetVersion: spec.datasetVersion,
    status: "completed",
    startedAt: at,
    finishedAt: at,
    epochs: spec.epochs,
    caseCount: spec.cases.length,
    lineage: {
      suiteHash: "0".repeat(64),
      datasetVersion: spec.datasetVersion,
      datasetFiles: ["cases.jsonl"],
      targetConfigHash: "0".repeat(16),
      evaluators: Object.fromEntries(Object.entries(DIMENSIONS).map(([n, d]) => [n, d.evaluator])),
      toolVersion: "0.1.0",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions: DIMENSIONS,
    tags: [],
    scoreSet: spec.scoreSet ?? 1,
  };
  const outputs: StoredOutput[] = [];
  const scores: StoredScore[] = [];
  const words = ["alpha", "beta", "gamma", "delta", "omega", "sigma"];
  for (const [i, c] of spec.cases.entries()) {
    if (spec.skip?.has(c.id)) continue;
    const allErrored = i % 53 === 5;
    // most cases have every epoch; some one fewer (their extra base epoch pairs with nothing)
    const epochs = i % 17 === 2 ? Math.max(1, spec.epochs - 1) : spec.epochs;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const errored = allErrored || rand() < 0.03;
      const text = Array.from({ length: 3 + (i % 4) }, () => words[Math.floor(rand() * words.length)]).join(
        " ",
      );
      const out: StoredOutput = {
        runId: run.id,
        caseId: c.id,
        epoch,
        text: errored ? "" : text,
        latencyMs: Math.round((20 + rand() * 80 + (i % 7)) * 1000) / 1000,
        attempts: 1,
        createdAt: at,
      };
      if (i % 3 !== 0) out.costUsd = Math.round(rand() * 1e6) / 1e9;
      if (errored) out.error = { class: "server-error", message: "boom", status: 500 };
      outputs.push(out);
      if (errored) continue;
      const base = (i % 10) / 10;
      for (const [dimension, d] of Object.entries(DIMENSIONS)) {
        if (rand() < 0.02) continue; // no score row at all
        const unscored = rand() < 0.05;
        let score: number | null = null;
        if (!unscored) {
          score =
            dimension === "exact"
              ? rand() < 0.7 + spec.shift
                ? 1
                : 0
              : Math.min(1, Math.max(0, Math.round((base * 0.5 + rand() * 0.5 + spec.shift) * 1000) / 1000));
        }
        const s: StoredScore = {
          runId: run.id,
          caseId: c.id,
          epoch,
          dimension,
          evaluator: d.evaluator,
          score,
          passed: score === null ? null : score >= d.threshold,
          reason: score === null ? "timeout" : `${dimension} ${score} on epoch ${epoch}`,
        };
        if (spec.scoreSet && spec.scoreSet !== 1) s.scoreSet = spec.scoreSet;
        scores.push(s);
      }
    }
  }
  return { run, cases: spec.cases, outputs, scores };
}

async function write(store: Store, rows: RunRows, decoyScoreSet = false): Promise<void> {
  await store.createRun(rows.run);
  await store.putCases(
    rows.run.datasetVersion,
    rows.cases.map((c) => ({
      case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags, cluster: c.cluster },
      ordinal: c.ordinal,
    })),
  );
  // a score set the run does not show: both paths must ignore it
  const decoy = decoyScoreSet
    ? rows.scores.map((s) => ({ ...s, scoreSet: 1, score: 0, passed: false, reason: "set 1" }))
    : [];
  await store.writeResults({ outputs: rows.outputs, scores: [...rows.scores, ...decoy] });
}

const OPTS: CompareOptions = { resamples: 300, sliceResamples: 100, seed: 7, maxFlips: 25 };

describe("the columnar comparison equals the object-row comparison", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  beforeAll(() => {
    tmp = tempDir("assay-compare-columns-");
    store = openSqliteStore(tmp.path("assay.db"));
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  /** Every path's comparison as JSON text: the reference on the store's rows is what the old CLI printed. */
  async function allPaths(base: RunRows, cand: RunRows, opts: CompareOptions) {
    const reference = referenceCompareRuns(base, cand, opts);
    const stored = await compareStoredRuns(store, base.run, cand.run, opts);
    const fromStoreRows = referenceCompareRuns(
      await loadRunRows(store, base.run),
      await loadRunRows(store, cand.run),
      opts,
    );
    return {
      reference: JSON.stringify(reference),
      rows: JSON.stringify(compareRuns(base, cand, opts)),
      stored: JSON.stringify(stored),
      oldCli: JSON.stringify(fromStoreRows),
      cmp: stored,
    };
  }

  it("over one dataset version: epochs, unscored, errors, slices, unmatched cases, a second score set", async () => {
    const cases = makeCases("dv-cols-1", 1500, false);
    const base = makeRows({
      id: "cols-base",
      datasetVersion: "dv-cols-1",
      cases,
      seed: 1,
      shift: 0,
      epochs: 3,
    });
    const cand = makeRows({
      id: "cols-cand",
      datasetVersion: "dv-cols-1",
      cases,
      seed: 2,
      shift: -0.04,
      epochs: 3,
      skip: new Set(["case-00010", "case-00011"]),
      scoreSet: 2,
    });
    // the base lacks outputs for other cases than the candidate does
    base.outputs = base.outputs.filter((o) => o.caseId !== "case-00020");
    base.scores = base.scores.filter((s) => s.caseId !== "case-00020");
    await write(store, base);
    await write(store, cand, true);
    const r = await allPaths(base, cand, OPTS);
    expect(r.rows).toBe(r.reference);
    expect(r.stored).toBe(r.reference);
    expect(r.oldCli).toBe(r.reference);
    // the data exercised what it was made for
    const cmp = r.cmp;
    expect(cmp.cases).toBe(1497);
    expect(cmp.pairs).toBeGreaterThan(cmp.cases * 2);
    expect(cmp.unmatched).toEqual({ base: ["case-00010", "case-00011"], candidate: ["case-00020"] });
    expect(cmp.skippedSlices).toEqual([{ slice: "rare=one", pairs: 1 }]);
    expect(Object.keys(cmp.slices)).toContain("sparse=x");
    expect(cmp.flips.length).toBeGreaterThan(OPTS.maxFlips ?? 0);
    expect(cmp.flips.filter((f) => f.diff.length > 0)).toHaveLength(OPTS.maxFlips ?? 0);
    expect(cmp.flips.some((f) => f.base.reason === "timeout" || f.candidate.reason === "timeout")).toBe(true);
    expect(cmp.dimensions.quality.test).toBe("paired-bootstrap");
    expect(cmp.dimensions.exact.test).toBe("paired-bootstrap"); // majority of 3 epochs: 0, ⅓, ⅔, 1
    expect(cmp.costPerCase.base).not.toBeNull();
    expect(cmp.errorRate.candidate).toBeGreaterThan(0);
    expect(cmp.methods.clusters).toBeUndefined();

    // the case table itself (what the gate's regression set reads too) against caseResults
    for (const rows of [base, cand]) {
      const table = await loadCaseTable(store, rows.run);
      const results = caseResults(rows.run, rows.cases, rows.outputs, rows.scores);
      expect(table.ids).toEqual(results.map((r) => r.c.id));
      const nullable = (v: number) => (Number.isNaN(v) ? null : v);
      const verdict = (v: number) => (v === NO_VERDICT ? null : v === 1);
      results.forEach((r, i) => {
        expect(nullable(table.aggregate[i])).toBe(r.aggregate);
        table.dims.forEach((name, d) => {
          const dim = r.dims.get(name);
          expect([nullable(table.score[d][i]), verdict(table.passed[d][i])]).toEqual([
            dim?.score,
            dim?.passed,
          ]);
        });
      });
    }
  });

  it("with clusters (the paired cluster bootstrap) and one epoch", async () => {
    const cases = makeCases("dv-cols-2", 900, true);
    const base = makeRows({
      id: "cols-cl-base",
      datasetVersion: "dv-cols-2",
      cases,
      seed: 3,
      shift: 0,
      epochs: 1,
    });
    const cand = makeRows({
      id: "cols-cl-cand",
      datasetVersion: "dv-cols-2",
      cases,
      seed: 4,
      shift: 0.03,
      epochs: 1,
    });
    await write(store, base);
    await write(store, cand);
    const r = await allPaths(base, cand, OPTS);
    expect(r.rows).toBe(r.reference);
    expect(r.stored).toBe(r.reference);
    expect(r.oldCli).toBe(r.reference);
    expect(r.cmp.dimensions.quality.test).toBe("paired-cluster-bootstrap");
    expect(r.cmp.methods.clusters).toMatch(/^\d+ clusters over 900 paired cases/);
  });

  it("across dataset versions (--intersect): moved ordinals, changed content, ids in one version only", async () => {
    const a = makeCases("dv-cols-a", 1200, false);
    // version b: the cases in another order, two changed, three dropped, one added
    const b = makeCases("dv-cols-b", 1200, false, 5000)
      .filter((c) => !["case-00100", "case-00101", "case-00102"].includes(c.id))
      .map((c, i, all) => ({ ...c, datasetVersion: "dv-cols-b", ordinal: 5000 + all.length - i }));
    b[4] = { ...b[4], input: "changed question" };
    b[9] = { ...b[9], expected: { answer: "changed" } };
    b.push({
      id: "case-new",
      input: "new",
      tags: { category: "c1" },
      datasetVersion: "dv-cols-b",
      ordinal: 1,
    });
    const base = makeRows({
      id: "cols-x-base",
      datasetVersion: "dv-cols-a",
      cases: a,
      seed: 5,
      shift: 0,
      epochs: 2,
    });
    const cand = makeRows({
      id: "cols-x-cand",
      datasetVersion: "dv-cols-b",
      cases: b,
      seed: 6,
      shift: -0.02,
      epochs: 2,
    });
    await write(store, base);
    await write(store, cand);
    const opts = { ...OPTS, intersect: true };
    const r = await allPaths(base, cand, opts);
    expect(r.rows).toBe(r.reference);
    expect(r.stored).toBe(r.reference);
    expect(r.oldCli).toBe(r.reference);
    expect(r.cmp.changed.sort()).toEqual([b[4].id, b[9].id].sort());
    expect(r.cmp.unmatched.base).toEqual(["case-00100", "case-00101", "case-00102"]);
    expect(r.cmp.unmatched.candidate).toEqual(["case-new"]);
  });
});
