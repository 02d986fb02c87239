import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoLikeSuite } from "../ci/demo-suite.ts";
import { type CliResult, runCli, runCliInProcess } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

/**
 * The gate on the whole task-api demo (every case, both targets), as a pull request meets it: a
 * comment a reviewer reads in one screen, and a console that says the verdict before anything else.
 */
describe("the demo's gate is quiet", () => {
  const tmp = tempDir("assay-demo-gate-");
  const suite = join(tmp.dir, "task-api");
  let gateRun: CliResult;
  let md: string;

  beforeAll(async () => {
    demoLikeSuite(suite, 1);
    const run = await runCli(["run", suite, "-q"]);
    expect(run.code, run.stderr).toBe(0);
    gateRun = await runCliInProcess(["gate", suite, "--md", join(tmp.dir, "gate.md")], { cwd: tmp.dir });
    md = readFileSync(join(tmp.dir, "gate.md"), "utf8");
  }, 300_000);
  afterAll(() => tmp.remove());

  it("v2 fails the gate (exit 1) on the slices it regressed", () => {
    expect(gateRun.code, gateRun.stderr).toBe(1);
  });

  it("the console: the summary line first, then only the failing rules, warnings counted", () => {
    const lines = gateRun.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^gate FAIL: \d+ of \d+ rules — \d+ slices? regressed/);
    const failing = lines.filter((l) => /^ {2}FAIL /.test(l));
    expect(failing.length).toBeGreaterThan(0);
    expect(lines.slice(2, 2 + failing.length)).toEqual(failing);
    expect(gateRun.stdout).not.toMatch(/^ {2}(WARN|PASS) /m);
    expect(lines.at(-1)).toMatch(/^\d+ warnings? \(.*\) · \d+ passed \(.*\) — --verbose lists them$/);
    expect(lines).toHaveLength(failing.length + 3);
  });

  it("the Markdown comment: at most 40 lines, the verdict first, failing rules before the fold", () => {
    const lines = md.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(40);
    expect(lines[0]).toBe("## assay gate: ❌ FAIL");
    expect(lines[1]).toMatch(/^\*\*gate FAIL: \d+ of \d+ rules — \d+ slices? regressed/);
    const fold = lines.findIndex((l) => l.startsWith("<details>"));
    const failing = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith("- **FAIL**"));
    expect(failing.length).toBeGreaterThan(0);
    for (const [, i] of failing) expect(i).toBeLessThan(fold);
    expect(lines.slice(fold).some((l) => l.startsWith("- **WARN**") || l.startsWith("- **PASS**"))).toBe(
      true,
    );
    expect(lines.at(-1)).toBe("</details>");
  });
});
