import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { ASSAY_BIN, REPO_ROOT } from "../support/cli.ts";

/**
 * Runs the repository's composite action (action.yml) the way a GitHub runner does, offline: each
 * step's script under `bash --noprofile --norc -eo pipefail`, `${{ … }}` in `env`, `if` and
 * `working-directory` evaluated against the inputs and a pretend `github` context, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY and RUNNER_TEMP as files and folders of a temp dir. `npm` and `gh` on PATH
 * are stand-ins: `npm exec --no -- assay` runs this repository's CLI, anything else npm would do
 * fails; `gh api` keeps pull-request comments in a JSON file (see fakeGh).
 * Only the expression forms the action uses are understood; anything else throws, so the action
 * cannot drift beyond what this test checks.
 */

interface ActionStep {
  name: string;
  id?: string;
  if?: string;
  shell: string;
  "working-directory"?: string;
  env?: Record<string, string>;
  run: string;
}

interface ActionFile {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface ActionRun {
  steps: Array<{ name: string; status: "success" | "failure" | "skipped"; code: number | null; log: string }>;
  outputs: Record<string, string>;
  summary: string;
  /** the job fails when a step that ran failed */
  failed: boolean;
}

export interface ActionContext {
  workspace: string;
  inputs: Record<string, string>;
  /** `github.event.pull_request.number`; absent on a push */
  pullRequest?: number;
  repository?: string;
  /** a folder for the fake gh's comments and the runner's files */
  home: string;
}

export function loadAction(): ActionFile {
  return parse(readFileSync(join(REPO_ROOT, "action.yml"), "utf8")) as ActionFile;
}

export async function runAction(ctx: ActionContext): Promise<ActionRun> {
  const action = loadAction();
  if (action.runs.using !== "composite") throw new Error(`action.yml: runs.using is ${action.runs.using}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    inputs[name] = ctx.inputs[name] ?? spec.default ?? "";
  }
  for (const name of Object.keys(ctx.inputs)) {
    if (!(name in action.inputs)) throw new Error(`action.yml has no input "${name}"`);
  }
  const bin = shims(ctx.home);
  const runnerTemp = join(ctx.home, "runner-temp");
  mkdirSync(runnerTemp, { recursive: true });
  const summaryFile = join(ctx.home, "step-summary.md");
  writeFileSync(summaryFile, "");
  const stepOutputs: Record<string, Record<string, string>> = {};
  const result: ActionRun = { steps: [], outputs: {}, summary: "", failed: false };
  const context = (path: string): string | undefined => {
    const [root, ...rest] = path.split(".");
    if (root === "inputs") return inputs[rest.join(".")];
    if (root === "steps" && rest[1] === "outputs") return stepOutputs[rest[0]]?.[rest.slice(2).join(".")];
    if (path === "github.token") return "fake-token";
    if (path === "github.repository") return ctx.repository ?? "acme/app";
    if (path === "github.event.pull_request.number")
      return ctx.pullRequest === undefined ? undefined : String(ctx.pullRequest);
    throw new Error(`action.yml: unknown context ${path}`);
  };

  for (const [i, step] of action.runs.steps.entries()) {
    if (step.shell !== "bash") throw new Error(`step ${step.name}: shell ${step.shell}`);
    const runs = step.if === undefined ? !result.failed : condition(step.if, context, result.failed);
    if (!runs) {
      result.steps.push({ name: step.name, status: "skipped", code: null, log: "" });
      continue;
    }
    const outputFile = join(ctx.home, `output-${i}`);
    writeFileSync(outputFile, "");
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME,
      NO_COLOR: "1",
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      FAKE_GH_STATE: join(ctx.home, "gh-comments.json"),
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(v, context);
    const cwd = resolve(ctx.workspace, interpolate(step["working-directory"] ?? ".", context));
    const script = join(ctx.home, `step-${i}.sh`);
    writeFileSync(script, step.run);
    const { code, log } = await exec("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], cwd, env);
    stepOutputs[step.id ?? `step${i}`] = parseOutputs(readFileSync(outputFile, "utf8"));
    const ok = code === 0;
    if (!ok) result.failed = true;
    result.steps.push({ name: step.name, status: ok ? "success" : "failure", code, log });
  }
  for (const [name, spec] of Object.entries(action.outputs)) {
    result.outputs[name] = interpolate(spec.value, context);
  }
  result.summary = readFileSync(summaryFile, "utf8");
  return result;
}

type Lookup = (path: string) => string | undefined;

function interpolate(text: string, lookup: Lookup): string {
  return String(text).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!/^[A-Za-z_][\w.-]*$/.test(expr)) throw new Error(`action.yml: unsupported expression ${expr}`);
    return lookup(expr) ?? "";
  });
}

/** `a && b && …` of `always()`, `X == 'v'`, `X != 'v'` (null and '' are equal, as on GitHub). */
function condition(expr: string, lookup: Lookup, failed: boolean): boolean {
  const terms = expr.split("&&").map((t) => t.trim());
  if (expr.includes("||") || expr.replaceAll("always()", "").includes("(")) {
    throw new Error(`action.yml: unsupported condition ${expr}`);
  }
  const hasAlways = terms.includes("always()");
  if (failed && !hasAlways) return false;
  return terms.every((term) => {
    if (term === "always()") return true;
    const m = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(term);
    if (!m) throw new Error(`action.yml: unsupported condition term ${term}`);
    const value = lookup(m[1]) ?? "";
    return m[2] === "==" ? value === m[3] : value !== m[3];
  });
}

function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function exec(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; log: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d) => {
      log += d;
    });
    child.stderr.on("data", (d) => {
      log += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, log }));
  });
}

/** The stand-ins for npm and gh, in `home/bin`; returns that folder. */
function shims(home: string): string {
  const bin = join(home, "bin");
  if (existsSync(join(bin, "gh"))) return bin;
  mkdirSync(bin, { recursive: true });
  const node = process.execPath;
  writeFileSync(
    join(bin, "npm"),
    `#!/bin/sh
# npm exec --no -- assay ARGS: this repository's CLI. Nothing else: the action must not install.
if [ "$1" = exec ] && [ "$2" = --no ] && [ "$3" = -- ] && [ "$4" = assay ]; then
  shift 4
  exec "${node}" "${ASSAY_BIN}" "$@"
fi
echo "npm $* is not allowed here" >&2
exit 97
`,
  );
  writeFileSync(join(bin, "gh"), `#!${node}\n${fakeGh}`);
  chmodSync(join(bin, "npm"), 0o755);
  chmodSync(join(bin, "gh"), 0o755);
  return bin;
}

/**
 * `gh api` against a JSON file of comments: GET lists them (applying the one jq filter the action
 * uses, `select(.body | startswith("…")) | .id`), POST adds one, PATCH edits one. Every call is
 * logged beside the state. A call the action should not make exits 98.
 */
const fakeGh = `
const fs = require("fs");
const state = process.env.FAKE_GH_STATE;
const args = process.argv.slice(2);
const read = () => (fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, "utf8")) : { comments: [], calls: [] });
const db = read();
const opt = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
if (args[0] !== "api" || !process.env.GH_TOKEN) { console.error("gh: unexpected " + args.join(" ")); process.exit(98); }
const method = opt("--method") || "GET";
const path = args.find((a, i) => i > 0 && !a.startsWith("--") && !["--method", "--jq", "--input"].includes(args[i - 1]));
const input = opt("--input");
const body = input ? JSON.parse(fs.readFileSync(input, "utf8")).body : undefined;
db.calls.push({ method, path, body });
let m;
if (method === "GET" && (m = /^repos\\/([^/]+\\/[^/]+)\\/issues\\/(\\d+)\\/comments$/.exec(path))) {
  const marker = /startswith\\("(.*?)"\\)/.exec(opt("--jq") || "");
  if (!marker) { console.error("gh: unexpected jq " + opt("--jq")); process.exit(98); }
  for (const c of db.comments) if (c.pr === m[2] && c.body.startsWith(marker[1])) console.log(c.id);
} else if (method === "POST" && (m = /^repos\\/[^/]+\\/[^/]+\\/issues\\/(\\d+)\\/comments$/.exec(path))) {
  db.comments.push({ id: 1000 + db.comments.length, pr: m[1], body });
} else if (method === "PATCH" && (m = /^repos\\/[^/]+\\/[^/]+\\/issues\\/comments\\/(\\d+)$/.exec(path))) {
  const c = db.comments.find((x) => String(x.id) === m[1]);
  if (!c) { console.error("gh: no comment " + m[1]); process.exit(98); }
  c.body = body;
} else { console.error("gh: unexpected " + method + " " + path); process.exit(98); }
fs.writeFileSync(state, JSON.stringify(db));
`;

export interface FakeGithub {
  comments: Array<{ id: number; pr: string; body: string }>;
  calls: Array<{ method: string; path: string; body?: string }>;
}

export function fakeGithub(home: string): FakeGithub {
  const file = join(home, "gh-comments.json");
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as FakeGithub)
    : { comments: [], calls: [] };
}
