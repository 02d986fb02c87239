import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";
import { type ActionRun, fakeGithub, loadAction, runAction } from "./action-runner.ts";
import { demoLikeSuite } from "./demo-suite.ts";

const MARKER = "<!-- assay-gate -->";

const statusOf = (run: ActionRun, name: string) => run.steps.find((s) => s.name === name)?.status;
const logs = (run: ActionRun) => run.steps.map((s) => `## ${s.name} (${s.status})\n${s.log}`).join("\n");

describe("the composite GitHub Action (action.yml)", () => {
  const tmp = tempDir("assay-action-");
  const origin = join(tmp.dir, "origin");
  const baselineFile = join(tmp.dir, "baseline.jsonl");
  let referenceCode: number | null;

  beforeAll(async () => {
    // what the main branch's job leaves behind: the baseline target's run, exported
    demoLikeSuite(origin);
    expect((await runCli(["run", origin, "-q"])).code).toBe(0);
    referenceCode = (await runCli(["gate", origin])).code;
    const out = await runCli([
      "baseline",
      "export",
      "latest:rules-v1",
      "--suite",
      origin,
      "--out",
      baselineFile,
    ]);
    expect(out.code, out.stderr).toBe(0);
  });
  afterAll(() => tmp.remove());

  it("declares the inputs CI recipes rely on, and never installs anything itself", () => {
    const action = loadAction();
    for (const input of ["suite", "baseline-file", "comment"]) expect(action.inputs).toHaveProperty(input);
    expect(action.inputs.comment.default).toBe("true");
    const scripts = action.runs.steps.map((s) => s.run).join("\n");
    expect(scripts).not.toMatch(/npm (ci|install|i) |npx /);
    expect(scripts).toContain(MARKER);
    // inputs reach scripts through env only: nothing spliced into the script text
    expect(scripts).not.toContain("${{");
  });

  it("on a fresh runner: imports the baseline, runs, gates, writes the summary and one PR comment", async () => {
    const workspace = join(tmp.dir, "pr");
    const home = join(tmp.dir, "pr-home");
    mkdirSync(home);
    demoLikeSuite(workspace);
    const inputs = { "baseline-file": baselineFile, "run-args": "--target rules-v2" };
    const first = await runAction({ workspace, home, inputs, pullRequest: 7 });

    for (const step of [
      "import the baseline",
      "run the suite",
      "gate",
      "step summary",
      "pull-request comment",
    ]) {
      expect(statusOf(first, step), logs(first)).toBe("success");
    }
    // the gate verdict on the runner is the one the origin's own store gives
    expect(first.outputs["exit-code"]).toBe(String(referenceCode));
    expect(first.outputs.verdict).toBe(referenceCode === 0 ? "PASS" : "FAIL");
    expect(statusOf(first, "verdict")).toBe(referenceCode === 0 ? "success" : "failure");
    expect(first.failed).toBe(referenceCode !== 0);

    const markdown = readFileSync(first.outputs.markdown, "utf8");
    expect(markdown.length).toBeGreaterThan(100);
    expect(first.summary).toBe(markdown); // appended once, not twice
    expect(readFileSync(first.outputs.junit, "utf8")).toContain("<testsuite");
    const gh = fakeGithub(home);
    expect(gh.comments).toEqual([{ id: 1000, pr: "7", body: `${MARKER}\n${markdown}` }]);

    // the next push to the pull request updates that comment instead of adding one
    const second = await runAction({ workspace, home, inputs, pullRequest: 7 });
    expect(statusOf(second, "import the baseline"), logs(second)).toBe("success");
    expect(statusOf(second, "pull-request comment"), logs(second)).toBe("success");
    const after = fakeGithub(home);
    expect(after.comments).toHaveLength(1);
    expect(after.comments[0].id).toBe(1000);
    expect(after.calls.map((c) => c.method)).toEqual(["GET", "POST", "GET", "PATCH"]);
    expect(after.calls[3].path).toBe("repos/acme/app/issues/comments/1000");
  });

  it("comments only on pull requests, and not when comment is false", async () => {
    const workspace = join(tmp.dir, "push");
    const home = join(tmp.dir, "push-home");
    mkdirSync(home);
    demoLikeSuite(workspace);
    const inputs = { "baseline-file": baselineFile, "run-args": "--target rules-v2" };
    const push = await runAction({ workspace, home, inputs });
    expect(statusOf(push, "gate"), logs(push)).toBe("success");
    expect(statusOf(push, "step summary")).toBe("success");
    expect(statusOf(push, "pull-request comment")).toBe("skipped");

    const off = await runAction({ workspace, home, inputs: { ...inputs, comment: "false" }, pullRequest: 8 });
    expect(statusOf(off, "pull-request comment")).toBe("skipped");
    expect(fakeGithub(home).calls).toEqual([]);
  });

  it("fails the job with the run's own exit code when the run cannot start", async () => {
    const workspace = join(tmp.dir, "broken");
    const home = join(tmp.dir, "broken-home");
    mkdirSync(home);
    demoLikeSuite(workspace);
    const run = await runAction({ workspace, home, inputs: { "run-args": "--target nope" }, pullRequest: 9 });
    expect(statusOf(run, "import the baseline")).toBe("skipped");
    expect(statusOf(run, "run the suite")).toBe("failure");
    expect(run.steps.find((s) => s.name === "run the suite")?.log).toMatch(/no target "nope"/);
    expect(statusOf(run, "gate")).toBe("skipped");
    expect(statusOf(run, "pull-request comment")).toBe("skipped");
    expect(run.failed).toBe(true);
  });
});
