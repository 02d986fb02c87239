import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { packagePath } from "../../src/util/package-root.ts";
import { ASSAY_BIN, REPO_ROOT } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * The CLI runs from its bundle (dist/cli/assay.cjs, built by scripts/bundle-cli.mjs; vitest's
 * global setup builds it), compiled with a code cache (src/cli/compile-cache.ts): what a command
 * loads is the bundle and the packages deliberately left outside it, not hundreds of modules
 * (issue 14). The child process logs every ESM resolution with a loader hook registered with
 * --import, and every CommonJS module it required (require.cache) as it exits.
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
  'import { register, createRequire } from "node:module";',
  'import { appendFileSync } from "node:fs";',
  'import { pathToFileURL } from "node:url";',
  `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { log: process.env.MODULE_LOG } });`,
  'const required = createRequire(pathToFileURL(process.cwd() + "/").href).cache;',
  'process.on("exit", () => appendFileSync(process.env.MODULE_LOG, Object.keys(required).map((f) => pathToFileURL(f).href).join("\\n") + "\\n"));',
].join("\n");

const tmp = tempDir("assay-bundle-");
afterAll(() => tmp.remove());

const REPO_URL = pathToFileURL(REPO_ROOT).href;
/** The bundle's loader, which bin/assay.js imports (the bundle itself is compiled, not imported). */
const LOADER = `${REPO_URL}dist/cli/compile-cache.js`;
/** The packages scripts/bundle-cli.mjs leaves out of the bundle, plus what better-sqlite3 needs. */
const OUTSIDE = ["better-sqlite3", "bindings", "file-uri-to-path", "tsx"];

function runCli(
  args: string[],
  name: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { code: number | null; files: string[]; stdout: string; stderr: string } {
  const log = tmp.write(`${name}.log`, "");
  const res = spawnSync(
    process.execPath,
    ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, ASSAY_BIN, ...args],
    {
      cwd: opts.cwd ?? REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", MODULE_LOG: log, ASSAY_FROM_SOURCE: "", ...opts.env },
    },
  );
  const files = [...new Set(readFileSync(log, "utf8").split("\n"))].filter((u) => u.startsWith("file:"));
  return { code: res.status, files, stdout: res.stdout, stderr: res.stderr };
}

/** A two-case suite through a JavaScript module target (loaded with import() from the bundle). */
function writeSuite(dir: ReturnType<typeof tempDir>): void {
  dir.write(
    "cases.jsonl",
    jsonl([
      { id: "a", input: "x", expected: "x" },
      { id: "b", input: "y", expected: "y" },
    ]),
  );
  dir.write("echo.mjs", "export default async function echo(input) { return input; }\n");
  dir.write(
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
}

describe("the CLI's bundle", () => {
  it("answers --version from package.json, loading no module of the package", () => {
    const { code, files, stdout } = runCli(["--version"], "version");
    expect(code, stdout).toBe(0);
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
    const ours = files.filter((f) => f.startsWith(REPO_URL) && f !== pathToFileURL(ASSAY_BIN).href);
    expect(ours).toEqual([]);
  });

  it("runs a suite loading the bundle, the suite's own files and only the packages kept outside it", () => {
    writeSuite(tmp);
    const { code, files, stdout, stderr } = runCli(["run", ".", "--db", tmp.path("assay.db")], "run", {
      cwd: tmp.dir,
      env: { ASSAY_COMPILE_CACHE: tmp.path("cache"), ASSAY_DEBUG: "1" },
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/completed/);
    // the bundle did run: its loader said what the code cache did
    expect(stderr).toMatch(/compile cache: miss/);
    const suiteDir = pathToFileURL(tmp.dir).href;
    const strays = files.filter(
      (f) =>
        f !== pathToFileURL(ASSAY_BIN).href &&
        f !== LOADER &&
        !f.startsWith(suiteDir) &&
        !OUTSIDE.some((p) => f.includes(`/node_modules/${p}/`)),
    );
    expect(strays).toEqual([]);
    expect(files.some((f) => f === `${suiteDir}/echo.mjs`)).toBe(true);
    // no LLM target or judge: the LLM response cache was neither opened nor created
    expect(existsSync(join(tmp.dir, ".assay", "cache.db"))).toBe(false);
  });
});

describe("the bundle's code cache", () => {
  const cacheRun = (name: string, cache: string) => {
    const dir = tempDir(`assay-cache-${name}-`);
    writeSuite(dir);
    const res = spawnSync(process.execPath, [ASSAY_BIN, "run", ".", "--db", dir.path("assay.db")], {
      cwd: dir.dir,
      encoding: "utf8",
      env: {
        ...process.env,
        NO_COLOR: "1",
        ASSAY_FROM_SOURCE: "",
        ASSAY_DEBUG: "1",
        ASSAY_COMPILE_CACHE: cache,
      },
    });
    dir.remove();
    return { code: res.status, stdout: res.stdout, stderr: res.stderr };
  };
  const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".bin"));

  it("is written by the first run of a command, only its owner can read it, and the next run uses it", () => {
    const cache = tmp.path("cache-first");
    const first = cacheRun("first", cache);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/compile cache: miss/);
    expect(first.stderr).toMatch(/compile cache: written/);
    const [file] = cacheFiles(cache);
    expect(file).toMatch(/-run\.bin$/);
    if (process.platform !== "win32") {
      expect(statSync(cache).mode & 0o777).toBe(0o700);
      expect(statSync(join(cache, file)).mode & 0o777).toBe(0o600);
    }
    const second = cacheRun("second", cache);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/compile cache: hit/);
    expect(second.stderr).not.toMatch(/compile cache: written/);
    expect(second.stdout).toMatch(/completed/);
  });

  it("refused by V8 (a damaged file), is compiled afresh and rewritten; the caches of other builds go", () => {
    const cache = tmp.path("cache-damaged");
    expect(cacheRun("make", cache).code).toBe(0);
    const [file] = cacheFiles(cache);
    writeFileSync(join(cache, file), Buffer.from("not a code cache at all".repeat(100)), { mode: 0o600 });
    const stale = join(cache, "00000000deadbeef-node20.0.0-x64-run.bin");
    writeFileSync(stale, "an older build's cache", { mode: 0o600 });
    const damaged = cacheRun("damaged", cache);
    expect(damaged.code, damaged.stderr).toBe(0);
    expect(damaged.stdout).toMatch(/completed/);
    expect(damaged.stderr).toMatch(/compile cache: rejected/);
    expect(damaged.stderr).toMatch(/compile cache: written/);
    expect(existsSync(stale)).toBe(false);
    expect(cacheRun("after", cache).stderr).toMatch(/compile cache: hit/);
  });

  it("serves a run whose TypeScript module target loads through tsx (import() from the cached bundle)", () => {
    const cache = tmp.path("cache-ts");
    const suite = tempDir("assay-cache-ts-");
    try {
      suite.write("cases.jsonl", jsonl([{ id: "a", input: "x", expected: "x!" }]));
      suite.write(
        "shout.ts",
        'export default async function shout(input: string): Promise<string> { return input + "!"; }\n',
      );
      suite.write(
        "assay.yaml",
        [
          "suite: ts",
          "dataset: cases.jsonl",
          "targets:",
          "  - id: shout",
          "    module: shout.ts",
          "dimensions:",
          "  same: { evaluator: equals }",
        ].join("\n"),
      );
      const env = {
        ...process.env,
        NO_COLOR: "1",
        ASSAY_FROM_SOURCE: "",
        ASSAY_DEBUG: "1",
        ASSAY_COMPILE_CACHE: cache,
      };
      const outcomes = [1, 2].map((i) => {
        const res = spawnSync(
          process.execPath,
          [ASSAY_BIN, "run", ".", "--db", suite.path(`${i}.db`), "--json", suite.path(`${i}.json`)],
          {
            cwd: suite.dir,
            encoding: "utf8",
            env,
          },
        );
        expect(res.status, res.stderr).toBe(0);
        const card = JSON.parse(suite.read(`${i}.json`)) as { dimensions: Record<string, { mean: number }> };
        expect(card.dimensions.same.mean).toBe(1);
        return /compile cache: (\w+)/.exec(res.stderr)?.[1];
      });
      expect(outcomes).toEqual(["miss", "hit"]);
    } finally {
      suite.remove();
    }
  });

  it.skipIf(process.platform === "win32")("is not read when others could have written it", () => {
    const cache = tmp.path("cache-open");
    expect(cacheRun("make", cache).code).toBe(0);
    const [file] = cacheFiles(cache);
    chmodSync(join(cache, file), 0o666);
    const res = cacheRun("open", cache);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/compile cache: untrusted/);
    expect(res.stdout).toMatch(/completed/);
  });

  it("is off with ASSAY_COMPILE_CACHE=0, and a place it cannot be written costs nothing but the cache", () => {
    const off = cacheRun("off", "0");
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toMatch(/compile cache: off/);
    const blocker = tmp.write("not-a-folder", "a file where the cache folder would be");
    const blocked = cacheRun("blocked", join(blocker, "cache"));
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(blocked.stdout).toMatch(/completed/);
    expect(blocked.stderr).toMatch(/compile cache: not written/);
  });
});

describe("packagePath", () => {
  it("finds assay's own package.json from the sources (and, above, from the bundle)", () => {
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { name: string };
    expect(pkg.name).toBe("assay");
    expect(packagePath("rubrics")).toBe(fileURLToPath(new URL("../../rubrics", import.meta.url)));
  });
});
