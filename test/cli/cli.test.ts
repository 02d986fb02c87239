import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** The CLI as a user and a CI script meet it: exit codes, messages naming file/line/field, outputs. */

const GOOD_TARGET = `export default async function (input: string) {
  return { action: input.startsWith("done") ? "complete" : "create", title: input };
}
`;

function suiteYaml(extra: Partial<Record<"dataset" | "dimensions" | "targets", string>> = {}): string {
  return [
    "suite: cli",
    `dataset: ${extra.dataset ?? "cases.jsonl"}`,
    "targets:",
    extra.targets ?? "  - id: mod\n    module: target.ts",
    "dimensions:",
    extra.dimensions ?? "  action:\n    evaluator: json-field\n    with: { field: action }\n    weight: 1",
  ].join("\n");
}

const CASES = [
  { id: "a1", input: "done with taxes", expected: { action: "complete" }, tags: { level: "simple" } },
  { id: "a2", input: "buy milk", expected: { action: "create" }, tags: { level: "simple" } },
  { id: "a3", input: "done: call mom", expected: { action: "complete" }, tags: { level: "hard" } },
  { id: "a4", input: "finish report", expected: { action: "complete" }, tags: { level: "hard" } },
];

describe("assay CLI", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    tmp.write("target.ts", GOOD_TARGET);
    tmp.write("cases.jsonl", jsonl(CASES));
  });
  afterAll(() => tmp.remove());

  it("runs a suite, prints the scorecard and writes the JSON contract fields", async () => {
    tmp.write("assay.yaml", suiteYaml());
    const res = await runCliInProcess(["run", tmp.dir, "--json", tmp.path("card.json")]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/action/);
    expect(res.stdout).toMatch(/aggregate/);
    const card = JSON.parse(readFileSync(tmp.path("card.json"), "utf8"));
    expect(card.run).toMatchObject({ suite: "cli", target: "mod" });
    expect(typeof card.run.id).toBe("string");
    expect(typeof card.run.datasetVersion).toBe("string");
    expect(card.cases).toBe(4);
    expect(card.errors).toMatchObject({ count: 0 });
    expect(card.dimensions.action).toMatchObject({ mean: 0.75, passRate: 0.75, n: 4, unscored: 0 });
    expect(card.dimensions.action.ci).toHaveLength(2);
    expect(card.dimensions.action.passCi).toHaveLength(2);
    expect(card.aggregate.mean).toBeCloseTo(0.75, 12);
    expect(card.slices["level=hard"].action.mean).toBe(0.5);
    expect(card.slices["level=simple"].action.mean).toBe(1);
    expect(Object.keys(card.latencyMs)).toEqual(expect.arrayContaining(["p50", "p95", "p99"]));
    expect(card.tokens).toMatchObject({ input: 0, output: 0 });
    expect(card.cost).toHaveProperty("total");
  });

  it("lists runs, shows one by prefix and latest, and exports every format", async () => {
    const list = await runCliInProcess(["runs"], { cwd: tmp.dir });
    expect(list.code).toBe(0);
    const id = /^(\d{8}-\d{6}-mod-[0-9a-f]{4})/m.exec(list.stdout)?.[1];
    expect(id).toBeDefined();
    const show = await runCliInProcess(
      ["show", (id as string).slice(0, 20), "--json", tmp.path("show.json")],
      {
        cwd: tmp.dir,
      },
    );
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(readFileSync(tmp.path("show.json"), "utf8")).run.id).toBe(id);

    const csv = await runCliInProcess(["export", "latest", "--format", "csv"], { cwd: tmp.dir });
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split(/\r\n/);
    expect(rows[0]).toContain("action.score");
    expect(rows).toHaveLength(5);
    const jl = await runCliInProcess(["export", "latest", "--format", "jsonl"], { cwd: tmp.dir });
    const lines = jl.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(["a1", "a2", "a3", "a4"]);
    expect(lines[3].scores.action.passed).toBe(false);
    const junit = await runCliInProcess(["export", "latest", "--format", "junit"], { cwd: tmp.dir });
    expect(junit.stdout).toMatch(
      /<testsuite name="cli.action" tests="4" failures="1" errors="0" skipped="0">/,
    );
    const md = await runCliInProcess(["export", "latest", "--format", "md"], { cwd: tmp.dir });
    expect(md.stdout).toMatch(/\| action \| 0\.750 \|/);
    const bad = await runCliInProcess(["export", "latest", "--format", "xlsx"], { cwd: tmp.dir });
    expect(bad.code).toBe(2);
    const missing = await runCliInProcess(["show", "no-such-run"], { cwd: tmp.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run "no-such-run"/);
  });

  it("a wrong type in the suite names file, line, column and field; exit 2", async () => {
    tmp.write(
      "assay.yaml",
      suiteYaml({
        dimensions: "  action:\n    evaluator: json-field\n    with: { field: action }\n    weight: heavy",
      }),
    );
    const res = await runCliInProcess(["run", tmp.dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `${tmp.path("assay.yaml")}:10:13 dimensions.action.weight: expected number, got string`,
    );
  });

  it("an unknown evaluator names the line of the evaluator field; exit 2", async () => {
    tmp.write("assay.yaml", suiteYaml({ dimensions: "  action:\n    evaluator: json-feild\n    weight: 1" }));
    const res = await runCliInProcess(["run", tmp.dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/assay\.yaml:8:\d+ dimensions\.action\.evaluator: .*json-feild/);
  });

  it("a malformed dataset line names file and line; exit 2; --skip-invalid continues and counts", async () => {
    tmp.write(
      "bad.jsonl",
      `${JSON.stringify(CASES[0])}\n${JSON.stringify(CASES[1])}\n{"id": "a3", "input": \n`,
    );
    tmp.write("assay.yaml", suiteYaml({ dataset: "bad.jsonl" }));
    const res = await runCliInProcess(["run", tmp.dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${tmp.path("bad.jsonl")}:3 malformed JSON`);
    const skipped = await runCliInProcess([
      "run",
      tmp.dir,
      "--skip-invalid",
      "--json",
      tmp.path("skip.json"),
    ]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/skipped 1 invalid dataset record/);
    expect(JSON.parse(readFileSync(tmp.path("skip.json"), "utf8")).cases).toBe(2);
  });

  it("a duplicate id names the id and both lines; exit 2", async () => {
    tmp.write("dup.jsonl", jsonl([CASES[0], CASES[1], CASES[0]]));
    tmp.write("assay.yaml", suiteYaml({ dataset: "dup.jsonl" }));
    const res = await runCliInProcess(["run", tmp.dir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `${tmp.path("dup.jsonl")}:3 id: duplicate id "a1" (first at ${tmp.path("dup.jsonl")}:1)`,
    );
  });

  it("a run whose every call fails exits 3 and still writes valid JSON", async () => {
    tmp.write("boom.ts", "export default async function () { throw new Error('down'); }\n");
    tmp.write("assay.yaml", suiteYaml({ targets: "  - id: boom\n    module: boom.ts" }));
    const res = await runCliInProcess(["run", tmp.dir, "--json", tmp.path("boom.json")]);
    expect(res.code).toBe(3);
    const card = JSON.parse(readFileSync(tmp.path("boom.json"), "utf8"));
    expect(card.errors).toMatchObject({ count: 4, rate: 1 });
    expect(card.errors.byClass["target-crash"]).toBe(4);
    expect(card.dimensions.action.n).toBe(0);
  });

  it("a usage error exits 2 and a missing suite file is named", async () => {
    const res = await runCliInProcess(["run", tmp.path("nope.yaml")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(tmp.path("nope.yaml"));
    const shard = await runCliInProcess(["run", tmp.dir, "--shard", "3/2"]);
    expect(shard.code).toBe(2);
    const unknown = await runCliInProcess(["frobnicate"]);
    expect(unknown.code).toBe(2);
  });

  it("prints the suite JSON Schema", async () => {
    const res = await runCliInProcess(["schema"]);
    expect(res.code).toBe(0);
    const schema = JSON.parse(res.stdout);
    expect(schema.properties.dimensions).toBeDefined();
    expect(schema.properties.targets.type).toBe("array");
  });
});
