import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an empty project
 * outside the repository (dependencies from the npm cache that `npm ci` of the repository
 * filled), then `assay init`, `assay run`, `assay gate`, a plain-node library script and a
 * TypeScript check under the default `tsc --init` config.
 */
describe("the packed package in an empty project", () => {
  const tmp = tempDir("assay-pack-");
  const proj = join(tmp.dir, "proj");
  let tarball = "";
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";

  function run(cmd: string, args: string[], cwd = proj) {
    const res = spawnSync(cmd, args, {
      cwd,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ASSAY_FROM_SOURCE: "" },
      timeout: 600_000,
    });
    return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
  }

  beforeAll(() => {
    // dist/ is fresh (vitest's global setup built it); the web app is built by `npm ci`'s prepare.
    if (!existsSync(join(REPO_ROOT, "web/dist/index.html"))) {
      execFileSync(npm, ["run", "build:web"], { cwd: REPO_ROOT, stdio: "inherit" });
    }
    const packed = execFileSync(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp.dir], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    const [info] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(tmp.dir, info.filename);
    writeFileSync(join(tmp.dir, "files.json"), JSON.stringify(info.files.map((f) => f.path)));
    mkdirSync(proj);
    writeFileSync(
      join(proj, "package.json"),
      JSON.stringify({ name: "proj", version: "1.0.0", type: "module", private: true }),
    );
    // Install scripts are skipped and better-sqlite3's native module is copied from the repository's
    // own install (same Node, same platform): compiling it again would take minutes and tests
    // better-sqlite3, not this package.
    const install = run(npm, [
      "install",
      tarball,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
    ]);
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.stdout}\n${install.stderr}`);
    const native = "node_modules/better-sqlite3/build";
    cpSync(join(REPO_ROOT, native), join(proj, native), { recursive: true });
  }, 900_000);

  afterAll(() => tmp.remove());

  it("ships the built code, the web app, rubrics and README — not sources or tests", () => {
    const files: string[] = JSON.parse(tmp.read("files.json"));
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("dist/cli/main.js");
    expect(files).toContain("bin/assay.js");
    expect(files).toContain("web/dist/index.html");
    expect(files).toContain("README.md");
    expect(files.some((f) => f.startsWith("rubrics/"))).toBe(true);
    expect(
      files.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".test.js")),
    ).toEqual([]);
  });

  it("npx assay init, then run and gate, exit 0 with plain node", () => {
    const init = run("npx", ["--no-install", "assay", "init"]);
    expect(init.code, init.stderr).toBe(0);
    const suiteRun = run("npx", ["--no-install", "assay", "run", "--json", "card.json"]);
    expect(suiteRun.code, suiteRun.stderr).toBe(0);
    expect(suiteRun.stdout).toMatch(/completed/);
    const gate = run("npx", ["--no-install", "assay", "gate"]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/PASS/);
  });

  it('import { runSuite } from "assay" runs with plain node', () => {
    writeFileSync(
      join(proj, "lib.mjs"),
      [
        'import { loadScorecard, loadSuite, openSqliteStore, runSuite } from "assay";',
        'const suite = await loadSuite(".");',
        'const store = openSqliteStore(".assay/lib.db");',
        "const { runs } = await runSuite(suite, { store });",
        "const card = await loadScorecard(store, runs[0].run);",
        "console.log(JSON.stringify({ status: card.run.status, n: card.dimensions.label.n }));",
        "await store.close();",
      ].join("\n"),
    );
    if (!existsSync(join(proj, "assay.yaml"))) run("npx", ["--no-install", "assay", "init"]);
    const res = run(process.execPath, ["lib.mjs"]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toEqual({ status: "completed", n: 8 });
  });

  it("type-checks under the default `tsc --init` config", () => {
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    // the project with the package installed, given the config `tsc --init` writes
    const dir = proj;
    expect(run(process.execPath, [tsc, "--init"], dir).code).toBe(0);
    writeFileSync(
      join(dir, "index.ts"),
      [
        'import { loadSuite, openSqliteStore, runSuite, type Scorecard } from "assay";',
        'const suite = await loadSuite(".");',
        'const { runs } = await runSuite(suite, { store: openSqliteStore(":memory:") });',
        "const first: Scorecard | undefined = undefined;",
        "console.log(runs.length, first);",
      ].join("\n"),
    );
    const res = run(process.execPath, [tsc, "--noEmit", "-p", "."], dir);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(readdirSync(dir)).toContain("tsconfig.json");
  });
});
