import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";
import { demoLikeSuite } from "./demo-suite.ts";

interface GateJson {
  verdict: "PASS" | "FAIL";
  exitCode: number;
  baseline: string | null;
  candidate: string;
  rules: Array<{ rule: string; subject: string; status: string }>;
}

/** The rules as the gate decided them; latency rules vary with the machine's load, so they are left out. */
const decisions = (gate: GateJson) =>
  gate.rules.filter((r) => r.rule !== "latency").map((r) => `${r.rule} ${r.subject} ${r.status}`);

const ok = (r: CliResult) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

describe("baselines reach a fresh CI runner: baseline export / import", () => {
  const tmp = tempDir("assay-baseline-cli-");
  const origin = join(tmp.dir, "origin");
  const runner = join(tmp.dir, "runner");
  const file = join(tmp.dir, "baseline.jsonl");
  let reference: GateJson;
  let referenceCode: number | null;

  beforeAll(async () => {
    demoLikeSuite(origin);
    ok(await runCli(["run", origin, "-q"]));
    const gate = await runCli(["gate", origin, "--json", join(origin, "gate.json")]);
    referenceCode = gate.code;
    reference = JSON.parse(readFileSync(join(origin, "gate.json"), "utf8"));
  });
  afterAll(() => tmp.remove());

  it("exports the baseline target's run to one file", async () => {
    const out = await runCli(["baseline", "export", "latest:rules-v1", "--suite", origin, "--out", file]);
    ok(out);
    expect(out.stdout).toContain(`exported run ${reference.baseline}`);
    const header = JSON.parse(readFileSync(file, "utf8").split("\n")[0]);
    expect(header.run).toMatchObject({ id: reference.baseline, suite: "task-api", target: "rules-v1" });
    expect(header.run.lineage.evaluators).toHaveProperty("format_compliance");
  });

  it("imported into a fresh store, the candidate's gate gives the same verdict and exit code", async () => {
    demoLikeSuite(runner);
    const imported = await runCli(["baseline", "import", file], { cwd: runner });
    ok(imported);
    expect(imported.stdout).toMatch(/^imported run .*rules-v1/);
    expect(existsSync(join(runner, ".assay/assay.db"))).toBe(true);

    ok(await runCli(["run", runner, "--target", "rules-v2", "-q"]));
    const gate = await runCli(["gate", runner, "--json", join(runner, "gate.json")]);
    const result: GateJson = JSON.parse(readFileSync(join(runner, "gate.json"), "utf8"));
    expect(result.baseline).toBe(reference.baseline);
    expect(result.candidate).not.toBe(reference.candidate);
    expect(gate.code).toBe(referenceCode);
    expect(result.verdict).toBe(reference.verdict);
    expect(decisions(result)).toEqual(decisions(reference));
    expect(decisions(result).length).toBeGreaterThan(3);
  });

  it("importing the same file twice is a no-op", async () => {
    const again = await runCli(["baseline", "import", file, "--suite", runner]);
    ok(again);
    expect(again.stdout).toMatch(/is already in .*: nothing imported/);
    const runs = await runCli(["runs", "--json", "--db", join(runner, ".assay/assay.db")]);
    const listed = JSON.parse(runs.stdout) as Array<{ target: string }>;
    expect(listed.filter((r) => r.target === "rules-v1")).toHaveLength(1);
  });

  it("refuses a baseline of another suite unless --force, and a truncated file, with exit 2", async () => {
    const other = join(tmp.dir, "other");
    demoLikeSuite(other);
    const suiteFile = join(other, "assay.yaml");
    writeFileSync(suiteFile, readFileSync(suiteFile, "utf8").replace("suite: task-api", "suite: checkout"));
    const refused = await runCli(["baseline", "import", file, "--suite", other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/baseline is of suite "task-api", not "checkout".*--force/);
    expect(existsSync(join(other, ".assay/assay.db")) && (await storedRuns(other)).length > 0).toBe(false);
    ok(await runCli(["baseline", "import", file, "--suite", other, "--force"]));

    const cut = join(tmp.dir, "cut.jsonl");
    writeFileSync(cut, readFileSync(file, "utf8").split("\n").slice(0, 50).join("\n"));
    const truncated = await runCli(["baseline", "import", cut, "--suite", other]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toContain(cut);
    expect(truncated.stderr).toMatch(/truncated or was edited/);
  });

  it("export only reads: a missing store is exit 2 and nothing is created", async () => {
    const empty = join(tmp.dir, "empty");
    demoLikeSuite(empty);
    const out = await runCli(["baseline", "export", "latest", "--out", join(empty, "b.jsonl")], {
      cwd: empty,
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/no store at .*\.assay\/assay\.db/);
    expect(existsSync(join(empty, ".assay"))).toBe(false);
    expect(existsSync(join(empty, "b.jsonl"))).toBe(false);
  });

  async function storedRuns(dir: string): Promise<unknown[]> {
    const r = await runCli(["runs", "--json", "--db", join(dir, ".assay/assay.db")]);
    return JSON.parse(r.stdout) as unknown[];
  }
});
