import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess, startCli } from "../support/cli.ts";
import { ids, makeRun } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * The store is obvious: every command says which store it opened, commands that only read never
 * create one (a missing store is exit 2 naming the path), and runs/show/compare/view/export find
 * a suite's store from the suite's folder as `run` does.
 */

const SUITE = [
  "suite: where",
  "dataset: cases.jsonl",
  "targets:",
  "  - id: base",
  "    module: target.ts",
  "  - id: cand",
  "    module: target.ts",
  "dimensions:",
  "  correct: { evaluator: json-field, with: { field: action }, threshold: 1 }",
  "gate:",
  "  baseline: base",
  "  maxRegression: 0.05",
  "",
].join("\n");

/** Every file and folder under dir, relative, sorted. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("read-only commands on a missing store", () => {
  let tmp: ReturnType<typeof tempDir>;
  let suiteDir: string;
  beforeAll(() => {
    tmp = tempDir("assay-no-store-");
    suiteDir = tmp.path("suite");
    mkdirSync(suiteDir);
    tmp.write("suite/assay.yaml", SUITE);
    tmp.write("suite/cases.jsonl", jsonl([{ id: "x", input: "x" }]));
  });
  afterAll(() => tmp.remove());

  const cases: Array<[string, string[]]> = [
    ["runs", ["runs"]],
    ["runs SUITE", ["runs", "suite"]],
    ["show", ["show", "latest"]],
    ["show --suite", ["show", "latest", "--suite", "suite"]],
    ["compare", ["compare", "a", "b"]],
    ["compare --suite", ["compare", "a", "b", "--suite", "suite"]],
    ["view", ["view", "--port", "0"]],
    ["view SUITE", ["view", "suite", "--port", "0"]],
    ["export", ["export", "latest", "--format", "csv"]],
    ["gate SUITE", ["gate", "suite"]],
    ["labels export", ["labels", "export", "--run", "latest", "--suite", "suite"]],
  ];
  for (const [name, args] of cases) {
    it(`${name}: exit 2 naming the path and what to do; nothing created`, async () => {
      const before = listing(tmp.dir);
      const res = await runCliInProcess(args, { cwd: tmp.dir, env: { ASSAY_DB: undefined } });
      expect(res.code, res.stderr).toBe(2);
      const expected = args.includes("suite")
        ? join(suiteDir, ".assay", "assay.db")
        : join(tmp.dir, ".assay", "assay.db");
      expect(res.stderr).toContain(`no store at ${expected}: run \`assay run\` first, or pass --db`);
      expect(listing(tmp.dir)).toEqual(before);
    });
  }

  it("--db naming a missing file: exit 2, and the file is not created", async () => {
    const db = tmp.path("nested/missing.db");
    const res = await runCliInProcess(["--db", db, "runs"], { cwd: tmp.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`no store at ${db}`);
    expect(existsSync(tmp.path("nested"))).toBe(false);
  });

  it("a suite folder that does not exist is an input error, not a store elsewhere", async () => {
    const res = await runCliInProcess(["runs", "no-such-suite"], {
      cwd: tmp.dir,
      env: { ASSAY_DB: undefined },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("no-such-suite");
    expect(existsSync(tmp.path(".assay"))).toBe(false);
  });
});

describe("finding and naming the suite's store", () => {
  let tmp: ReturnType<typeof tempDir>;
  let suiteDir: string;
  let db: string;
  beforeAll(async () => {
    tmp = tempDir("assay-find-store-");
    suiteDir = tmp.path("proj");
    mkdirSync(suiteDir);
    tmp.write("proj/assay.yaml", SUITE);
    tmp.write("proj/cases.jsonl", jsonl([{ id: "x", input: "x" }]));
    db = join(suiteDir, ".assay", "assay.db");
    mkdirSync(join(suiteDir, ".assay"));
    const store = openSqliteStore(db);
    try {
      const cases = (failing: number) =>
        ids("c", 40).map((id, i) => ({ id, scores: { correct: i < failing ? 0 : 1 } }));
      await makeRun(store, { id: "run-base", suite: "where", target: "base", cases: cases(0) });
      await makeRun(store, { id: "run-cand", suite: "where", target: "cand", cases: cases(2) });
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  // run from the parent folder, where there is no suite and no store
  const cli = (args: string[]) => runCliInProcess(args, { cwd: tmp.dir, env: { ASSAY_DB: undefined } });
  const storeLine = () => `store: ${db}\n`;

  it("runs SUITE_DIR lists the runs of the store beside the suite, and says which store", async () => {
    const res = await cli(["runs", "proj"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe(storeLine());
    expect(res.stdout).toContain("run-base");
    expect(res.stdout).toContain("run-cand");
    // a suite file works as well as its folder
    const byFile = await cli(["runs", "proj/assay.yaml", "--json"]);
    expect(
      JSON.parse(byFile.stdout)
        .map((r: { id: string }) => r.id)
        .sort(),
    ).toEqual(["run-base", "run-cand"]);
  });

  it("show --suite: the scorecard, with `store` in its JSON", async () => {
    const res = await cli(["show", "run-cand", "--suite", "proj", "--json", tmp.path("card.json")]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe(storeLine());
    const card = JSON.parse(readFileSync(tmp.path("card.json"), "utf8"));
    expect(card.run.id).toBe("run-cand");
    expect(card.store).toBe(db);
  });

  it("compare --suite and export --suite read the same store", async () => {
    const cmp = await cli([
      "compare",
      "run-base",
      "run-cand",
      "--suite",
      "proj",
      "--json",
      tmp.path("cmp.json"),
    ]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stderr).toBe(storeLine());
    const json = JSON.parse(readFileSync(tmp.path("cmp.json"), "utf8"));
    expect(json).toMatchObject({ base: "run-base", candidate: "run-cand", store: db });
    const exp = await cli(["export", "run-cand", "--format", "csv", "--suite", "proj"]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stderr).toBe(storeLine());
    expect(exp.stdout.split("\n").filter((l) => l.startsWith("c-")).length).toBe(40);
  });

  it("gate SUITE reads the suite's store, with `store` in its JSON", async () => {
    const res = await cli(["gate", "proj", "--json", tmp.path("gate.json")]);
    expect(res.stderr).toContain(storeLine());
    const json = JSON.parse(readFileSync(tmp.path("gate.json"), "utf8"));
    expect(json).toMatchObject({ candidate: "run-cand", baseline: "run-base", store: db });
    expect(res.code).toBe(json.exitCode);
  });

  it("--db wins over the suite folder, and is named", async () => {
    const other = tmp.path("other.db");
    const store = openSqliteStore(other);
    await makeRun(store, {
      id: "run-elsewhere",
      suite: "where",
      cases: [{ id: "c", scores: { correct: 1 } }],
    });
    await store.close();
    const res = await cli(["--db", other, "runs", "proj"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe(`store: ${other}\n`);
    expect(res.stdout).toContain("run-elsewhere");
    expect(res.stdout).not.toContain("run-base");
  });

  it("view SUITE_DIR serves the suite's store (a real server, stopped with SIGTERM)", async () => {
    const { child, done } = startCli(["view", "proj", "--port", "0"], {
      cwd: tmp.dir,
      env: { ASSAY_DB: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", (d) => {
        stdout += d;
        const m = /assay view: (http:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child.on("close", (code) => reject(new Error(`view exited ${code}: ${stderr}`)));
    });
    try {
      const runs = (await (await fetch(new URL("/api/runs", url))).json()) as unknown;
      expect(JSON.stringify(runs)).toContain("run-cand");
      expect(stderr).toContain(`store: ${db}\n`);
    } finally {
      child.kill("SIGTERM");
      await done;
    }
  });
});
