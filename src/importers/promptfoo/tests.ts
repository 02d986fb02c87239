import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { isObject } from "./names.ts";
import {
  dirOf,
  expandFiles,
  type ImportContext,
  loadCsv,
  loadDocument,
  loadJsonl,
  type Origin,
  parseFileRef,
  readText,
  type Where,
} from "./source.ts";

/**
 * promptfoo `tests` (inline, or `file://` CSV, YAML, JSON and JSONL files, globs allowed) merged
 * with `defaultTest` the way promptfoo merges them: default vars under the test's, default
 * assertions before the test's, options and metadata overlaid. Array vars expand into one test
 * per combination. Test generators (`.js`, `.py`), spreadsheets and hub datasets are reported.
 */

export interface AssertionSource {
  raw: unknown;
  origin: Origin;
}

export interface ResolvedTest {
  description?: string;
  vars: Record<string, unknown>;
  asserts: AssertionSource[];
  metadata: Record<string, unknown>;
  threshold?: number;
  /** `options.transform` (or the older `postprocess`), test over default */
  transform?: { source: unknown; where: Where };
  /** `options.provider`: the grader of model-graded assertions */
  grader?: { raw: unknown; origin: Origin };
  origin: Origin;
}

interface RawTest {
  value: Record<string, unknown>;
  origin: Origin;
}

/** Keys of a test (and of `defaultTest`) that the importer translates. */
const TEST_KEYS = new Set(["description", "vars", "assert", "metadata", "threshold", "options"]);
const OPTION_KEYS = new Set(["transform", "postprocess", "provider", "disableVarExpansion"]);

export function readTestList(raw: unknown, origin: Origin, baseDir: string, ctx: ImportContext): RawTest[] {
  const out: RawTest[] = [];
  const add = (item: unknown, at: Origin) => {
    if (typeof item === "string") out.push(...readTestFile(item, at, baseDir, ctx));
    else if (isObject(item) && typeof item.path === "string" && !("vars" in item) && !("assert" in item)) {
      ctx.note(
        at.at(),
        `tests ${item.path}`,
        "test generators are code: they are never run; export the tests to CSV, YAML or JSONL",
      );
    } else if (isObject(item)) out.push({ value: item, origin: at });
    else ctx.note(at.at(), "tests", "not a test, a file:// reference or a list of them");
  };
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      add(item, origin.child([i]));
    });
  } else if (raw !== undefined) add(raw, origin);
  return out;
}

function readTestFile(ref: string, origin: Origin, baseDir: string, ctx: ImportContext): RawTest[] {
  const where = origin.at();
  const file = parseFileRef(ref);
  if (!file) {
    const rows = /^huggingface:\/\//.test(ref) ? hubRows(ref, origin, ctx) : undefined;
    if (rows) return rows;
    const why = /^https?:\/\//.test(ref)
      ? "tests from a URL (Google Sheets and the like) need the network; download them as CSV and import that"
      : /^huggingface:\/\//.test(ref)
        ? `a Hugging Face dataset needs the network; export its rows as JSONL and give them with --data ${hubName(ref)}=FILE`
        : "not a file:// reference";
    ctx.note(where, `tests ${ref}`, why);
    return [];
  }
  const files = expandFiles(file.path, baseDir);
  if (files.length === 0) {
    ctx.note(where, `tests ${ref}`, "no such file");
    return [];
  }
  const out: RawTest[] = [];
  for (const f of files) {
    const ext = extname(f).toLowerCase();
    const shown = READABLE_TESTS.has(ext) ? ctx.read(f) : ctx.display(f);
    if (ext === ".csv") {
      for (const { row, origin: rowOrigin } of loadCsv(f, shown))
        out.push(testFromCsvRow(row, rowOrigin, ctx));
    } else if (ext === ".jsonl") {
      for (const line of loadJsonl(f, shown)) pushTest(out, line.value, line.origin, ctx);
    } else if (ext === ".json" || ext === ".yaml" || ext === ".yml") {
      const doc = loadDocument(f, shown);
      // a tests file may itself list further files (`- file://more.yaml`)
      if (Array.isArray(doc.value))
        out.push(...readTestList(doc.value, doc.origin, dirOf(ctx.cwd, shown), ctx));
      else pushTest(out, doc.value, doc.origin, ctx);
    } else {
      ctx.note(
        where,
        `tests ${ref}`,
        [".js", ".mjs", ".cjs", ".ts", ".py"].includes(ext)
          ? "test generators are code: they are never run; export the tests to CSV, YAML or JSONL"
          : `${ext || "this"} files are not read (CSV, YAML, JSON and JSONL are)`,
      );
    }
  }
  return out;
}

/** `huggingface://datasets/owner/name?split=test` → `owner/name`. */
function hubName(ref: string): string {
  return ref
    .replace(/^huggingface:\/\/(datasets\/)?/, "")
    .split("?")[0]
    .replace(/\/+$/, "");
}

/**
 * The rows of a Hugging Face test source from `--data KEY=FILE` (KEY the full reference or
 * `owner/name`), each row a test whose vars are its fields, as promptfoo loads them.
 */
function hubRows(ref: string, origin: Origin, ctx: ImportContext): RawTest[] | undefined {
  const key = [ref, hubName(ref)].find((k) => ctx.data[k] !== undefined);
  if (key === undefined) return undefined;
  const file = resolve(ctx.cwd, ctx.data[key]);
  if (!existsSync(file)) {
    ctx.note(origin.at(), `tests ${ref}`, `--data ${key}=${ctx.data[key]}: no such file`);
    return [];
  }
  const shown = ctx.read(file);
  const ext = extname(file).toLowerCase();
  const out: RawTest[] = [];
  const asTest = (row: unknown, at: Origin) => {
    if (isObject(row)) out.push({ value: { vars: row }, origin: at });
    else ctx.note(at.at(), "row", "not an object of fields");
  };
  if (ext === ".csv") for (const { row, origin: at } of loadCsv(file, shown)) asTest(row, at);
  else if (ext === ".json") {
    const doc = loadDocument(file, shown);
    if (Array.isArray(doc.value))
      for (const [i, row] of doc.value.entries()) asTest(row, doc.origin.child([i]));
    else ctx.note(doc.origin.at(), "rows", "a JSON rows file holds a list of objects");
  } else for (const line of loadJsonl(file, shown)) asTest(line.value, line.origin);
  return out;
}

const READABLE_TESTS = new Set([".csv", ".jsonl", ".json", ".yaml", ".yml"]);

function pushTest(out: RawTest[], value: unknown, origin: Origin, ctx: ImportContext): void {
  if (isObject(value)) out.push({ value, origin });
  else ctx.note(origin.at(), "test", "not an object with vars and assert");
}

/**
 * A CSV row as a promptfoo test: `__expected`, `__expected1`… are assertions in promptfoo's
 * string form (`contains: Paris`, `similar(0.8): …`, a bare value is `equals`); `__description`,
 * `__metric`, `__threshold`, `__metadata:key` (and `key[]` lists) and
 * `__config:__expected<N>:<key>`; every other column is a var.
 */
export function testFromCsvRow(row: Record<string, string>, origin: Origin, ctx: ImportContext): RawTest {
  const vars: Record<string, unknown> = {};
  const asserts: Array<Record<string, unknown> & { column: string }> = [];
  const metadata: Record<string, unknown> = {};
  const test: Record<string, unknown> = {};
  const configs: Array<{ column: string; key: string; value: string }> = [];
  let metric: string | undefined;
  for (const [key, value] of Object.entries(row)) {
    if (/^__expected\d*$/.test(key)) {
      if (value.trim() !== "") asserts.push({ ...assertionFromString(value), column: key });
    } else if (key === "__description") test.description = value;
    else if (key === "__metric") metric = value || undefined;
    else if (key === "__threshold") {
      const t = Number.parseFloat(value);
      if (Number.isFinite(t)) test.threshold = t;
    } else if (key.startsWith("__metadata:")) {
      const name = key.slice("__metadata:".length);
      if (value === "") continue;
      if (name.endsWith("[]")) {
        metadata[name.slice(0, -2)] = value
          .split(/(?<!\\),/)
          .map((s) => s.replaceAll("\\,", ",").trim())
          .filter((s) => s !== "");
      } else metadata[name] = value;
    } else if (key.startsWith("__config:")) {
      const m = /^__config:(__expected\d*):(\w+)$/.exec(key);
      if (m && value !== "") configs.push({ column: m[1], key: m[2], value });
      else if (!m) ctx.note(origin.at(), `column ${key}`, "not __config:__expected<N>:<key>");
    } else if (key.startsWith("__")) {
      if (value !== "")
        ctx.note(origin.at(), `column ${key}`, "no assay equivalent (the column is left out)");
    } else vars[key] = value;
  }
  for (const c of configs) {
    for (const a of asserts) {
      if (c.column !== "__expected" && a.column !== c.column) continue;
      const n = Number(c.value);
      a[c.key] = c.value.trim() !== "" && Number.isFinite(n) ? n : c.value;
    }
  }
  test.vars = vars;
  test.assert = asserts.map(({ column: _column, ...a }) => (metric ? { ...a, metric } : a));
  if (Object.keys(metadata).length > 0) test.metadata = metadata;
  return { value: test, origin };
}

/** Assertion types promptfoo's string form knows (longest first, so `contains-any` wins over `contains`). */
const STRING_FORM_TYPES = [
  "answer-relevance",
  "bleu",
  "classifier",
  "contains",
  "contains-all",
  "contains-any",
  "contains-html",
  "contains-json",
  "contains-sql",
  "contains-xml",
  "context-faithfulness",
  "context-recall",
  "context-relevance",
  "cost",
  "ends-with",
  "equals",
  "factuality",
  "finish-reason",
  "g-eval",
  "gleu",
  "icontains",
  "icontains-all",
  "icontains-any",
  "is-html",
  "is-json",
  "is-refusal",
  "is-sql",
  "is-valid-openai-function-call",
  "is-valid-openai-tools-call",
  "is-xml",
  "javascript",
  "latency",
  "levenshtein",
  "llm-rubric",
  "meteor",
  "model-graded-closedqa",
  "model-graded-factuality",
  "moderation",
  "perplexity",
  "perplexity-score",
  "python",
  "regex",
  "rouge-n",
  "ruby",
  "select-best",
  "similar",
  "starts-with",
  "webhook",
].sort((a, b) => b.length - a.length);

const STRING_FORM = new RegExp(
  `^(not-)?(${STRING_FORM_TYPES.map((t) => t.replace(/-/g, "\\-")).join("|")})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`,
);

/** promptfoo's `__expected` string form as an assertion object. */
export function assertionFromString(expected: string): Record<string, unknown> {
  for (const prefix of ["javascript:", "fn:", "eval:"]) {
    if (expected.startsWith(prefix))
      return { type: "javascript", value: expected.slice(prefix.length).trim() };
  }
  for (const prefix of ["grade:", "llm-rubric:"]) {
    if (expected.startsWith(prefix))
      return { type: "llm-rubric", value: expected.slice(prefix.length).trim() };
  }
  if (expected.startsWith("python:")) return { type: "python", value: expected.slice(7).trim() };
  if (expected.startsWith("file://")) {
    if (/\.py(:|$)/.test(expected)) return { type: "python", value: expected };
    if (/\.(m|c)?(j|t)s(:|$)/.test(expected)) return { type: "javascript", value: expected };
  }
  const m = STRING_FORM.exec(expected);
  if (!m) return { type: "equals", value: expected };
  const [, not, type, threshold, rawValue] = m;
  const value = rawValue?.trim();
  const out: Record<string, unknown> = { type: `${not ?? ""}${type}` };
  if (value !== undefined && value !== "") {
    out.value = /^i?contains-(any|all)$/.test(type) ? value.split(",").map((s) => s.trim()) : value;
  }
  if (threshold !== undefined) out.threshold = Number.parseFloat(threshold);
  return out;
}

/**
 * Each test with `defaultTest` applied and its array vars expanded; reports the keys that have no
 * assay equivalent (provider and prompt filters, per-test options…) at their lines.
 */
export function resolveTests(
  tests: RawTest[],
  defaults: RawTest | undefined,
  baseDir: string,
  ctx: ImportContext,
): ResolvedTest[] {
  if (defaults) reportKeys(defaults, "defaultTest", ctx);
  const d = defaults?.value ?? {};
  const dOptions = isObject(d.options) ? d.options : {};
  const out: ResolvedTest[] = [];
  tests.forEach((t, index) => {
    reportKeys(t, `tests[${index}]`, ctx);
    const v = t.value;
    const options = isObject(v.options) ? v.options : {};
    const vars = {
      ...loadVars(d.vars, defaults?.origin.child(["vars"]), baseDir, ctx),
      ...loadVars(v.vars, t.origin.child(["vars"]), baseDir, ctx),
    };
    const asserts: AssertionSource[] = [
      ...assertList(d.assert, defaults?.origin.child(["assert"]), ctx),
      ...assertList(v.assert, t.origin.child(["assert"]), ctx),
    ];
    const transformFrom = (opts: Record<string, unknown>, origin: Origin | undefined) => {
      for (const key of ["transform", "postprocess"]) {
        if (opts[key] !== undefined && origin)
          return { source: opts[key], where: origin.at(["options", key]) };
      }
      return undefined;
    };
    const transform = transformFrom(options, t.origin) ?? transformFrom(dOptions, defaults?.origin);
    const grader =
      options.provider !== undefined
        ? { raw: options.provider, origin: t.origin.child(["options", "provider"]) }
        : dOptions.provider !== undefined && defaults
          ? { raw: dOptions.provider, origin: defaults.origin.child(["options", "provider"]) }
          : undefined;
    const threshold =
      typeof v.threshold === "number"
        ? v.threshold
        : typeof d.threshold === "number"
          ? d.threshold
          : undefined;
    const metadata = {
      ...(isObject(d.metadata) ? d.metadata : {}),
      ...(isObject(v.metadata) ? v.metadata : {}),
    };
    const expand = !(options.disableVarExpansion ?? dOptions.disableVarExpansion);
    for (const combo of expand ? expandVars(vars) : [vars]) {
      out.push({
        ...(typeof v.description === "string" ? { description: v.description } : {}),
        vars: combo,
        asserts,
        metadata,
        ...(threshold !== undefined ? { threshold } : {}),
        ...(transform ? { transform } : {}),
        ...(grader ? { grader } : {}),
        origin: t.origin,
      });
    }
  });
  return out;
}

function reportKeys(t: RawTest, name: string, ctx: ImportContext): void {
  for (const key of Object.keys(t.value)) {
    if (TEST_KEYS.has(key)) continue;
    const why =
      key === "providers" || key === "prompts"
        ? "a per-test filter of providers or prompts: assay runs every case on every target (split the suite to keep it)"
        : key === "providerOutput"
          ? "a fixed output without a provider call: use a replay target for recorded outputs"
          : "no assay equivalent";
    ctx.note(t.origin.at([key]), `${name}.${key}`, why);
  }
  const options = t.value.options;
  if (isObject(options)) {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key))
        ctx.note(t.origin.at(["options", key]), `${name}.options.${key}`, "no assay equivalent");
    }
  }
}

function assertList(raw: unknown, origin: Origin | undefined, ctx: ImportContext): AssertionSource[] {
  if (raw === undefined || !origin) return [];
  if (!Array.isArray(raw)) {
    ctx.note(origin.at(), "assert", "not a list of assertions");
    return [];
  }
  return raw.map((a, i) => ({ raw: a, origin: origin.child([i]) }));
}

/** Vars with `file://` values read: text files as text, JSON/YAML files parsed; code is reported. */
function loadVars(
  raw: unknown,
  origin: Origin | undefined,
  baseDir: string,
  ctx: ImportContext,
): Record<string, unknown> {
  if (raw === undefined || !origin) return {};
  if (!isObject(raw)) {
    ctx.note(origin.at(), "vars", "not a map of variables (a vars file is not read)");
    return {};
  }
  const vars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    vars[key] = typeof value === "string" ? loadVarFile(value, origin.child([key]), baseDir, ctx) : value;
  }
  return vars;
}

const TEXT_VARS = new Set([
  ".txt",
  ".md",
  ".markdown",
  ".html",
  ".xml",
  ".csv",
  ".j2",
  ".njk",
  ".liquid",
  "",
]);

function loadVarFile(value: string, origin: Origin, baseDir: string, ctx: ImportContext): unknown {
  const ref = parseFileRef(value);
  if (!ref) return value;
  const [file] = expandFiles(ref.path, baseDir);
  const ext = extname(ref.path).toLowerCase();
  if (!file) {
    ctx.note(origin.at(), `var ${value}`, "no such file (the var keeps the reference)");
    return value;
  }
  if (ext === ".json" || ext === ".yaml" || ext === ".yml") return loadDocument(file, ctx.read(file)).value;
  if (TEXT_VARS.has(ext)) return readText(file, ctx.read(file));
  ctx.note(
    origin.at(),
    `var ${value}`,
    [".js", ".mjs", ".cjs", ".ts", ".py"].includes(ext)
      ? "vars computed by code are never run (the var keeps the reference)"
      : "binary files (images, PDFs…) are not loaded into vars (the var keeps the reference)",
  );
  return value;
}

/** promptfoo runs every combination of array vars: {a: [1, 2], b: x} → {a: 1, b: x}, {a: 2, b: x}. */
export function expandVars(vars: Record<string, unknown>): Array<Record<string, unknown>> {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, value] of Object.entries(vars)) {
    const values = Array.isArray(value) && value.length > 0 ? value : [value];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}
