import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isMap, parseDocument } from "yaml";
import { gateConfigOf } from "../../src/compare/load.ts";
import { loadSuite } from "../../src/config/load.ts";
import { suiteSchema } from "../../src/config/schema.ts";
import { checkOptions } from "../../src/evaluators/option-schema.ts";
import { builtinEvaluators } from "../../src/evaluators/registry.ts";
import { initSuite } from "../../src/init/init.ts";
import { demoLikeSuite } from "../ci/demo-suite.ts";
import { ASSAY_BIN } from "../support/cli.ts";

/**
 * Runs the code blocks of a Markdown page the way a reader would, in order, in one temp project:
 *
 * - ```bash / ```sh: every line that starts with `npx assay` or `assay` runs (through bash, with
 *   `npx assay` and `assay` meaning this repository's CLI, offline); other lines (`npm i`, `cd`)
 *   are prose for people. A line must exit 0, or the code its comment names: `# … (exit 1)`.
 * - a block tagged `file=PATH` (```yaml file=assay.yaml) is written to PATH first, so commands
 *   after it use it; a suite written so is loaded and checked at once.
 * - ```yaml holding a suite (`suite:`), or a fragment of one (only suite keys such as `gate:`,
 *   `dimensions:`, `targets:`), is checked without running: the suite schema, the gate schema,
 *   every evaluator kind and its `with:` options (a fragment is checked inside a minimal suite).
 * - a block tagged `no-run` is skipped: it needs a network, an API key or a server that stays up.
 *
 * The page picks its starting project with `<!-- docs-test: fixture=NAME -->`: `empty` (default),
 * `init` (what `assay init` writes) or `task-api` (the demo suite, a quarter of its cases).
 */

export interface CodeBlock {
  line: number;
  lang: string;
  attrs: Record<string, string | true>;
  content: string;
}

export interface BlockOutcome {
  at: string;
  what: string;
  ok: boolean;
  detail: string;
}

export interface PageResult {
  /** the temp folder holding the project (and the shims); remove it when done */
  root: string;
  outcomes: BlockOutcome[];
  skipped: number;
  commands: number;
  suites: number;
}

const FIXTURES = ["empty", "init", "task-api"] as const;
const SHELLS = new Set(["bash", "sh", "shell"]);
const SUITE_KEYS = new Set(Object.keys(suiteSchema.shape));

export function parseBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`line ${start + 1}: code block never closed`);
    const attrs: Record<string, string | true> = {};
    for (const word of open[2].split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf("=");
      if (eq < 0) attrs[word] = true;
      else attrs[word.slice(0, eq)] = word.slice(eq + 1);
    }
    blocks.push({ line: start + 1, lang: open[1], attrs, content: `${body.join("\n")}\n` });
  }
  return blocks;
}

export function fixtureOf(markdown: string): (typeof FIXTURES)[number] {
  const m = /<!--\s*docs-test:\s*fixture=(\S+)\s*-->/.exec(markdown);
  const name = (m?.[1] ?? "empty") as (typeof FIXTURES)[number];
  if (!FIXTURES.includes(name)) throw new Error(`unknown docs-test fixture "${name}"`);
  return name;
}

/** Shell lines of a block, continuation lines (`\` at the end) joined. */
export function shellLines(content: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    out.push((current + line).trim());
    current = "";
  }
  return out.filter((l) => l !== "");
}

export const isAssayLine = (line: string) => /^(npx\s+)?assay(\s|$)/.test(line);

/** The exit code a documented line expects: `# … (exit N)` in its comment, else 0. */
export function expectedExit(line: string): number {
  const m = /#.*\(exit (\d)\)/.exec(line);
  return m ? Number(m[1]) : 0;
}

export async function runPage(file: string, markdown = readFileSync(file, "utf8")): Promise<PageResult> {
  const root = mkdtempSync(join(tmpdir(), "assay-docs-"));
  const project = join(root, "project");
  mkdirSync(project);
  const fixture = fixtureOf(markdown);
  if (fixture === "init") initSuite(project);
  if (fixture === "task-api") demoLikeSuite(project, 4);
  const bin = shims(root);
  const result: PageResult = { root, outcomes: [], skipped: 0, commands: 0, suites: 0 };
  for (const block of parseBlocks(markdown)) {
    const at = `${file}:${block.line}`;
    if (block.attrs["no-run"]) {
      result.skipped++;
      continue;
    }
    if (typeof block.attrs.file === "string") {
      const target = join(project, block.attrs.file);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, block.content);
      if (isSuiteYaml(block)) {
        result.suites++;
        result.outcomes.push(await checkSuiteFile(at, target));
      }
      continue;
    }
    if (SHELLS.has(block.lang)) {
      for (const line of shellLines(block.content)) {
        if (!isAssayLine(line)) continue;
        result.commands++;
        result.outcomes.push(await runLine(at, line, project, bin));
      }
      continue;
    }
    if (isSuiteYaml(block) || isSuiteFragment(block)) {
      result.suites++;
      result.outcomes.push(await checkSnippet(at, block, root, project));
    }
  }
  return result;
}

function yamlTopKeys(block: CodeBlock): string[] | undefined {
  if (block.lang !== "yaml" && block.lang !== "yml") return undefined;
  const doc = parseDocument(block.content);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  return doc.contents.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key));
}

function isSuiteYaml(block: CodeBlock): boolean {
  return yamlTopKeys(block)?.includes("suite") ?? false;
}

function isSuiteFragment(block: CodeBlock): boolean {
  const keys = yamlTopKeys(block);
  return keys !== undefined && keys.length > 0 && keys.every((k) => SUITE_KEYS.has(k));
}

/** A suite file as `assay run` would read it: schema, gate block, evaluator kinds and options. */
async function checkSuiteFile(at: string, file: string): Promise<BlockOutcome> {
  try {
    const suite = await loadSuite(file);
    gateConfigOf(suite);
    for (const [name, dim] of Object.entries(suite.config.dimensions)) {
      const factory = builtinEvaluators.get(dim.evaluator);
      if (!factory) throw new Error(`dimensions.${name}: unknown evaluator "${dim.evaluator}"`);
      checkOptions(dim.evaluator, factory.options, dim.with ?? {});
    }
    return { at, what: `suite ${file}`, ok: true, detail: "" };
  } catch (err) {
    return { at, what: `suite ${file}`, ok: false, detail: (err as Error).message };
  }
}

const MINIMAL_SUITE = {
  suite: "docs-snippet",
  dataset: "data/cases.jsonl",
  targets: [{ id: "t", module: "target.mjs" }],
  dimensions: { d: { evaluator: "equals" } },
};

/**
 * A suite or a fragment shown in prose, checked in a folder of its own. A fragment is checked
 * inside the page's project suite as it stands at that point (so a `gate:` fragment may name the
 * project's dimensions), or inside a minimal suite when the project has none yet.
 */
async function checkSnippet(
  at: string,
  block: CodeBlock,
  root: string,
  project: string,
): Promise<BlockOutcome> {
  const dir = mkdtempSync(join(root, "snippet-"));
  const fragment = parseDocument(block.content).toJS() as Record<string, unknown>;
  const projectSuite = join(project, "assay.yaml");
  const base = existsSync(projectSuite)
    ? (parseDocument(readFileSync(projectSuite, "utf8")).toJS() as Record<string, unknown>)
    : MINIMAL_SUITE;
  const suite = isSuiteYaml(block) ? fragment : { ...base, ...fragment };
  const file = join(dir, "assay.yaml");
  writeFileSync(file, JSON.stringify(suite, null, 2));
  const outcome = await checkSuiteFile(at, file);
  return { ...outcome, what: `yaml block at ${at}` };
}

/** Runs one documented shell line through bash, `npx assay` meaning this repository's CLI. */
export function runLine(
  at: string,
  line: string,
  cwd: string,
  bin: string,
  want = expectedExit(line),
): Promise<BlockOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" };
  for (const name of [
    "ASSAY_DB",
    "ASSAY_CACHE",
    "GITHUB_STEP_SUMMARY",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
  ]) {
    delete env[name];
  }
  return new Promise((resolve) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-o", "pipefail", "-c", line], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 90_000,
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code, signal) => {
      const ok = code === want;
      const detail = ok ? "" : `expected exit ${want}, got ${code ?? signal}\n${out.slice(-3000)}`;
      resolve({ at, what: line, ok, detail });
    });
  });
}

/** `npx assay …` and `assay …` run this repository's CLI; any other npx is refused (offline). */
export function shims(root: string): string {
  const bin = join(root, "bin");
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  const run = `exec "${process.execPath}" "${ASSAY_BIN}" "$@"`;
  writeFileSync(
    join(bin, "npx"),
    `#!/bin/sh\nif [ "$1" = assay ]; then shift; ${run}; fi\necho "docs test: npx $1 is not available offline" >&2\nexit 127\n`,
  );
  writeFileSync(join(bin, "assay"), `#!/bin/sh\n${run}\n`);
  chmodSync(join(bin, "npx"), 0o755);
  chmodSync(join(bin, "assay"), 0o755);
  return bin;
}
