import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fakeGithub, loadAction, runAction } from "../ci/action-runner.ts";
import { demoLikeSuite } from "../ci/demo-suite.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";
import { isAssayLine, parseBlocks, runLine, shellLines, shims } from "./code-blocks.ts";

/**
 * The CI recipes of docs/ci.md, run: the main branch's job in one folder, its artifact (the
 * baseline file) carried to a fresh folder — a fresh runner with no store — and the pull-request
 * job there. The suite is the demo's with one target, `app`, whose code differs between the two
 * checkouts (the regex baseline on main, rules-v2 in the pull request), as a real repository's
 * would. The verdict on the "runner" must be the one a single store gives for the same two runs.
 */

const CI_MD = join(REPO_ROOT, "docs/ci.md");
const blocks = parseBlocks(readFileSync(CI_MD, "utf8"));
const fileBlock = (file: string) => {
  const block = blocks.find((b) => b.attrs.file === file);
  if (!block) throw new Error(`docs/ci.md has no block with file=${file}`);
  return { at: `${CI_MD}:${block.line}`, doc: parse(block.content) as Record<string, unknown> };
};

const MAIN_TARGET = "  - id: app\n    exec: [node, targets/regex-baseline.mjs]\n";
const PR_TARGET = "  - id: app\n    module: targets/rules-v2.ts\n";

/** The demo suite with one target `app` (main's or the pull request's code) and `gate.baseline: main`. */
function checkout(dir: string, target: string): string {
  demoLikeSuite(dir);
  const file = join(dir, "assay.yaml");
  const text = readFileSync(file, "utf8")
    .replace(/^targets:\n(?: {2}.*\n| {4}.*\n)+/m, `targets:\n${target}`)
    .replace("baseline: rules-v1", "baseline: main");
  if (!text.includes(target) || !text.includes("baseline: main")) throw new Error("fixture rewrite failed");
  writeFileSync(file, text);
  return dir;
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

const stepsOf = (workflow: Record<string, unknown>, job: string) =>
  ((workflow.jobs as Record<string, { steps: Step[] }>)[job]?.steps ?? []) as Step[];

describe("docs/ci.md: the CI recipes run", () => {
  const tmp = tempDir("assay-ci-recipe-");
  const bin = shims(tmp.dir);
  let referenceCode: number | null;

  beforeAll(async () => {
    // the same two versions in one store: what the verdict must be
    const both = join(tmp.dir, "reference");
    demoLikeSuite(both);
    expect((await runCli(["run", both, "-q"])).code).toBe(0);
    referenceCode = (await runCli(["gate", both])).code;
    expect([0, 1]).toContain(referenceCode);
  });
  afterAll(() => tmp.remove());

  async function runLines(at: string, lines: string[], cwd: string, wantFor: (line: string) => number) {
    let ran = 0;
    for (const line of lines.filter(isAssayLine)) {
      const outcome = await runLine(at, line, cwd, bin, wantFor(line));
      expect(outcome.ok, `${outcome.at}: ${outcome.what}\n${outcome.detail}`).toBe(true);
      ran++;
    }
    return ran;
  }

  it("GitHub Actions: main keeps the baseline as an artifact; a pull request fetches it and the action gates", async () => {
    const main = fileBlock(".github/workflows/assay-main.yml");
    expect(main.doc.on).toEqual({ push: { branches: ["main"] } });
    const mainSteps = stepsOf(main.doc, "baseline");
    expect(mainSteps.some((s) => s.run === "npm ci")).toBe(true);

    const mainDir = checkout(join(tmp.dir, "gh-main"), MAIN_TARGET);
    const lines = mainSteps.flatMap((s) => (s.run ? shellLines(s.run) : []));
    expect(await runLines(main.at, lines, mainDir, () => 0)).toBeGreaterThanOrEqual(2);
    const upload = mainSteps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    const artifact = upload?.with?.path as string;
    expect(existsSync(join(mainDir, artifact))).toBe(true);

    const pr = fileBlock(".github/workflows/assay.yml");
    expect(pr.doc.on).toHaveProperty("pull_request");
    expect(pr.doc.permissions).toMatchObject({ "pull-requests": "write", actions: "read" });
    const prSteps = stepsOf(pr.doc, "gate");
    const download = prSteps.find((s) => s.run?.includes("gh run download"));
    // the download names the artifact and the workflow that the main recipe uploads from
    expect(download?.run).toContain(`--name ${upload?.with?.name}`);
    expect(download?.run).toContain(`--workflow ${basename(".github/workflows/assay-main.yml")}`);
    const action = prSteps.find((s) => s.uses === "./node_modules/assay");
    expect(action, "the pull-request recipe uses the action from node_modules").toBeDefined();
    const inputs = action?.with ?? {};
    for (const name of Object.keys(inputs)) expect(loadAction().inputs).toHaveProperty(name);

    // a fresh runner: the pull request's checkout, no store, the artifact downloaded beside it
    const prDir = checkout(join(tmp.dir, "gh-pr"), PR_TARGET);
    copyFileSync(join(mainDir, artifact), join(prDir, inputs["baseline-file"]));
    const home = join(tmp.dir, "gh-home");
    mkdirSync(home);
    const result = await runAction({ workspace: prDir, home, inputs, pullRequest: 12 });
    const log = result.steps.map((s) => `## ${s.name} (${s.status})\n${s.log}`).join("\n");
    expect(result.steps.find((s) => s.name === "import the baseline")?.status, log).toBe("success");
    expect(result.outputs["exit-code"], log).toBe(String(referenceCode));
    expect(result.failed).toBe(referenceCode !== 0);
    expect(fakeGithub(home).comments).toHaveLength(1);
    expect(result.summary).toContain(result.outputs.verdict === "PASS" ? "PASS" : "FAIL");
  });

  it("the action the recipe uses ships in the npm package (package.json files)", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(
      pkg.files,
      'docs/ci.md tells users `uses: ./node_modules/assay`: add "action.yml" to files',
    ).toContain("action.yml");
  });

  it("GitLab CI: the default branch's job exports the baseline; a merge request imports it and gates", async () => {
    const gitlab = fileBlock(".gitlab-ci.yml");
    const baselineJob = gitlab.doc["assay-baseline"] as {
      script: string[];
      rules: Array<{ if: string }>;
      artifacts: { paths: string[] };
    };
    const gateJob = gitlab.doc["assay-gate"] as {
      script: string[];
      rules: Array<{ if: string }>;
      artifacts: { paths: string[]; reports: { junit: string } };
    };
    expect(baselineJob.rules[0].if).toContain("$CI_DEFAULT_BRANCH");
    expect(gateJob.rules[0].if).toContain("merge_request_event");

    const mainDir = checkout(join(tmp.dir, "gl-main"), MAIN_TARGET);
    expect(await runLines(gitlab.at, baselineJob.script, mainDir, () => 0)).toBeGreaterThanOrEqual(2);
    const prDir = checkout(join(tmp.dir, "gl-mr"), PR_TARGET);
    for (const path of baselineJob.artifacts.paths) copyFileSync(join(mainDir, path), join(prDir, path));
    const gateCode = (line: string) => (/assay gate/.test(line) ? (referenceCode as number) : 0);
    expect(await runLines(gitlab.at, gateJob.script, prDir, gateCode)).toBeGreaterThanOrEqual(3);
    expect(readFileSync(join(prDir, gateJob.artifacts.reports.junit), "utf8")).toContain("<testsuite");
    for (const path of gateJob.artifacts.paths) expect(existsSync(join(prDir, path)), path).toBe(true);
  });
});
