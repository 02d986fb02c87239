import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

/**
 * `assay dataset versions`, `diff` and `coverage` on a suite whose dataset is edited between
 * real runs (an offline module target), as a team keeping a golden set would meet them.
 */

const SUITE = [
  "suite: golden",
  "dataset: data/cases.jsonl",
  "targets: [{id: echo, module: target.mjs}]",
  "dimensions: {same: {evaluator: equals}}",
  "coverage:",
  "  tolerance: 0.1",
  "  level: {simple: 0.5, complex: 0.5}",
  "",
].join("\n");

const line = (id: string, input: string, level: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, input, expected: input, tags: { level }, ...extra });

const V1 = [
  line("a", "alpha", "simple"),
  line("b", "bravo", "simple"),
  line("c", "charlie", "complex"),
  line("d", "delta", "complex"),
];
// b reworded, c retagged, d removed, e and f added
const V2 = [
  line("a", "alpha", "simple"),
  line("b", "bravo!", "simple"),
  line("c", "charlie", "simple"),
  line("e", "echo", "simple"),
  line("f", "foxtrot", "complex"),
];

describe("assay dataset versions, diff and coverage", () => {
  let tmp: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCliInProcess(args, { cwd: tmp.dir });
  const readJson = (name: string) => JSON.parse(readFileSync(tmp.path(name), "utf8"));

  beforeAll(async () => {
    tmp = tempDir("assay-versions-cli-");
    tmp.write("assay.yaml", SUITE);
    tmp.write("target.mjs", "export default async (input) => input;\n");
    mkdirSync(tmp.path("data"));
    tmp.write("data/cases.jsonl", `${V1.join("\n")}\n`);
    tmp.write("v1.jsonl", `${V1.join("\n")}\n`);
    expect((await cli("run", "--quiet", "--json", "run1.json")).code).toBe(0);
    expect((await cli("run", "--quiet")).code).toBe(0);
    tmp.write("data/cases.jsonl", `${V2.join("\n")}\n`);
    expect((await cli("run", "--quiet", "--json", "run2.json")).code).toBe(0);
  });

  afterAll(() => tmp.remove());

  it("lists the versions the runs used, newest first, marking the current one", async () => {
    const res = await cli("dataset", "versions", "--json", "versions.json");
    expect(res.code).toBe(0);
    const out = readJson("versions.json");
    const [v2, v1] = out.versions;
    expect(out.suite).toBe("golden");
    expect(out.current.version).toBe(readJson("run2.json").run.datasetVersion);
    expect(v2).toMatchObject({
      version: out.current.version,
      cases: 5,
      runs: 1,
      current: true,
      targets: ["echo"],
    });
    expect(v1).toMatchObject({
      version: readJson("run1.json").run.datasetVersion,
      cases: 4,
      runs: 2,
      completedRuns: 2,
      current: false,
    });
    expect(v1.firstRun.id).toBe(readJson("run1.json").run.id);
    expect(out.store).toBe(tmp.path(".assay/assay.db"));
    expect(res.stdout).toContain(`${v2.version} (current)`);
  });

  it("diffs files, stored versions (or their prefix) and runs alike", async () => {
    const v1 = readJson("run1.json").run.datasetVersion as string;
    const expected = {
      added: ["e", "f"],
      removed: ["d"],
      changed: ["b", "c"],
      changedFields: { b: ["input", "expected"], c: ["tags"] },
      unchanged: 1,
    };
    const files = await cli("dataset", "diff", "v1.jsonl", "data/cases.jsonl", "--json");
    expect(files.code).toBe(0);
    expect(JSON.parse(files.stdout)).toMatchObject({ ...expected, a: { source: "file", version: v1 } });
    const stored = await cli("dataset", "diff", v1.slice(0, 6), "latest", "--json");
    expect(stored.code).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({
      ...expected,
      a: { source: "store", version: v1, cases: 4 },
      b: { source: "store", cases: 5 },
    });
    const text = await cli("dataset", "diff", readJson("run1.json").run.id, ".");
    expect(text.stdout).toContain("added 2: e, f");
    expect(text.stdout).toContain("changed 2: b (input, expected), c (tags)");
    const bad = await cli("dataset", "diff", "nothing-like-this", "v1.jsonl");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"nothing-like-this" is not a file, a stored dataset version/);
  });

  it("checks the mix: exit 1 when a share is off by more than the tolerance", async () => {
    // v2: 4 simple, 1 complex = 80% / 20% against 50% / 50%
    const off = await cli("dataset", "coverage", "--json", "cov.json");
    expect(off.code).toBe(1);
    const report = readJson("cov.json");
    expect(report.cases).toBe(5);
    expect(report.flagged.map((c: { value: string }) => c.value)).toEqual(["simple", "complex"]);
    expect(off.stdout).toContain("2 share(s) off target by more than 10.0%");
    const ok = await cli("dataset", "coverage", "--dataset", "v1.jsonl");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("every share is within 10.0% of its target");
  });

  it("reads a store only when one exists, and never creates one", async () => {
    const empty = tempDir("assay-versions-empty-");
    try {
      const res = await runCliInProcess(["dataset", "versions"], { cwd: empty.dir });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/no store at/);
      expect(existsSync(empty.path(".assay"))).toBe(false);
      // coverage needs no store at all
      empty.write("d.jsonl", `${V1.join("\n")}\n`);
      const cov = await runCliInProcess(["dataset", "coverage", "--dataset", "d.jsonl", "--json"], {
        cwd: empty.dir,
      });
      expect(cov.code).toBe(0);
      expect(JSON.parse(cov.stdout).keys.level.values.simple).toEqual({ count: 2, share: 0.5 });
      expect(existsSync(empty.path(".assay"))).toBe(false);
    } finally {
      empty.remove();
    }
  });
});
