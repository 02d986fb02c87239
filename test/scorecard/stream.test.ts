import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildScorecard } from "../../src/scorecard/build.ts";
import { caseResults } from "../../src/scorecard/case-results.ts";
import { loadScorecard } from "../../src/scorecard/load.ts";
import type { ScorecardOptions } from "../../src/scorecard/operating.ts";
import { RunningScorecard, scorecardParts, streamScorecard } from "../../src/scorecard/stream.ts";
import { meanInterval } from "../../src/scorecard/summarize.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { RunRecord, Store } from "../../src/store/types.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { expectClose } from "../support/close.ts";
import { writeScorecardRun } from "../support/scorecard-rows.ts";
import { tempDir } from "../support/temp.ts";

const tmp = tempDir("assay-stream-card-");
afterAll(() => tmp.remove());

async function exactCard(store: Store, runId: string, options: ScorecardOptions) {
  const run = await store.getRun(runId);
  if (!run) throw new Error("no run");
  const [cases, outputs, scores] = await Promise.all([
    store.listCases(run.datasetVersion),
    store.listOutputs(run.id),
    store.listScores(run.id),
  ]);
  return { run, card: buildScorecard({ run, cases, outputs, scores, calibrations: [], options }) };
}

/** A store holding one synthetic run (test/support/scorecard-rows.ts), closed after `use`. */
async function withStoredRun(
  file: string,
  rows: Parameters<typeof writeScorecardRun>[1],
  use: (store: Store, run: RunRecord) => Promise<void>,
): Promise<void> {
  const store = openSqliteStore(tmp.path(file));
  try {
    const written = await writeScorecardRun(store, rows);
    const run = await store.getRun(written.id);
    if (!run) throw new Error("no run");
    await use(store, run);
  } finally {
    await store.close();
  }
}

describe("streaming scorecard", () => {
  const options: ScorecardOptions = {
    volume: { perMonth: 50_000 },
    minEffect: 0.05,
    escalation: { targetAccuracy: 0.6, bins: 8 },
    bands: [
      { label: "good", min: 0.75 },
      { label: "poor", min: 0 },
    ],
  };

  it("equals the exact in-memory scorecard on 5,000 cases × 2 epochs (means, intervals, slices, percentiles, everything)", async () => {
    const store = openSqliteStore(tmp.path("equal.db"));
    try {
      const written = await writeScorecardRun(store, { n: 5000, epochs: 2 });
      const { run, card: exact } = await exactCard(store, written.id, options);
      // the data exercises what could differ: clusters, unscored reasons, errors, confidences, patterns
      expect(exact.slices["level=hard"].action.n).toBeGreaterThan(100);
      expect(exact.dimensions.quality.unscored).toBeGreaterThan(0);
      expect(Object.keys(exact.dimensions.quality.unscoredReasons).length).toBeGreaterThan(1);
      expect(exact.errors.count).toBeGreaterThan(0);
      expect(exact.missing).toBeGreaterThan(0);
      expect(exact.confidence?.n).toBeGreaterThan(0);
      expect(exact.patterns.length).toBeGreaterThan(0);
      expect(exact.cost.projection?.n).toBeGreaterThan(0);
      expect(exact.flaky.length).toBeGreaterThan(0);
      // an odd page size puts page boundaries in the middle of everything
      const streamed = await streamScorecard(store, run, { options, calibrations: [], pageSize: 333 });
      expectClose(streamed, exact);
    } finally {
      await store.close();
    }
  });

  it("sorts the latencies once: the histogram's bounds come with the percentiles", async () => {
    await withStoredRun("one-sort.db", { n: 800 }, async (store, run) => {
      const asked: number[][] = [];
      const counting: Store = Object.create(store, {
        latencyAt: {
          value: (runId: string, ranks: number[]) => {
            asked.push(ranks);
            return store.latencyAt(runId, ranks);
          },
        },
      });
      const parts = await scorecardParts(counting, run);
      expect(asked).toHaveLength(1);
      const ok = (await store.listOutputs(run.id)).filter((o) => !o.error).map((o) => o.latencyMs);
      ok.sort((a, b) => a - b);
      const histogram = parts.figures?.latencyHistogram ?? [];
      expect(histogram).toHaveLength(30);
      expect(histogram[0].from).toBe(ok[0]);
      expect(histogram[29].to).toBe(ok[ok.length - 1]);
      expect(histogram.reduce((sum, bin) => sum + bin.count, 0)).toBe(ok.length);
    });
  });

  it("a run written meanwhile by other processes (rows outside the bounds, ranks gone) gives a histogram, not a crash", async () => {
    await withStoredRun("racing.db", { n: 300 }, async (store, run) => {
      // a faster output stored after the bounds were read lands below the lowest bin
      const racing: Store = Object.create(store, {
        latencyBins: {
          value: async (runId: string, lo: number, width: number) => {
            const bins = await store.latencyBins(runId, lo, width);
            bins.set(-2, 5);
            return bins;
          },
        },
      });
      const parts = await scorecardParts(racing, run);
      const histogram = parts.figures?.latencyHistogram ?? [];
      const ok = (await store.listOutputs(run.id)).filter((o) => !o.error).length;
      expect(histogram.reduce((sum, bin) => sum + bin.count, 0)).toBe(ok + 5);
      // the bounds' ranks no longer there: no histogram
      const shrunk: Store = Object.create(store, {
        latencyAt: { value: async (_runId: string, ranks: number[]) => ranks.map(() => Number.NaN) },
      });
      expect((await scorecardParts(shrunk, run)).figures?.latencyHistogram).toEqual([]);
    });
  });

  it("uses the cluster-robust interval when cases share clusters, as the exact path does", async () => {
    const store = openSqliteStore(tmp.path("clusters.db"));
    try {
      const written = await writeScorecardRun(store, { n: 600, seed: 3 });
      const { run, card: exact } = await exactCard(store, written.id, {});
      const streamed = await streamScorecard(store, run, { calibrations: [], pageSize: 7 });
      expectClose(streamed, exact);
      // the cluster-robust interval was the one taken: it differs from the naive t interval
      const rows = caseResults(
        run,
        await store.listCases(run.datasetVersion),
        await store.listOutputs(run.id),
        await store.listScores(run.id),
      );
      const aggregates = rows.filter((r) => r.aggregate !== null).map((r) => r.aggregate as number);
      expect(rows.some((r) => r.c.cluster !== undefined)).toBe(true);
      expect(meanInterval(aggregates).ci).not.toEqual(exact.aggregate.ci);
    } finally {
      await store.close();
    }
  });

  it("loadScorecard keeps a finished run's scorecard in the store and reads no row the second time", async () => {
    await withStoredRun("kept.db", { n: 1200 }, async (store, run) => {
      let pages = 0;
      const counting: Store = Object.create(store, {
        readCasePage: {
          value: (...args: Parameters<Store["readCasePage"]>) => {
            pages++;
            return store.readCasePage(...args);
          },
        },
      });
      const first = await loadScorecard(counting, run, options);
      expect(pages).toBeGreaterThan(0);
      const readFirst = pages;
      const second = await loadScorecard(counting, run, options);
      expect(pages).toBe(readFirst);
      expect(second).toEqual(first);
      const { card: exact } = await exactCard(store, run.id, options);
      expectClose(second, exact);
      // other operating settings are another card; bands alone only relabel the kept one
      await loadScorecard(counting, run, { ...options, minEffect: 0.1 });
      expect(pages).toBeGreaterThan(readFirst);
      const afterMinEffect = pages;
      const relabelled = await loadScorecard(counting, run, {
        ...options,
        bands: [{ label: "any", min: 0 }],
      });
      expect(pages).toBe(afterMinEffect);
      expect(relabelled.aggregate.band).toBe("any");
      // new results for the run forget the kept card
      await store.writeResults({
        outputs: [
          {
            runId: run.id,
            caseId: "c0000096",
            epoch: 1,
            text: "late",
            latencyMs: 1,
            attempts: 1,
            createdAt: "x",
          },
        ],
        scores: [],
      });
      const third = await loadScorecard(counting, run, options);
      expect(pages).toBeGreaterThan(afterMinEffect);
      expect(third.results).toBe(first.results + 1);
    });
  });

  it("running totals give the read-back's latency percentiles and histogram from the latencies they kept, or from the store past their limit", async () => {
    await withStoredRun("running.db", { n: 600, epochs: 2 }, async (store, run) => {
      const cases = await store.listCases(run.datasetVersion);
      const outputs = await store.listOutputs(run.id);
      const scores = await store.listScores(run.id);
      expect(outputs.some((o) => o.error)).toBe(true);
      const readBack = await scorecardParts(store, run, options);
      const caseById = new Map(cases.map((c) => [c.id, c]));
      // Every output, as its own one-epoch case (the synthetic run has cases with no result,
      // which a live run never folds): the latencies are the store's, output for output.
      const fed = (keep?: number) => {
        const running = new RunningScorecard(run, 1, options, keep);
        outputs.forEach((o, ordinal) => {
          const c = caseById.get(o.caseId);
          if (!c) throw new Error(`no case ${o.caseId}`);
          const own = `${o.caseId}#${o.epoch}`;
          running.add(
            { ...c, id: own, ordinal },
            { ...o, caseId: own, epoch: 1 },
            scores
              .filter((s) => s.caseId === o.caseId && s.epoch === o.epoch)
              .map((s) => ({ ...s, caseId: own, epoch: 1 })),
          );
        });
        return running;
      };
      const unasked = async (): Promise<never> => {
        throw new Error("the store was asked");
      };
      const fromMemory = await fed().parts(unasked, unasked);
      expect(fromMemory.latencyMs).toEqual(readBack.latencyMs);
      expect(fromMemory.figures?.latencyHistogram).toEqual(readBack.figures?.latencyHistogram);
      expect(readBack.figures?.latencyHistogram).toHaveLength(30);
      // past its limit it lets the latencies go and asks the store
      const asked: string[] = [];
      const pastLimit = await fed(100).parts(
        (ranks) => {
          asked.push("latencyAt");
          return store.latencyAt(run.id, ranks);
        },
        (lo, width) => {
          asked.push("latencyBins");
          return store.latencyBins(run.id, lo, width);
        },
      );
      expect(asked).toEqual(["latencyAt", "latencyBins"]);
      expect(pastLimit.latencyMs).toEqual(readBack.latencyMs);
      expect(pastLimit.figures?.latencyHistogram).toEqual(readBack.figures?.latencyHistogram);
      expectClose(pastLimit, fromMemory);
      expect(fromMemory.results).toBe(outputs.length);
    });
  });

  it("builds a 200,000-case scorecard from a real SQLite store with under 20 MB of heap growth", async () => {
    const probe = fileURLToPath(new URL("./heap-probe.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", probe, tmp.path("heap.db"), "200000"],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { growthMb: number; cases: number; results: number };
    expect(result.cases).toBe(200_000);
    expect(result.results).toBe(200_000);
    expect(result.growthMb).toBeLessThan(20);
  });
});
