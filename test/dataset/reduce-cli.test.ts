import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCases } from "../../src/dataset/upkeep/cases.ts";
import { createRng } from "../../src/stats/random.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { makeRun, type SyntheticCase } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `assay dataset reduce` on stored runs of five targets whose outcomes follow a two-parameter
 * logistic model (ability θ per target; difficulty and discrimination per case, difficulty by
 * level): halving the dataset must keep the ranking (Kendall τ ≥ 0.8) and the suite's mix.
 */

const LEVELS = { simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1 } as const;
const LEVEL_DIFFICULTY = { simple: -1, moderate: 0, complex: 0.8, adversarial: 1.5 } as const;
const CATEGORIES = ["action", "entity", "format"];
const N = 200;
const ABILITIES = [-1.6, -0.6, 0.4, 1.4, 2.4];

interface Item {
  id: string;
  level: keyof typeof LEVELS;
  category: string;
  difficulty: number;
  discrimination: number;
}

function items(): Item[] {
  const rng = createRng("reduce-items");
  const out: Item[] = [];
  for (const [level, share] of Object.entries(LEVELS) as Array<[keyof typeof LEVELS, number]>) {
    for (let i = 0; i < N * share; i++) {
      out.push({
        id: `${level}-${String(i).padStart(3, "0")}`,
        level,
        category: CATEGORIES[i % CATEGORIES.length],
        difficulty: LEVEL_DIFFICULTY[level] + (rng.nextFloat() - 0.5) * 1.5,
        // a third of the cases barely discriminate: the ones a reduction should drop
        discrimination: i % 3 === 0 ? 0.1 : 1 + rng.nextFloat() * 2,
      });
    }
  }
  return out;
}

describe("assay dataset reduce", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const all = items();
  const runs = ABILITIES.map((_, t) => `run-t${t}`);
  const cli = (...args: string[]) => runCliInProcess(["--db", db, "dataset", ...args], { cwd: tmp.dir });
  const readJson = (name: string) => JSON.parse(readFileSync(tmp.path(name), "utf8"));

  beforeAll(async () => {
    tmp = tempDir("assay-reduce-cli-");
    db = tmp.path("assay.db");
    tmp.write(
      "assay.yaml",
      [
        "suite: reduce-demo",
        "dataset: cases.jsonl",
        "targets: [{id: t, module: t.mjs}]",
        "dimensions: {correct: {evaluator: equals, threshold: 1}}",
        "coverage:",
        "  tolerance: 0.05",
        "  level: {simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1}",
        "",
      ].join("\n"),
    );
    tmp.write(
      "cases.jsonl",
      jsonl(
        all.map((c) => ({
          id: c.id,
          input: c.id,
          expected: { id: c.id },
          tags: { level: c.level, category: c.category },
        })),
      ),
    );
    const rng = createRng("reduce-outcomes");
    const store = openSqliteStore(db);
    try {
      for (const [t, theta] of ABILITIES.entries()) {
        const cases: SyntheticCase[] = all.map((c) => {
          const p = 1 / (1 + Math.exp(-c.discrimination * (theta - c.difficulty)));
          return {
            id: c.id,
            tags: { level: c.level, category: c.category },
            scores: { correct: rng.nextFloat() < p ? 1 : 0 },
          };
        });
        await makeRun(store, {
          id: runs[t],
          suite: "reduce-demo",
          target: `t${t}`,
          datasetVersion: "dv-full",
          cases,
        });
      }
    } finally {
      await store.close();
    }
  });

  afterAll(() => tmp.remove());

  it("keeps half the cases, the five targets' ranking and the suite's mix", async () => {
    const res = await cli(
      "reduce",
      "--runs",
      ...runs,
      "--keep",
      "0.5",
      "--out",
      "reduced.jsonl",
      "--json",
      "report.json",
    );
    expect(res.code).toBe(0);
    const report = readJson("report.json");
    expect(report.kept).toBe(N / 2);
    expect(report.total).toBe(N);
    expect(report.kendallTau).toBeGreaterThanOrEqual(0.8);
    expect(report.rmse).toBeGreaterThanOrEqual(0);
    expect(report.leaderboard).toHaveLength(5);
    // the stratification follows the suite's coverage keys, and every level keeps its share
    expect(report.strata.keys).toEqual(["level"]);
    expect(report.coverage.flagged).toEqual([]);
    expect(report.coverage.after.level).toEqual(LEVELS);
    expect(report.mde.reduced).toBeGreaterThan(report.mde.full);
    expect(report.store).toBe(db);

    // the file holds the kept cases, unchanged, in dataset order
    const kept = await readCases([tmp.path("reduced.jsonl")]);
    expect(kept.map((c) => c.id)).toEqual(report.keptIds);
    const order = all.map((c) => c.id);
    expect(kept.map((c) => order.indexOf(c.id))).toEqual(
      [...kept.map((c) => order.indexOf(c.id))].sort((a, b) => a - b),
    );
    expect(kept[0]).toEqual({
      id: kept[0].id,
      input: kept[0].id,
      expected: { id: kept[0].id },
      tags: { level: kept[0].tags.level, category: kept[0].tags.category },
    });
    // the barely discriminating third goes first
    const weak = new Set(all.filter((c) => c.discrimination < 0.5).map((c) => c.id));
    expect(kept.filter((c) => weak.has(c.id)).length).toBeLessThan(kept.length / 6);

    // the leaderboards are the runs' mean scores over all cases and over the kept ones
    const store = openSqliteStore(db);
    try {
      for (const row of report.leaderboard) {
        const scores = await store.listScores(row.run);
        const mean = (ids: Set<string> | null) => {
          const xs = scores.filter((s) => ids === null || ids.has(s.caseId)).map((s) => s.score as number);
          return xs.reduce((a, b) => a + b, 0) / xs.length;
        };
        expect(row.full).toBeCloseTo(mean(null), 12);
        expect(row.reduced).toBeCloseTo(mean(new Set(report.keptIds)), 12);
      }
    } finally {
      await store.close();
    }

    // the reduced file passes the suite's coverage check
    const coverage = await cli("coverage", "--dataset", "reduced.jsonl", "--json", "coverage.json");
    expect(coverage.code).toBe(0);
    expect(readJson("coverage.json").flagged).toEqual([]);
  });

  it("keeps the same cases every time (deterministic)", async () => {
    await cli("reduce", "--runs", ...runs, "--keep", "0.5", "--out", "a.jsonl");
    await cli("reduce", "--runs", ...[...runs].reverse(), "--keep", "0.5", "--out", "b.jsonl");
    expect(tmp.read("a.jsonl")).toBe(tmp.read("b.jsonl"));
    expect(tmp.read("a.jsonl").trim().split("\n")).toHaveLength(N / 2);
  });

  it("takes a count, other strata, and refuses what it cannot do (exit 2)", async () => {
    const res = await cli(
      "reduce",
      "--runs",
      ...runs,
      "--keep",
      "50",
      "--stratify-by",
      "level,category",
      "--out",
      "c.jsonl",
      "--json",
    );
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.kept).toBe(50);
    expect(report.strata.keys).toEqual(["level", "category"]);
    expect(report.strata.sizes.reduce((a: number, s: { kept: number }) => a + s.kept, 0)).toBe(50);

    expect((await cli("reduce", "--runs", ...runs, "--keep", "0", "--out", "d.jsonl")).code).toBe(2);
    expect((await cli("reduce", "--runs", runs[0], "--keep", "0.5", "--out", "d.jsonl")).code).toBe(2);
    const csv = await cli("reduce", "--runs", ...runs, "--keep", "0.5", "--out", "d.csv");
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/JSON Lines/);
  });
});
