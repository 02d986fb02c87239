import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { discordantPair, ids, makeRun, type SyntheticCase } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** `assay gate` and `assay baseline set` as a CI pipeline meets them. */

const TARGETS = ["base-target", "cand-target", "other-target"];

function suiteYaml(suite: string, gate: string): string {
  return [
    `suite: ${suite}`,
    "dataset: cases.jsonl",
    "targets:",
    ...TARGETS.flatMap((id) => [`  - id: ${id}`, "    module: target.ts"]),
    "dimensions:",
    "  correct:",
    "    evaluator: json-field",
    "    with: { field: action }",
    "    threshold: 1",
    "gate:",
    gate,
    "",
  ].join("\n");
}

const passFail = (prefix: string, n: number, failing: (i: number) => boolean): SyntheticCase[] =>
  ids(prefix, n).map((id, i) => ({ id, scores: { correct: failing(i) ? 0 : 1 } }));

describe("assay gate", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let n = 0;
  /** A folder holding a suite file with this gate block; returns the folder. */
  const suiteDir = (gate: string, suite = "synthetic") => {
    const name = `suite-${++n}`;
    mkdirSync(tmp.path(name));
    tmp.write(`${name}/assay.yaml`, suiteYaml(suite, gate));
    tmp.write(`${name}/cases.jsonl`, jsonl([{ id: "x", input: "x" }]));
    return tmp.path(name);
  };
  const gate = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCliInProcess(["--db", db, "gate", dir, ...args], { cwd: tmp.dir, env });
  const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

  beforeAll(async () => {
    tmp = tempDir("assay-gate-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      const mk = (id: string, datasetVersion: string, cases: SyntheticCase[], target = "cand-target") =>
        makeRun(store, { id, suite: "synthetic", target, datasetVersion, cases });
      // small drop, not significant: 12 cases, 2 more failures
      await mk(
        "small-base",
        "dv-small",
        passFail("s", 12, (i) => i === 0),
        "base-target",
      );
      await mk(
        "small-cand",
        "dv-small",
        passFail("s", 12, (i) => i < 3),
      );
      // large significant drop: 200 cases, 40 pass→fail
      const big = discordantPair({ n: 200, passToFail: 40, failToPass: 0, bothPass: 120, prefix: "b" });
      await mk("big-base", "dv-big", big.base, "base-target");
      await mk("big-cand", "dv-big", big.candidate);
      // significant but small: 400 cases, 20 pass→fail (5 pts)
      const sig = discordantPair({ n: 400, passToFail: 20, failToPass: 0, bothPass: 300, prefix: "g" });
      await mk("sig-base", "dv-sig", sig.base, "base-target");
      await mk("sig-cand", "dv-sig", sig.candidate);
      await mk(
        "other-version",
        "dv-other",
        passFail("s", 12, () => false),
        "base-target",
      );
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  it("warns, exit 0, on a drop beyond maxRegression that is not significant", async () => {
    const dir = suiteDir("  maxRegression: 0.05");
    const res = await gate(dir, ["--run", "small-cand", "--baseline", "small-base"]);
    expect(res.code, res.stderr).toBe(0);
    // quiet: the summary first, warnings counted, not listed
    const lines = res.stdout.split("\n");
    expect(lines[0]).toBe("gate PASS: 2 rules — 2 warnings");
    expect(res.stdout).not.toMatch(/WARN/);
    expect(res.stdout).toMatch(
      /^2 warnings \(maxRegression ×2\) · 1 passed \(maxRegression\) — --verbose lists them$/m,
    );

    const verbose = await gate(dir, ["--run", "small-cand", "--baseline", "small-base", "--verbose"]);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout.split("\n")[0]).toBe(lines[0]);
    expect(verbose.stdout).toMatch(
      /WARN\s+maxRegression\s+correct: dropped more than 5\.0 pts but not significantly/,
    );
    expect(verbose.stdout).toMatch(
      /with 12 cases this suite detects changes of \d+\.\d pts or more at 80% power/,
    );
    // --verbose also prints the comparison, after the rules
    expect(verbose.stdout.indexOf("compare base-target (small-base)")).toBeGreaterThan(
      verbose.stdout.indexOf("WARN"),
    );
  });

  it("fails, exit 1, on a large significant drop", async () => {
    const dir = suiteDir("  maxRegression: 0.05");
    const res = await gate(dir, ["--run", "big-cand", "--baseline", "big-base"]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout.split("\n")[0]).toBe("gate FAIL: 2 of 2 rules — 2 dimensions regressed");
    expect(res.stdout).toMatch(/^ {2}FAIL\s+maxRegression\s+correct: regressed beyond 5\.0 pts/m);
  });

  it("passes a significant drop smaller than maxRegression", async () => {
    const dir = suiteDir("  maxRegression: 0.1");
    const res = await gate(dir, [
      "--run",
      "sig-cand",
      "--baseline",
      "sig-base",
      "--json",
      tmp.path("sig.json"),
    ]);
    expect(res.code, res.stderr).toBe(0);
    const out = readJson(tmp.path("sig.json"));
    expect(out.comparison.dimensions.correct.verdict).toBe("regressed");
    expect(out.verdict).toBe("PASS");
    expect(out.warnings).toBe(0);
  });

  it("writes JUnit, Markdown and JSON, and appends to $GITHUB_STEP_SUMMARY", async () => {
    const dir = suiteDir(
      [
        "  maxRegression: 0.05",
        "  minCases: 10",
        "  floors: { correct: 0.9, aggregate: 0.2 }",
        "  maxErrorRate: 0.01",
        "  latency: { p95Ms: 5000 }",
      ].join("\n"),
    );
    const summary = tmp.write("summary.md", "# earlier step\n");
    const files = {
      junit: tmp.path("out/gate.xml"),
      md: tmp.path("out/gate.md"),
      json: tmp.path("out/gate.json"),
    };
    const res = await gate(
      dir,
      [
        "--run",
        "big-cand",
        "--baseline",
        "big-base",
        "--junit",
        files.junit,
        "--md",
        files.md,
        "--json",
        files.json,
      ],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(res.code, res.stderr).toBe(1);

    const json = readJson(files.json);
    expect(json).toMatchObject({ verdict: "FAIL", exitCode: 1, candidate: "big-cand", baseline: "big-base" });
    expect(Array.isArray(json.rules)).toBe(true);
    const failed = json.rules.filter((r: { status: string }) => r.status === "fail");
    // correct and aggregate regressed; correct (0.6) is under its floor
    expect(failed.map((r: { rule: string; subject: string }) => `${r.rule}:${r.subject}`).sort()).toEqual([
      "floors:correct",
      "maxRegression:aggregate",
      "maxRegression:correct",
    ]);
    for (const r of json.rules)
      expect(Object.keys(r).sort()).toEqual(["message", "rule", "status", "subject", "values"]);
    expect(json.comparison.dimensions.correct.verdict).toBe("regressed");

    const xml = readFileSync(files.junit, "utf8");
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const testcases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
    expect(testcases).toHaveLength(json.rules.length);
    expect((xml.match(/<testcase\b/g) ?? []).length).toBe(json.rules.length);
    expect(xml).toContain(`tests="${json.rules.length}"`);
    expect(xml).toContain(`failures="${failed.length}"`);
    expect((xml.match(/<failure\b/g) ?? []).length).toBe(failed.length);
    expect(xml).toMatch(/<testsuites[^>]*>[\s\S]*<testsuite[^>]*>[\s\S]*<\/testsuite>\s*<\/testsuites>\s*$/);
    // attribute values are escaped: no raw < or " inside them
    for (const attr of xml.match(/="[^"]*"/g) ?? []) expect(attr.slice(2, -1)).not.toMatch(/[<>]/);

    const md = readFileSync(files.md, "utf8");
    expect(md).toMatch(/^## assay gate: ❌ FAIL/);
    expect(md.split("\n")[1]).toContain("gate FAIL: 3 of 7 rules — 2 dimensions regressed, floors failed");
    expect(md).toMatch(/^- \*\*FAIL\*\* maxRegression: correct: regressed beyond/m);
    expect(md).toMatch(/\| correct \|/); // the comparison table follows, folded

    const appended = readFileSync(summary, "utf8");
    expect(appended.startsWith("# earlier step\n")).toBe(true);
    expect(appended.slice("# earlier step\n".length)).toBe(md);
  });

  it("a baseline over another dataset version is an input error (exit 2), not a crash", async () => {
    const dir = suiteDir("  maxRegression: 0.05");
    const res = await gate(dir, ["--run", "small-cand", "--baseline", "other-version"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("dv-other");
    expect(res.stderr).toContain("dv-small");
  });

  describe("configuration errors name the suite file, line and field (exit 2)", () => {
    it("an unknown key under gate", async () => {
      const dir = suiteDir("  maxRegression: 0.05\n  maxRegresion: 0.02\n  alpha: 0.05");
      const text = readFileSync(`${dir}/assay.yaml`, "utf8").split("\n");
      const line = text.findIndex((l) => l.includes("maxRegresion")) + 1;
      const res = await gate(dir, ["--run", "small-cand"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`assay\\.yaml:${line}:\\d+ gate\\.maxRegresion`));
      expect(res.stderr).toMatch(/unknown field "maxRegresion"/);
    });

    it("a floor on a dimension that does not exist", async () => {
      const dir = suiteDir("  floors:\n    aggregate: 0.5\n    corect: 0.9");
      const text = readFileSync(`${dir}/assay.yaml`, "utf8").split("\n");
      const line = text.findIndex((l) => l.includes("corect")) + 1;
      const res = await gate(dir, ["--run", "small-cand"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`assay\\.yaml:${line}:\\d+ gate\\.floors\\.corect`));
      expect(res.stderr).toMatch(/correct/);
    });

    it("an unknown dimension in gate.dimensions, a maxRegression map or a slice floor", async () => {
      const at = async (gateBlock: string, needle: string, field: string) => {
        const dir = suiteDir(gateBlock);
        const text = readFileSync(`${dir}/assay.yaml`, "utf8").split("\n");
        const line = text.findIndex((l) => l.includes(needle)) + 1;
        const res = await gate(dir, ["--run", "small-cand"]);
        expect(res.code, res.stderr).toBe(2);
        expect(res.stderr).toMatch(
          new RegExp(`assay\\.yaml:${line}:\\d+ ${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
        );
        return res.stderr;
      };
      expect(
        await at("  dimensions:\n    exclude: [corect]", "corect", "gate.dimensions.exclude[0]"),
      ).toMatch(/no dimension "corect" \(dimensions: correct, or aggregate\)/);
      await at("  maxRegression:\n    default: 0.02\n    corect: 0.1", "corect", "gate.maxRegression.corect");
      await at('  floors:\n    "kind=x": { corect: 0.9 }', "corect", "gate.floors.kind=x.corect");
      expect(await at("  floors:\n    correct: { kind: 0.9 }", "kind", "gate.floors.correct")).toMatch(
        /per-slice floors are keyed by a slice/,
      );
    });

    it("a value of the wrong type", async () => {
      const dir = suiteDir("  latency: { p95Ms: fast }");
      const res = await gate(dir, ["--run", "small-cand"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/assay\.yaml:\d+:\d+ gate\.latency\.p95Ms/);
    });
  });
});

describe("baselines", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;

  beforeAll(async () => {
    tmp = tempDir("assay-baseline-cli-");
    db = tmp.path("assay.db");
    tmp.write("cases.jsonl", jsonl([{ id: "x", input: "x" }]));
    const store = openSqliteStore(db);
    const at = (min: number) => new Date(Date.UTC(2025, 5, 1, 12, min)).toISOString();
    const run = (
      id: string,
      target: string,
      min: number,
      failing: number,
      over: { datasetVersion?: string; status?: "completed" | "running"; tags?: string[] } = {},
    ) =>
      makeRun(store, {
        id,
        suite: "pick",
        target,
        startedAt: at(min),
        datasetVersion: over.datasetVersion ?? "dv-pick",
        status: over.status ?? "completed",
        tags: over.tags,
        cases: passFail("p", 50, (i) => i < failing),
      });
    try {
      await run("old-base", "base-target", 0, 0, { tags: ["main"] });
      await run("right-base", "base-target", 1, 0);
      await run("base-running", "base-target", 2, 50, { status: "running" });
      await run("base-other-dv", "base-target", 3, 50, { datasetVersion: "dv-elsewhere" });
      await run("tagged-base", "other-target", 4, 30);
      await run("candidate", "cand-target", 5, 20);
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  const cli = (args: string[]) => runCliInProcess(["--db", db, ...args], { cwd: tmp.dir });

  it("baseline set moves the tag, and gate --baseline TAG uses it", async () => {
    const set = await cli(["baseline", "set", "tagged-base", "--tag", "main"]);
    expect(set.code, set.stderr).toBe(0);
    const store = openSqliteStore(db);
    try {
      expect((await store.getRun("tagged-base"))?.tags).toContain("main");
      expect((await store.getRun("old-base"))?.tags).not.toContain("main");
      expect(await store.listRuns({ suite: "pick", tag: "main" })).toHaveLength(1);
    } finally {
      await store.close();
    }
    tmp.write("assay.yaml", suiteYaml("pick", "  maxRegression: 0.5"));
    const res = await cli([
      "gate",
      tmp.dir,
      "--run",
      "candidate",
      "--baseline",
      "main",
      "--json",
      tmp.path("t.json"),
    ]);
    expect(res.code, res.stderr).toBe(0);
    const out = readJsonFile(tmp.path("t.json"));
    expect(out.baseline).toBe("tagged-base");
    expect(out.comparison.base).toBe("tagged-base");
    // 30 failing → 20 failing
    expect(out.comparison.dimensions.correct.delta).toBeCloseTo(0.2, 12);
  });

  it("gate.baseline: TARGET picks that target's latest completed run on the same dataset version", async () => {
    tmp.write("assay.yaml", suiteYaml("pick", "  baseline: base-target\n  maxRegression: 0.05"));
    // no --run: the candidate is the newest completed run not of the baseline target
    const res = await cli(["gate", tmp.dir, "--json", tmp.path("b.json")]);
    const out = readJsonFile(tmp.path("b.json"));
    expect(out.candidate).toBe("candidate");
    expect(out.baseline).toBe("right-base");
    // 0 failing → 20 failing of 50: a significant regression
    expect(out.comparison.dimensions.correct.verdict).toBe("regressed");
    expect(res.code).toBe(1);
  });
});

function readJsonFile(file: string) {
  return JSON.parse(readFileSync(file, "utf8"));
}
