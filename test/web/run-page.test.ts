import { afterAll, describe, expect, it } from "vitest";
import { currentCalibrations } from "../../src/calibrate/stored.ts";
import { loadRunRows } from "../../src/compare/load.ts";
import { buildScorecard } from "../../src/scorecard/build.ts";
import { caseResults } from "../../src/scorecard/case-results.ts";
import { loadScorecard } from "../../src/scorecard/load.ts";
import { SCORECARD_PAGE } from "../../src/scorecard/stream.ts";
import type { CaseStatus, CasesResponse, ScorecardResponse } from "../../src/server/api-types.ts";
import { createApp } from "../../src/server/app.ts";
import { RunIndex, RunIndexCache, SEARCH_TEXT } from "../../src/server/run-index.ts";
import { quantileSorted } from "../../src/stats/index.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { RunRecord, Store } from "../../src/store/types.ts";
import { writeScorecardRun } from "../support/scorecard-rows.ts";
import { makeRun } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";

/**
 * The run page without the run's case index: the scorecard is the one the store keeps, the
 * figures beside it (status counts, latency histogram) are kept too, and the case index streams
 * the run and reads a served page's rows back from the store.
 */

const tmp = tempDir("assay-web-run-page-");
afterAll(() => tmp.remove());

/** The store, counting the calls made to each of its methods. */
function watched(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function get<T>(app: ReturnType<typeof createApp>["app"], path: string): Promise<T> {
  const res = await app.request(path);
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
  return body;
}

/**
 * Equal up to floating-point rounding (the kept scorecard is streamed with one-pass moments; the
 * exact builder uses two-pass formulas); everything that is not a number must be equal.
 */
function expectClose(actual: unknown, expected: unknown, path = "card"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
      throw new Error(`${path}: ${actual} differs from ${expected}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, v] of expected.entries()) expectClose((actual as unknown[])[i], v, `${path}[${i}]`);
    return;
  }
  if (expected && typeof expected === "object") {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(Object.keys(e).sort());
    for (const k of Object.keys(e)) expectClose(a[k], e[k], `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/** The figures as the run page defined them over a run's rows in memory (before issue 14). */
async function expectedFigures(store: Store, run: RunRecord) {
  const rows = await loadRunRows(store, run);
  const statusCounts: Record<CaseStatus, number> = { pass: 0, fail: 0, error: 0, unscored: 0 };
  for (const r of caseResults(run, rows.cases, rows.outputs, rows.scores)) {
    const dims = [...r.dims.values()].filter((d) => d.score !== null);
    statusCounts[
      r.errored
        ? "error"
        : dims.some((d) => d.passed === false)
          ? "fail"
          : dims.some((d) => d.passed)
            ? "pass"
            : "unscored"
    ]++;
  }
  const values = rows.outputs
    .filter((o) => !o.error)
    .map((o) => o.latencyMs)
    .sort((a, b) => a - b);
  const lo = values[0];
  const hi = Math.max(quantileSorted(values, 0.99), lo + 1);
  const width = (hi - lo) / 30;
  const latencyHistogram = Array.from({ length: 30 }, (_, i) => ({
    from: lo + i * width,
    to: i === 29 ? values[values.length - 1] : lo + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) latencyHistogram[Math.min(29, Math.floor((v - lo) / width))].count++;
  return { rows, statusCounts, latencyHistogram };
}

describe("GET /api/runs/:id/scorecard", () => {
  it("reads a finished run once, then answers from the scorecard and figures kept in the store", async () => {
    const base = openSqliteStore(tmp.path("once.db"));
    // epochs, a majority-reduced dimension, unscored scores, errors and cases with no result
    const run = await writeScorecardRun(base, { n: 2500, epochs: 2 });
    const caseCount = (await base.listCases(run.datasetVersion)).length;
    const { store, calls } = watched(base);
    const { app, cache } = createApp({ store, webDir: tmp.path("no-web") });
    const path = `/api/runs/${run.id}/scorecard`;

    const first = await get<ScorecardResponse>(app, path);
    // one pass: the scorecard's own stream fed the figures too; the case index was not built
    expect(calls.get("readCasePage")).toBe(Math.floor(caseCount / SCORECARD_PAGE) + 1);
    for (const whole of ["listCases", "listOutputs", "listScores"]) expect(calls.get(whole)).toBeUndefined();
    expect(cache.pending((await base.getRun(run.id)) as RunRecord)).toBeUndefined();

    calls.clear();
    expect(await get<ScorecardResponse>(app, path)).toEqual(first);
    expect(calls.get("readCasePage")).toBeUndefined();

    // a new server over the same store (a restart) finds both kept: nothing is read again
    const restarted = watched(base);
    const again = createApp({ store: restarted.store, webDir: tmp.path("no-web") }).app;
    expect(await get<ScorecardResponse>(again, path)).toEqual(first);
    expect(restarted.calls.get("readCasePage")).toBeUndefined();
    expect(restarted.calls.get("getScorecard")).toBeGreaterThan(0);

    // what buildScorecard gives on the same rows, and the figures as defined over them
    const expected = await expectedFigures(base, run);
    const calibrations = await currentCalibrations(base, run);
    const card = JSON.parse(JSON.stringify(buildScorecard({ ...expected.rows, options: {}, calibrations })));
    expectClose(first.scorecard, card);
    expect(first.slices).toEqual(Object.keys(card.slices).sort());
    expect(first.slices.length).toBeGreaterThan(2);
    expect(first.statusCounts).toEqual(expected.statusCounts);
    expect(first.statusCounts.error).toBeGreaterThan(0);
    expect(first.statusCounts.fail).toBeGreaterThan(0);
    expect(first.latencyHistogram).toEqual(expected.latencyHistogram);
    // the case index counts the same figures as it is built
    expect(RunIndex.fromRows(run, expected.rows).figures).toEqual({
      statusCounts: first.statusCounts,
      latencyHistogram: first.latencyHistogram,
    });

    // the runs list's summary shares the kept scorecard
    calls.clear();
    const summary = await get<{ aggregate: unknown; cases: number }>(app, `/api/runs/${run.id}/summary`);
    expect(summary.aggregate).toEqual(first.scorecard.aggregate);
    expect(summary.cases).toBe(first.scorecard.cases);
    expect(calls.get("readCasePage")).toBeUndefined();
    await base.close();
  }, 60_000);

  it("reads a run whose scorecard `assay run` kept: the figures come with it, no row is read", async () => {
    const base = openSqliteStore(tmp.path("kept.db"));
    const run = await writeScorecardRun(base, { n: 1500, epochs: 3 });
    // what `assay run` does as it ends
    const kept = await loadScorecard(base, run);
    const { store, calls } = watched(base);
    const { app, cache } = createApp({ store, webDir: tmp.path("no-web") });
    // the run page's two requests at once
    const [first] = await Promise.all([
      get<ScorecardResponse>(app, `/api/runs/${run.id}/scorecard`),
      get<CasesResponse>(app, `/api/runs/${run.id}/cases?status=fail`),
    ]);
    expect(first.scorecard).toEqual(JSON.parse(JSON.stringify(kept)));
    // the kept parts carry the status counts and the latency histogram
    expect(calls.get("readResultColumns")).toBeUndefined();
    const expected = await expectedFigures(base, run);
    expect(first.statusCounts).toEqual(expected.statusCounts);
    expect(first.latencyHistogram).toEqual(expected.latencyHistogram);
    // the index built meanwhile counted the same figures
    expect(cache.peek((await base.getRun(run.id)) as RunRecord)?.figures).toEqual({
      statusCounts: first.statusCounts,
      latencyHistogram: first.latencyHistogram,
    });
    calls.clear();
    const fresh = createApp({ store, webDir: tmp.path("no-web") }).app;
    await get<ScorecardResponse>(fresh, `/api/runs/${run.id}/scorecard`);
    expect(calls.get("readCasePage")).toBeUndefined();
    expect(calls.get("readResultColumns")).toBeUndefined();
    await base.close();
  }, 60_000);
});

describe("the case index", () => {
  it("is not built while the run page's scorecard holds its run", async () => {
    const base = openSqliteStore(tmp.path("hold.db"));
    const written = await writeScorecardRun(base, { n: 300 });
    const run = (await base.getRun(written.id)) as RunRecord;
    const { store, calls } = watched(base);
    const cache = new RunIndexCache(store);
    let release!: () => void;
    cache.hold(run.id, new Promise<void>((resolve) => (release = resolve)));
    const building = cache.get(run);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(calls.get("readCasePage")).toBeUndefined();
    release();
    expect((await building).size).toBeGreaterThan(0);
    expect(calls.get("readCasePage")).toBeGreaterThan(0);
    await base.close();
  });

  it("streams the run, keeps no rows, and reads a served page's texts back from the store", async () => {
    const base = openSqliteStore(tmp.path("index.db"));
    const run = await writeScorecardRun(base, { n: 1200, epochs: 2 });
    const { store, calls } = watched(base);
    const { app } = createApp({ store, webDir: tmp.path("no-web") });
    const failing = await get<CasesResponse>(
      app,
      `/api/runs/${run.id}/cases?status=fail&sort=-latency&limit=50`,
    );
    for (const whole of ["listCases", "listOutputs", "listScores"]) expect(calls.get(whole)).toBeUndefined();
    expect(failing.rows).toHaveLength(50);
    // the same rows as an index of the rows in memory gives
    const rows = await loadRunRows(base, run);
    const all = RunIndex.fromRows(run, rows);
    const order = all.select({ slices: [], statuses: ["fail"], sort: "-latency" });
    expect(failing.matched).toBe(order.length);
    expect(failing.rows).toEqual(order.slice(0, 50).map((p) => all.row(p)));
    expect(failing.rows.every((r) => r.input.startsWith("input ") && r.output.startsWith("output "))).toBe(
      true,
    );
    // a case opened in full: its rows are read back by ordinal
    const id = failing.rows[7].id;
    const detail = await get<{ outputs: unknown[]; scores: Array<{ caseId: string }> }>(
      app,
      `/api/runs/${run.id}/cases/${id}`,
    );
    expect(detail.outputs).toEqual(JSON.parse(JSON.stringify(rows.outputs.filter((o) => o.caseId === id))));
    expect(detail.scores.length).toBe(rows.scores.filter((s) => s.caseId === id).length);
    await base.close();
  }, 60_000);

  it(`searches the first ${SEARCH_TEXT} characters of input and output, and previews the full text's start`, async () => {
    const base = openSqliteStore(tmp.path("search.db"));
    const filler = "lorem ipsum ".repeat(60);
    const run = await makeRun(base, {
      id: "long-texts",
      cases: [
        { id: "early", input: "find the NEEDLE here", scores: { ok: 1 } },
        { id: "late", input: `${filler} NEEDLE`, scores: { ok: 1 } },
        { id: "out", output: `Haystack ${filler}`, scores: { ok: 0 } },
      ],
    });
    const { app } = createApp({ store: base, webDir: tmp.path("no-web") });
    const found = await get<CasesResponse>(app, `/api/runs/${run.id}/cases?q=needle`);
    expect(found.rows.map((r) => r.id)).toEqual(["early"]);
    const out = await get<CasesResponse>(app, `/api/runs/${run.id}/cases?q=haystack`);
    expect(out.rows.map((r) => r.id)).toEqual(["out"]);
    expect(out.rows[0].output).toHaveLength(240);
    expect(out.rows[0].output.startsWith("Haystack lorem ipsum")).toBe(true);
    await base.close();
  });
});
