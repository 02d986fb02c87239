import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { makeRun, type SyntheticCase } from "../../test/support/synthetic-runs.ts";
import { tempDir } from "../../test/support/temp.ts";
import { InputError } from "../config/errors.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { RunRecord, Store } from "../store/types.ts";
import {
  BaselineExportError,
  collectBaseline,
  importBaseline,
  readBaselineFile,
  writeBaselineFile,
} from "./index.ts";

const stores: Store[] = [];
const dirs: Array<ReturnType<typeof tempDir>> = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) d.remove();
});

function memoryStore(): Store {
  const store = openSqliteStore(":memory:");
  stores.push(store);
  return store;
}

function folder() {
  const d = tempDir("assay-baseline-");
  dirs.push(d);
  return d;
}

const CASES: SyntheticCase[] = [
  { id: "a", tags: { level: "easy" }, scores: { correct: 1, tone: 0.5 } },
  { id: "b", tags: { level: "hard" }, scores: { correct: 0, tone: null } },
  { id: "c", tags: { level: "hard" }, scores: { correct: 1, tone: 1 }, latencyMs: 40 },
  { id: "d", tags: { level: "easy" }, scores: {}, error: "timeout" },
];

/** A completed run scored twice: set 1 by the run, set 2 by a rescore (now current). */
async function rescoredRun(store: Store, suite = "demo"): Promise<RunRecord> {
  const run = await makeRun(store, { id: "r-base", suite, target: "v1", cases: CASES });
  const dims: RunRecord["dimensions"] = {
    ...run.dimensions,
    correct: { ...run.dimensions.correct, evaluator: "json-field@2#beef" },
  };
  await store.createScoreSet({
    runId: run.id,
    id: 2,
    status: "running",
    dimensions: dims,
    createdAt: "2025-02-01T00:00:00.000Z",
  });
  const set1 = await store.listScores(run.id, 1);
  await store.writeResults({
    outputs: [],
    scores: set1.map((s) => ({
      ...s,
      scoreSet: 2,
      evaluator: dims[s.dimension].evaluator,
      score: s.dimension === "correct" ? 1 : s.score,
      passed: s.dimension === "correct" ? true : s.passed,
      reason: `rescored ${s.reason}`,
    })),
  });
  await store.completeScoreSet(run.id, 2, "2025-02-01T00:01:00.000Z");
  return (await store.getRun(run.id)) as RunRecord;
}

async function exportTo(store: Store, runId: string): Promise<string> {
  const file = folder().path("baseline.jsonl");
  writeBaselineFile(file, await collectBaseline(store, runId));
  return file;
}

/** Everything the store holds about one run, for comparing two stores. */
async function snapshot(store: Store, runId: string) {
  const run = (await store.getRun(runId)) as RunRecord;
  return {
    run,
    sets: await store.listScoreSets(runId),
    cases: await store.listCases(run.datasetVersion),
    outputs: await store.listOutputs(runId),
    set1: await store.listScores(runId, 1),
    set2: await store.listScores(runId, 2),
  };
}

describe("baseline export and import", () => {
  it("carries a run with its lineage, every score set, cases, outputs and scores into a fresh store", async () => {
    const origin = memoryStore();
    const run = await rescoredRun(origin);
    expect(run.scoreSet).toBe(2);
    const file = await exportTo(origin, run.id);

    const fresh = memoryStore();
    const outcome = await importBaseline(fresh, await readBaselineFile(file), { suite: "demo" });
    expect(outcome.status).toBe("imported");
    const before = await snapshot(origin, run.id);
    const after = await snapshot(fresh, run.id);
    expect(after).toEqual(before);
    expect(after.set2.every((s) => s.reason.startsWith("rescored"))).toBe(true);
    expect(after.run.lineage.evaluators.correct).toBe("json-field@2#beef");
  });

  it("is idempotent: importing the same file again writes nothing", async () => {
    const origin = memoryStore();
    const run = await rescoredRun(origin);
    const file = await exportTo(origin, run.id);
    const fresh = memoryStore();
    await importBaseline(fresh, await readBaselineFile(file));
    const first = await snapshot(fresh, run.id);
    const again = await importBaseline(fresh, await readBaselineFile(file));
    expect(again.status).toBe("present");
    expect(await snapshot(fresh, run.id)).toEqual(first);
    expect(await fresh.listRuns()).toHaveLength(1);
  });

  it("redoes an import that was cut short instead of taking the partial run for the baseline", async () => {
    const origin = memoryStore();
    const run = await rescoredRun(origin);
    const file = await exportTo(origin, run.id);
    const baseline = await readBaselineFile(file);
    const fresh = memoryStore();
    // what a crash after the first batch leaves: the run marked as importing, some rows written
    await fresh.createScoreSet({ ...baseline.header.scoreSets[1], runId: run.id });
    await fresh.createRun({
      ...run,
      status: "running",
      statusReason: "importing baseline from baseline.jsonl",
    });
    await fresh.writeResults({ outputs: baseline.outputs.slice(0, 1), scores: [] });

    expect((await importBaseline(fresh, baseline)).status).toBe("imported");
    expect(await snapshot(fresh, run.id)).toEqual(await snapshot(origin, run.id));
  });

  it("refuses a different run under the same id, and a baseline of another suite unless forced", async () => {
    const origin = memoryStore();
    const run = await rescoredRun(origin);
    const baseline = await readBaselineFile(await exportTo(origin, run.id));

    const other = memoryStore();
    await expect(importBaseline(other, baseline, { suite: "checkout" })).rejects.toThrow(
      /baseline is of suite "demo", not "checkout"/,
    );
    expect(await other.listRuns()).toEqual([]);
    expect((await importBaseline(other, baseline, { suite: "checkout", force: true })).status).toBe(
      "imported",
    );

    const clash = memoryStore();
    await makeRun(clash, { id: run.id, suite: "demo", target: "v1", cases: CASES.slice(0, 2) });
    await expect(importBaseline(clash, baseline)).rejects.toThrow(/already holds a run r-base that differs/);
  });

  it("moves --tag onto the imported run from the suite's other runs", async () => {
    const origin = memoryStore();
    const run = await rescoredRun(origin);
    const baseline = await readBaselineFile(await exportTo(origin, run.id));
    const fresh = memoryStore();
    await makeRun(fresh, { id: "local", suite: "demo", target: "v1", tags: ["main"], cases: CASES });

    const outcome = await importBaseline(fresh, baseline, { tag: "main" });
    expect(outcome.tagged).toBe(true);
    expect((await fresh.getRun(run.id))?.tags).toEqual(["main"]);
    expect((await fresh.getRun("local"))?.tags).toEqual([]);
    expect((await importBaseline(fresh, baseline, { tag: "main" })).tagged).toBe(false);
  });

  it("exports only completed runs", async () => {
    const store = memoryStore();
    await makeRun(store, { id: "half", status: "interrupted", cases: CASES });
    await expect(collectBaseline(store, "half")).rejects.toThrow(BaselineExportError);
    await expect(collectBaseline(store, "half")).rejects.toThrow(/half is interrupted.*--resume/);
  });
});

describe("reading a baseline file", () => {
  async function validFile(): Promise<{ file: string; lines: string[] }> {
    const store = memoryStore();
    const run = await rescoredRun(store);
    const file = await exportTo(store, run.id);
    return { file, lines: readFileSync(file, "utf8").trimEnd().split("\n") };
  }

  async function errorOf(file: string): Promise<InputError> {
    const err = await readBaselineFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }

  it("holds records without run ids: every one belongs to the header's run", async () => {
    const { lines } = await validFile();
    const header = JSON.parse(lines[0]);
    expect(header).toMatchObject({ format: "assay-baseline", version: 1, counts: { cases: 4, outputs: 4 } });
    expect(header.scoreSets.map((s: { id: number }) => s.id)).toEqual([1, 2]);
    for (const line of lines.slice(1)) expect(line).not.toContain('"runId"');
  });

  it("names the file, line and field of a bad record", async () => {
    const { file, lines } = await validFile();
    const n = lines.findIndex((l) => l.startsWith('{"output"'));
    const bad = JSON.parse(lines[n]);
    bad.output.epoch = "zero";
    lines[n] = JSON.stringify(bad);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const err = await errorOf(file);
    expect(err.line).toBe(n + 1);
    expect(err.field).toBe("output.epoch");
    expect(err.message).toContain(`${file}:${n + 1}`);
  });

  it("refuses a truncated file by the header's counts", async () => {
    const { file, lines } = await validFile();
    writeFileSync(file, `${lines.slice(0, -1).join("\n")}\n`);
    const err = await errorOf(file);
    expect(err.field).toBe("counts.scores");
    expect(err.message).toMatch(/truncated or was edited/);
  });

  it("refuses a file that is not a baseline, and scores of a set the header does not list", async () => {
    const { file, lines } = await validFile();
    writeFileSync(file, '{"id":"act-1","input":"hello"}\n');
    expect((await errorOf(file)).message).toMatch(/not an assay baseline file/);

    const n = lines.findIndex((l) => l.startsWith('{"score"'));
    const bad = JSON.parse(lines[n]);
    bad.score.scoreSet = 7;
    lines[n] = JSON.stringify(bad);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const err = await errorOf(file);
    expect(err.line).toBe(n + 1);
    expect(err.message).toMatch(/score set 7 is not in the header/);
  });
});
