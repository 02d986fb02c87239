import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/util/package-root.ts";
import { ASSAY_BIN, REPO_ROOT } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * The CLI runs from its bundle (dist/cli/bundle/, built by scripts/bundle-cli.mjs; vitest's
 * global setup builds it): what a command loads is a handful of bundle files and the packages
 * deliberately left outside it, not hundreds of modules (issue 14). Every ESM resolution of the
 * child process is logged by a loader hook registered with --import.
 */
const HOOKS = [
  'import { appendFileSync } from "node:fs";',
  "let log;",
  "export function initialize(data) { log = data.log; }",
  "export async function resolve(specifier, context, next) {",
  "  const result = await next(specifier, context);",
  '  appendFileSync(log, result.url + "\\n");',
  "  return result;",
  "}",
].join("\n");
const REGISTER = [
  'import { register } from "node:module";',
  `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { log: process.env.MODULE_LOG } });`,
].join("\n");

const tmp = tempDir("assay-bundle-");
afterAll(() => tmp.remove());

const BUNDLE = `${pathToFileURL(REPO_ROOT).href}dist/cli/bundle/`;
/** The packages scripts/bundle-cli.mjs leaves out of the bundle, plus what better-sqlite3 needs. */
const OUTSIDE = ["better-sqlite3", "bindings", "file-uri-to-path", "tsx"];

function loadedBy(
  args: string[],
  name: string,
  cwd = REPO_ROOT,
): { code: number | null; files: string[]; stdout: string } {
  const log = tmp.write(`${name}.log`, "");
  const res = spawnSync(
    process.execPath,
    ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, ASSAY_BIN, ...args],
    { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MODULE_LOG: log, ASSAY_FROM_SOURCE: "" } },
  );
  const files = [...new Set(readFileSync(log, "utf8").split("\n"))].filter((u) => u.startsWith("file:"));
  return { code: res.status, files, stdout: `${res.stdout}${res.stderr}` };
}

describe("the CLI's bundle", () => {
  it("answers --version from a few bundle files, and no other module of the package", () => {
    const { code, files, stdout } = loadedBy(["--version"], "version");
    expect(code, stdout).toBe(0);
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
    const ours = files.filter((f) => f !== pathToFileURL(ASSAY_BIN).href);
    expect(ours.length).toBeGreaterThan(0);
    for (const f of ours) expect(f.startsWith(BUNDLE), f).toBe(true);
    expect(ours.length).toBeLessThanOrEqual(10);
  });

  it("runs a suite loading the bundle, the suite's own files and only the packages kept outside it", () => {
    tmp.write(
      "cases.jsonl",
      jsonl([
        { id: "a", input: "x", expected: "x" },
        { id: "b", input: "y", expected: "y" },
      ]),
    );
    tmp.write("echo.mjs", "export default async function echo(input) { return input; }\n");
    tmp.write(
      "assay.yaml",
      [
        "suite: bundled",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: echo",
        "    module: echo.mjs",
        "dimensions:",
        "  same: { evaluator: equals }",
      ].join("\n"),
    );
    const { code, files, stdout } = loadedBy(["run", ".", "--db", tmp.path("assay.db")], "run", tmp.dir);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/completed/);
    const suiteDir = pathToFileURL(tmp.dir).href;
    const strays = files.filter(
      (f) =>
        f !== pathToFileURL(ASSAY_BIN).href &&
        !f.startsWith(BUNDLE) &&
        !f.startsWith(suiteDir) &&
        !OUTSIDE.some((p) => f.includes(`/node_modules/${p}/`)),
    );
    expect(strays).toEqual([]);
    // the run's own code: the bundle's entry and the chunks it shares with other commands (about
    // 60), not the ~740 files of the unbundled build and its dependencies
    expect(files.length).toBeLessThan(100);
    expect(files.some((f) => f === `${suiteDir}/echo.mjs`)).toBe(true);
  });
});

describe("packagePath", () => {
  it("finds assay's own package.json from the sources (and, above, from the bundle)", () => {
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { name: string };
    expect(pkg.name).toBe("assay");
    expect(packagePath("rubrics")).toBe(fileURLToPath(new URL("../../rubrics", import.meta.url)));
  });
});
