import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { makeRun } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";

/**
 * `assay dataset items` end to end: eight stored runs whose pass/fail matrix is the reference
 * vector's, read back through the CLI and its JSON contract.
 */

interface Vector {
  name: string;
  inputs: { responses_models_by_items: number[][] };
  expected: {
    difficulty_p: number[];
    point_biserial_item_rest: number[];
    kr20: number;
    cronbach_alpha: number;
  };
}

const vectors = JSON.parse(
  readFileSync(new URL("../fixtures/reference/stats-vectors.json", import.meta.url), "utf8"),
) as { cases: Vector[] };
const vector = vectors.cases.find((c) => c.name === "item_analysis_discrimination") as Vector;
const matrix = vector.inputs.responses_models_by_items;
const TOL = 1e-12;
const RUNS = matrix.map((_, r) => `run-${r}`);

describe("assay dataset items", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, "dataset", ...args], { cwd: tmp.dir });
  const readJson = (name: string) => JSON.parse(readFileSync(tmp.path(name), "utf8"));

  beforeAll(async () => {
    tmp = tempDir("assay-items-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      for (const [r, row] of matrix.entries()) {
        await makeRun(store, {
          id: RUNS[r],
          target: `model-${r}`,
          // `style` passes everywhere, so the default (every dimension) agrees with `correct`;
          // `flaky` errored once: that case is left out of the analysis
          cases: [
            ...row.map((pass, j) => ({
              id: `item-${j}`,
              tags: { level: j < 3 ? "simple" : "complex" },
              scores: { correct: pass, style: 1 },
            })),
            r === 2
              ? { id: "flaky", error: "timeout" as const, scores: {} }
              : { id: "flaky", scores: { correct: 1, style: 1 } },
          ],
        });
      }
    } finally {
      await store.close();
    }
  });

  afterAll(() => tmp.remove());

  it("reproduces the reference item statistics through the store and the CLI", async () => {
    const res = await cli("items", "--runs", ...RUNS, "--dimension", "correct", "--json", "items.json");
    expect(res.stderr).toContain(`store: ${db}`);
    expect(res.code).toBe(0);
    const report = readJson("items.json");
    expect(report.n).toBe(8);
    expect(report.nItems).toBe(6);
    expect(report.dimension).toBe("correct");
    expect(report.items.map((i: { id: string }) => i.id)).toEqual(matrix[0].map((_, j) => `item-${j}`));
    report.items.forEach((item: { difficulty: number; pointBiserial: number }, j: number) => {
      expect(Math.abs(item.difficulty - vector.expected.difficulty_p[j])).toBeLessThanOrEqual(TOL);
      expect(Math.abs(item.pointBiserial - vector.expected.point_biserial_item_rest[j])).toBeLessThanOrEqual(
        TOL,
      );
    });
    expect(Math.abs(report.kr20 - vector.expected.kr20)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(report.alpha - vector.expected.cronbach_alpha)).toBeLessThanOrEqual(TOL);
    expect(report.excluded).toEqual([{ id: "flaky", reason: "errored in run run-2" }]);
    expect(report.store).toBe(db);
    // the table names the runs' targets and the reliability
    expect(res.stdout).toContain("8 runs × 6 cases (correct): KR-20 0.684, Cronbach's α 0.684");
  });

  it("passes a case on every dimension by default, and prints JSON on stdout with a bare --json", async () => {
    const res = await cli("items", "--runs", ...RUNS, "--json");
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.dimension).toBeNull();
    expect(Math.abs(report.kr20 - vector.expected.kr20)).toBeLessThanOrEqual(TOL);
    expect(report.nobodyPasses).toEqual([]);
    expect(report.everybodyPasses).toEqual([]);
    expect(report.runs[0]).toMatchObject({ id: "run-0", target: "model-0", passRate: 4 / 6 });
  });

  it("lists the cases nobody and everybody passes", async () => {
    const res = await cli("items", "--runs", "run-4", "run-5", "--dimension", "correct", "--json");
    const report = JSON.parse(res.stdout);
    // run-4: 1 1 1 1 1 0 (flaky 1) · run-5: 1 0 0 0 0 0 (flaky 1)
    expect(report.everybodyPasses).toEqual(["item-0", "flaky"]);
    expect(report.nobodyPasses).toEqual(["item-5"]);
    expect(report.items[0].pointBiserial).toBeNull();
  });

  it("refuses one run, an unknown dimension and an unknown run (exit 2)", async () => {
    const one = await cli("items", "--runs", "run-0");
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/at least two runs/);
    const dim = await cli("items", "--runs", "run-0", "run-1", "--dimension", "tone");
    expect(dim.code).toBe(2);
    expect(dim.stderr).toMatch(/no dimension "tone" \(it has correct, style\)/);
    const missing = await cli("items", "--runs", "run-0", "nope");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run "nope"/);
  });
});
