import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Leaderboard } from "../../src/compare/leaderboard.ts";
import type { Scorecard } from "../../src/scorecard/types.ts";
import { runCliInProcess } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** Cost at volume on compare's leaderboard, configured score bands, and a bad confidence path. */

const CASES = Array.from({ length: 12 }, (_, i) => ({
  id: `k${i}`,
  input: { n: i },
  expected: { action: "go" },
}));

// quality and cost per target: cheap-bad, dear-good, and a dominated one (dearer and worse than dear-good)
const target = (rightEvery: number, cost: number) => `export default async function ({ n: i }) {
  return { output: { action: i % ${rightEvery} === 0 ? "stop" : "go" }, costUsd: ${cost} * (1 + (i % 2)) };
}
`;

function suiteYaml(extra: string[] = []): string {
  return [
    "suite: board",
    "dataset: cases.jsonl",
    "targets:",
    "  - { id: cheap, module: cheap.mjs }",
    "  - { id: good, module: good.mjs }",
    "  - { id: dominated, module: dominated.mjs }",
    "dimensions:",
    "  action: { evaluator: json-field, with: { field: action } }",
    ...extra,
  ].join("\n");
}

describe("leaderboard at volume and score bands", () => {
  let tmp: ReturnType<typeof tempDir>;
  let cards: Scorecard[];
  beforeAll(async () => {
    tmp = tempDir();
    tmp.write("cases.jsonl", jsonl(CASES));
    tmp.write("cheap.mjs", target(2, 0.0001)); // 50% right
    tmp.write("good.mjs", target(13, 0.001)); // wrong only at i = 0
    tmp.write("dominated.mjs", target(3, 0.002));
    tmp.write(
      "assay.yaml",
      suiteYaml([
        "volume: { perMonth: 50000 }",
        "bands:",
        "  - { label: ship, min: 0.9 }",
        "  - { label: hold, min: 0.6 }",
        "  - { label: stop, min: 0 }",
      ]),
    );
    const res = await runCliInProcess(["run", tmp.dir, "-q", "--json", tmp.path("run.json")], {
      cwd: tmp.dir,
    });
    expect(res.code, res.stderr).toBe(0);
    cards = JSON.parse(readFileSync(tmp.path("run.json"), "utf8")).scorecards;
  }, 60_000);
  afterAll(() => tmp?.remove());

  it("labels with the suite's bands", () => {
    const band = Object.fromEntries(cards.map((c) => [c.run.target, c.aggregate.band]));
    // cheap 6/12 = 0.5, good 11/12 ≈ 0.917, dominated 8/12 ≈ 0.667
    expect(band).toEqual({ cheap: "stop", good: "ship", dominated: "hold" });
    expect(cards[0].bands.map((b) => b.label)).toEqual(["ship", "hold", "stop"]);
    expect(cards.find((c) => c.run.target === "dominated")?.dimensions.action.band).toBe("hold");
  });

  it("projects each run's monthly cost on the leaderboard and keeps the Pareto flags", async () => {
    const ids = cards.map((c) => c.run.id);
    const res = await runCliInProcess(
      ["compare", ...ids, "--json", tmp.path("lb.json"), "--md", tmp.path("lb.md")],
      {
        cwd: tmp.dir,
      },
    );
    expect(res.code, res.stderr).toBe(0);
    const lb = JSON.parse(readFileSync(tmp.path("lb.json"), "utf8")) as Leaderboard;
    expect(lb.volume).toBe(50000); // from the suite
    for (const e of lb.entries) {
      expect(e.monthlyCost?.mean).toBeCloseTo((e.costPerCase as number) * 50000, 6);
      const ci = e.monthlyCost?.ci as [number, number];
      expect(ci[0]).toBeLessThan(e.monthlyCost?.mean as number);
      expect(ci[1]).toBeGreaterThan(e.monthlyCost?.mean as number);
    }
    const pareto = Object.fromEntries(lb.entries.map((e) => [e.target, e.pareto]));
    expect(pareto).toEqual({ cheap: true, good: true, dominated: false });
    expect(res.stdout).toContain("per month at 50,000");
    expect(readFileSync(tmp.path("lb.md"), "utf8")).toContain("| per month at 50,000 |");

    const flag = await runCliInProcess(
      ["compare", ...ids, "--volume", "10", "--json", tmp.path("lb10.json")],
      {
        cwd: tmp.dir,
      },
    );
    expect(flag.code, flag.stderr).toBe(0);
    const lb10 = JSON.parse(readFileSync(tmp.path("lb10.json"), "utf8")) as Leaderboard;
    expect(lb10.volume).toBe(10);
    expect(lb10.entries[0].monthlyCost?.mean).toBeCloseTo((lb10.entries[0].costPerCase as number) * 10, 9);
  }, 60_000);

  it("refuses a confidence that is not a JSONPath, naming the field", async () => {
    const bad = tempDir();
    try {
      bad.write("cases.jsonl", jsonl(CASES.slice(0, 1)));
      bad.write("cheap.mjs", target(2, 0.0001));
      bad.write(
        "assay.yaml",
        [
          "suite: bad",
          "dataset: cases.jsonl",
          "targets:",
          "  - { id: cheap, module: cheap.mjs, confidence: confidence }",
          "dimensions:",
          "  action: { evaluator: json-field, with: { field: action } }",
        ].join("\n"),
      );
      const res = await runCliInProcess(["run", bad.dir, "-q"], { cwd: bad.dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/confidence/);
      expect(res.stderr).toMatch(/must start with \$/);
    } finally {
      bad.remove();
    }
  });
});
