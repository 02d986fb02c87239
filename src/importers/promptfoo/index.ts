import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { SuiteInput } from "../../config/schema.ts";
import { ImportError, type Importer } from "../types.ts";
import { type Check, testChecks } from "./assertions.ts";
import { buildDimensions } from "./dimensions.ts";
import { isObject, slug, unique } from "./names.ts";
import { readPrompts } from "./prompts.ts";
import { ImportContext, loadDocument, type Origin, parseFileRef } from "./source.ts";
import { buildTargets } from "./targets.ts";
import { type ResolvedTest, readTestList, resolveTests } from "./tests.ts";

/**
 * `assay import promptfoo CONFIG --out DIR`: a promptfoo config (promptfooconfig.yaml, or a folder
 * holding one) as an assay suite.
 *
 * - every prompt × provider pair becomes a target (provider targets for OpenAI- and
 *   Anthropic-compatible providers, module targets for `file://` provider modules);
 * - every test (after `defaultTest` is applied and array vars are expanded) becomes a case whose
 *   input is its vars, whose tags are its metadata, and whose expected value holds what its
 *   assertions check, per dimension;
 * - assertions become dimensions (dimensions.ts); `evaluateOptions.repeat` becomes `epochs`.
 *
 * Whatever has no equivalent is listed in IMPORT-REPORT.md with its file and line; no code from
 * the config (inline JavaScript, Python, prompt or test generators) is ever run.
 */
export const importPromptfoo: Importer = async (source, opts) => {
  const ctx = new ImportContext(opts.cwd, opts.data);
  const configFile = locateConfig(resolve(opts.cwd, source), ctx);
  const shown = ctx.read(configFile);
  const doc = loadDocument(configFile, shown);
  const config = doc.value;
  if (!isObject(config) || !["prompts", "providers", "targets", "tests"].some((k) => k in config)) {
    throw new ImportError(
      "not a promptfoo config: expected a map with prompts, providers and tests",
      shown,
      1,
    );
  }
  const baseDir = dirname(configFile);
  const origin = doc.origin;
  reportTopLevel(config, origin, ctx);

  const prompts = readPrompts(config.prompts, origin.child(["prompts"]), baseDir, ctx);
  const providersKey = config.providers !== undefined ? "providers" : "targets";
  const targets = buildTargets(config[providersKey], origin.child([providersKey]), prompts, {
    baseDir,
    ctx,
    outDir: opts.outDir,
    fallbackModel: opts.model,
  });

  if (targets.targets.length === 0) {
    throw new ImportError(
      `no target could be made: ${prompts.length === 0 ? "no prompt could be imported" : "no provider takes any of the prompts"}${noted(ctx)}`,
      shown,
    );
  }

  const rawTests =
    config.tests === undefined
      ? [{ value: {}, origin: origin.child(["tests"]) }]
      : readTestList(config.tests, origin.child(["tests"]), baseDir, ctx);
  const defaults = readDefaultTest(config.defaultTest, origin.child(["defaultTest"]), baseDir, ctx);
  const tests = resolveTests(rawTests, defaults, baseDir, ctx);
  if (tests.length === 0) throw new ImportError(`no tests could be imported${noted(ctx)}`, shown);
  const checks: Check[][] = tests.map((t) => testChecks(t, { baseDir, ctx }));
  const built = buildDimensions(checks, { ctx, outDir: opts.outDir });
  if (Object.keys(built.dimensions).length === 0) {
    ctx.note(
      origin.at(["tests"]),
      "tests without assertions",
      "promptfoo only records the outputs; the suite checks that each output is not empty (dimension `responded`)",
    );
    built.dimensions.responded = {
      evaluator: "length",
      with: { min: 1 },
      description: "the target answered",
    };
  }

  const cases = toCases(tests, built.expected, ctx);
  const suite: SuiteInput = {
    suite: suiteName(config.description, baseDir),
    ...(typeof config.description === "string" ? { description: config.description } : {}),
    dataset: "datasets/cases.jsonl",
    targets: targets.targets,
    ...evaluateOptions(config.evaluateOptions, origin.child(["evaluateOptions"]), ctx),
    dimensions: built.dimensions,
    ...thresholdGate(tests, ctx),
  };
  return {
    suite,
    files: {
      "datasets/cases.jsonl": `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`,
      ...built.files,
      ...targets.files,
    },
    notes: ctx.sortedNotes(),
    sources: ctx.sources,
    counts: {
      cases: cases.length,
      targets: targets.targets.length,
      dimensions: Object.keys(built.dimensions).length,
    },
  };
};

/** The suite's name: the config's description (or its folder) as a short lowercase slug. */
function suiteName(description: unknown, baseDir: string): string {
  const name = slug(typeof description === "string" ? description : "", 40) || slug(basename(baseDir), 40);
  return name.toLowerCase() || "promptfoo";
}

/** What was noted so far, for an ImportError (exit 2 writes no report). */
function noted(ctx: ImportContext): string {
  const why = ctx.notes
    .map((n) => `${n.file}${n.line ? `:${n.line}` : ""} ${n.feature}: ${n.reason}`)
    .join("; ");
  return why ? ` (${why})` : "";
}

const CONFIG_NAMES = ["promptfooconfig.yaml", "promptfooconfig.yml", "promptfooconfig.json"];

function locateConfig(path: string, ctx: ImportContext): string {
  if (!existsSync(path)) throw new ImportError("no such file or folder", ctx.display(path));
  if (statSync(path).isDirectory()) {
    const found = CONFIG_NAMES.map((n) => join(path, n)).find((p) => existsSync(p));
    if (!found) throw new ImportError(`no ${CONFIG_NAMES.join(", ")} in this folder`, ctx.display(path));
    return found;
  }
  const ext = extname(path).toLowerCase();
  if ([".js", ".cjs", ".mjs", ".ts"].includes(ext)) {
    throw new ImportError(
      "a config written as code is never run; export it as YAML or JSON",
      ctx.display(path),
    );
  }
  return path;
}

const TOP_LEVEL_HANDLED = new Set([
  "description",
  "prompts",
  "providers",
  "targets",
  "tests",
  "defaultTest",
  "evaluateOptions",
]);

const TOP_LEVEL_WHY: Record<string, string> = {
  env: "environment for the run: set these variables in the shell or CI (values are not copied, they may be secrets)",
  scenarios: "scenarios (vars × tests matrices) are not expanded; list their combinations as tests",
  outputPath: "assay keeps results in its store (assay show, assay export)",
  sharing: "assay keeps results in its store; share them with assay push or assay serve",
  writeLatestResults: "assay keeps results in its store",
  nunjucksFilters: "custom Nunjucks filters are code: they are never run (templates using them are reported)",
  derivedMetrics: "metrics computed by code from named scores have no equivalent",
  extensions: "extension hooks are code: they are never run",
  redteam: "red-team generation is not imported",
  tags: "config tags have no equivalent (case tags come from each test's metadata)",
  metadata: "config metadata has no equivalent (case tags come from each test's metadata)",
};

function reportTopLevel(config: Record<string, unknown>, origin: Origin, ctx: ImportContext): void {
  for (const key of Object.keys(config)) {
    if (TOP_LEVEL_HANDLED.has(key)) continue;
    if (key === "providers" || key === "targets") continue;
    ctx.note(origin.at([key]), key, TOP_LEVEL_WHY[key] ?? "no assay equivalent");
  }
  if (config.providers !== undefined && config.targets !== undefined) {
    ctx.note(
      origin.at(["targets"]),
      "targets",
      "both providers and targets are given; providers are imported",
    );
  }
}

function readDefaultTest(
  raw: unknown,
  origin: Origin,
  baseDir: string,
  ctx: ImportContext,
): { value: Record<string, unknown>; origin: Origin } | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === "string") {
    const ref = parseFileRef(raw);
    const file = ref ? resolve(baseDir, ref.path) : undefined;
    if (!file || !existsSync(file)) {
      ctx.note(origin.at(), `defaultTest ${raw}`, "no such file");
      return undefined;
    }
    const doc = loadDocument(file, ctx.read(file));
    return isObject(doc.value) ? { value: doc.value, origin: doc.origin } : undefined;
  }
  if (!isObject(raw)) {
    ctx.note(origin.at(), "defaultTest", "not a test object");
    return undefined;
  }
  return { value: raw, origin };
}

function evaluateOptions(raw: unknown, origin: Origin, ctx: ImportContext): Partial<SuiteInput> {
  if (!isObject(raw)) return {};
  const out: Partial<SuiteInput> = {};
  const positiveInt = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined);
  for (const [key, value] of Object.entries(raw)) {
    const where = origin.at([key]);
    if (key === "repeat" && positiveInt(value)) out.epochs = value as number;
    else if (key === "maxConcurrency" && positiveInt(value)) out.concurrency = value as number;
    else if (key === "timeoutMs" && positiveInt(value)) out.timeoutMs = value as number;
    else if (key === "cache")
      continue; // assay's response cache is per target (`cache: true`)
    else ctx.note(where, `evaluateOptions.${key}`, "no assay equivalent");
  }
  return out;
}

/**
 * promptfoo's test `threshold` is a pass mark on a test's weighted score over its assertions.
 * assay passes each dimension on its own threshold; the nearest suite-level figure is a gate
 * floor on the aggregate (the weighted mean of the dimensions), set when every test shares it.
 */
function thresholdGate(tests: ResolvedTest[], ctx: ImportContext): Partial<SuiteInput> {
  const withThreshold = tests.filter((t) => t.threshold !== undefined);
  if (withThreshold.length === 0) return {};
  const values = new Set(withThreshold.map((t) => t.threshold));
  const shared = values.size === 1 && withThreshold.length === tests.length ? [...values][0] : undefined;
  for (const t of withThreshold) {
    ctx.note(
      t.origin.at(["threshold"]),
      `threshold ${t.threshold}`,
      shared !== undefined
        ? "a per-test pass mark on the weighted score has no per-case equivalent; every test shares it, so it is the gate's floor on the aggregate (a mean over cases)"
        : "a per-test pass mark on the weighted score has no per-case equivalent (tests differ, so no gate floor is set)",
    );
  }
  return shared !== undefined && shared >= 0 && shared <= 1
    ? { gate: { floors: { aggregate: shared } } }
    : {};
}

interface CaseRecord {
  id: string;
  description?: string;
  input: Record<string, unknown>;
  expected?: Record<string, unknown>;
  tags?: Record<string, string>;
}

function toCases(
  tests: ResolvedTest[],
  expected: Array<Record<string, unknown>>,
  ctx: ImportContext,
): CaseRecord[] {
  const taken = new Set<string>();
  return tests.map((t, i) => {
    const base = (t.description ? slug(t.description, 60).toLowerCase() : "") || `test-${i + 1}`;
    const id = unique(base, taken);
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.metadata)) {
      if (v === null || v === undefined) continue;
      tags[k] = Array.isArray(v) ? v.map(String).join(",") : isObject(v) ? JSON.stringify(v) : String(v);
    }
    if ("messages" in t.vars && !Array.isArray(t.vars.messages)) {
      ctx.note(
        t.origin.at(["vars", "messages"]),
        "var messages",
        "assay reads an input with `messages` as a chat; rename the var",
      );
    }
    for (const name of ["case", "epoch"]) {
      if (name in t.vars) {
        ctx.note(
          t.origin.at(["vars", name]),
          `var ${name}`,
          `assay's templates reserve {{ ${name} }}; rename the var`,
        );
      }
    }
    const e = expected[i];
    return {
      id,
      ...(t.description ? { description: t.description } : {}),
      input: t.vars,
      ...(Object.keys(e).length > 0 ? { expected: e } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    };
  });
}
