import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { initSuite } from "../../src/init/init.ts";
import { TEMPLATE_NAMES } from "../../src/init/templates.ts";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

describe("assay init", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir("assay-init-");
  });
  afterEach(() => tmp.remove());

  it("the basic template runs and passes its gate straight away", async () => {
    const init = await runCli(["init", tmp.dir]);
    expect(init.code, init.stderr).toBe(0);
    for (const f of [
      "assay.yaml",
      "target.mjs",
      "data/cases.jsonl",
      ".gitignore",
      ".github/workflows/assay.yml",
    ]) {
      expect(existsSync(tmp.path(f)), f).toBe(true);
    }
    expect(readFileSync(tmp.path(".gitignore"), "utf8")).toMatch(/^\.assay\/$/m);
    const workflow = readFileSync(tmp.path(".github/workflows/assay.yml"), "utf8");
    expect(workflow).toMatch(/npx assay gate/);

    const run = await runCli(["run", tmp.dir, "--json", tmp.path("card.json")]);
    expect(run.code, run.stderr).toBe(0);
    const card = JSON.parse(tmp.read("card.json"));
    expect(card.run.status).toBe("completed");
    expect(card.dimensions.label.n).toBe(8);
    // The stub classifies every example right: a working suite, not a failing one.
    expect(card.dimensions.label.passRate).toBe(1);
    const gate = await runCli(["gate", tmp.dir]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
  });

  it("every template is a valid suite", async () => {
    for (const template of TEMPLATE_NAMES) {
      const dir = join(tmp.dir, template);
      initSuite(dir, { template });
      const suite = await loadSuite(dir);
      expect(suite.config.targets.length, template).toBeGreaterThan(0);
      expect(Object.keys(suite.config.dimensions).length, template).toBeGreaterThan(0);
    }
  });

  it("never overwrites a file without --force, and writes nothing when one is in the way", async () => {
    writeFileSync(tmp.path("assay.yaml"), "suite: mine\n");
    writeFileSync(tmp.path(".gitignore"), "node_modules/");
    const refused = await runCli(["init", tmp.dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/assay\.yaml already exists; nothing was written \(--force overwrites\)/);
    expect(readFileSync(tmp.path("assay.yaml"), "utf8")).toBe("suite: mine\n");
    expect(existsSync(tmp.path("target.mjs"))).toBe(false);

    const forced = await runCli(["init", tmp.dir, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(tmp.path("assay.yaml"), "utf8")).toMatch(/suite: sentiment/);
  });

  it("appends .assay/ to an existing .gitignore instead of replacing it", () => {
    writeFileSync(tmp.path(".gitignore"), "node_modules/");
    const res = initSuite(tmp.dir);
    expect(res.appended).toEqual([".gitignore"]);
    expect(readFileSync(tmp.path(".gitignore"), "utf8")).toBe("node_modules/\n.assay/\n");
    // Even --force merges into a .gitignore: once there, .assay/ is not added again.
    const again = initSuite(tmp.dir, { force: true });
    expect(again.appended).toEqual([]);
    expect(again.written).not.toContain(".gitignore");
    expect(readFileSync(tmp.path(".gitignore"), "utf8")).toBe("node_modules/\n.assay/\n");
  });

  it("an unknown template is a usage error naming the templates", async () => {
    const res = await runCli(["init", tmp.dir, "--template", "fancy"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown template "fancy" \(templates: basic, llm, agent\)/);
  });
});
