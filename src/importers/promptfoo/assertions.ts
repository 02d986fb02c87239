import { extname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { isObject } from "./names.ts";
import { renderValue } from "./nunjucks.ts";
import { type LlmModel, mapModelId, mapProviderConfig } from "./providers.ts";
import {
  expandFiles,
  type ImportContext,
  loadDocument,
  type Origin,
  parseFileRef,
  readText,
  type Where,
  withoutSecrets,
} from "./source.ts";
import type { AssertionSource, ResolvedTest } from "./tests.ts";
import { parseTransform, type TransformStep } from "./transform.ts";

/**
 * One promptfoo assertion → one or more checks, each in one of four families that decide how it
 * is scored in assay:
 *
 * - `adapter`: promptfoo's deterministic string checks (contains…, equals, regex, is-json,
 *   levenshtein, latency, cost), with their `not-` forms and per-test values, scored by assay's
 *   built-in evaluators where they mean the same, else by the bundled module
 *   evaluators/promptfoo.mjs (dimensions.ts decides);
 * - `judge`: llm-rubric, g-eval, factuality (and model-graded-closedqa) → llm-judge;
 * - `metric`: rouge-n, bleu → assay's rouge-n and bleu, the reference read from the case;
 * - `js`: a `javascript` assertion that names a file → a custom evaluator adapting its signature.
 *
 * Everything else (inline JavaScript, Python, embeddings, classifiers…) is reported.
 */

export const ADAPTER_TYPES = [
  "equals",
  "contains",
  "icontains",
  "contains-any",
  "contains-all",
  "icontains-any",
  "icontains-all",
  "starts-with",
  "ends-with",
  "regex",
  "is-json",
  "contains-json",
  "levenshtein",
  "latency",
  "cost",
] as const;
export type AdapterType = (typeof ADAPTER_TYPES)[number];

interface CheckBase {
  /** the type as written, `not-` included */
  written: string;
  weight: number;
  metric?: string;
  where: Where;
}

export interface AdapterCheck extends CheckBase {
  family: "adapter";
  type: AdapterType;
  negate: boolean;
  value?: unknown;
  threshold?: number;
  /** is-json / contains-json: the JSON Schema, when one is given */
  schema?: unknown;
  transform?: TransformStep[];
}

export interface JudgeCheck extends CheckBase {
  family: "judge";
  kind: "llm-rubric" | "g-eval" | "factuality";
  negate: boolean;
  /** the criterion (llm-rubric, g-eval) or the reference answer (factuality) */
  text: string;
  threshold?: number;
  model: LlmModel;
}

export interface MetricCheck extends CheckBase {
  family: "metric";
  kind: "rouge-n" | "bleu";
  reference: string | string[];
  threshold: number;
}

export interface JsCheck extends CheckBase {
  family: "js";
  /** absolute path of the assertion module */
  file: string;
  export?: string;
  negate: boolean;
  threshold?: number;
  config?: unknown;
  transform?: TransformStep[];
}

export type Check = AdapterCheck | JudgeCheck | MetricCheck | JsCheck;

/** promptfoo's default grader for model-graded assertions. */
export const DEFAULT_GRADER: LlmModel = { provider: "openai:gpt-4.1-2025-04-14" };

const JUDGES: Record<string, JudgeCheck["kind"]> = {
  "llm-rubric": "llm-rubric",
  "model-graded-closedqa": "llm-rubric",
  "g-eval": "g-eval",
  factuality: "factuality",
  "model-graded-factuality": "factuality",
};

const ASSERTION_KEYS = new Set([
  "type",
  "value",
  "threshold",
  "weight",
  "metric",
  "transform",
  "provider",
  "config",
  "rubricPrompt",
]);

export interface AssertEnv {
  /** where `file://` values resolve (the config's folder, as promptfoo resolves them) */
  baseDir: string;
  ctx: ImportContext;
}

/** The checks of one test: its assertions (assert-sets flattened) in order. */
export function testChecks(test: ResolvedTest, env: AssertEnv): Check[] {
  const testTransform = test.transform
    ? transformSteps(test.transform.source, test.transform.where, env.ctx)
    : undefined;
  const grader = test.grader ? graderModel(test.grader.raw, test.grader.origin, env.ctx) : undefined;
  const checks: Check[] = [];
  for (const source of test.asserts) {
    checks.push(...toChecks(source, test, { testTransform, grader, weight: 1 }, env));
  }
  return checks;
}

interface Inherited {
  testTransform?: TransformStep[];
  grader?: LlmModel;
  /** an assert-set's weight share */
  weight: number;
  metric?: string;
}

function toChecks(
  source: AssertionSource,
  test: ResolvedTest,
  inherited: Inherited,
  env: AssertEnv,
): Check[] {
  const { ctx } = env;
  const a = source.raw;
  const where = source.origin.at();
  if (!isObject(a) || typeof a.type !== "string") {
    ctx.note(where, "assertion", "not an assertion with a type");
    return [];
  }
  const written = a.type;
  const weight = (typeof a.weight === "number" && a.weight >= 0 ? a.weight : 1) * inherited.weight;
  const metric = typeof a.metric === "string" && a.metric !== "" ? a.metric : inherited.metric;

  if (written === "assert-set") return assertSet(a, source, test, { ...inherited, weight, metric }, env);

  for (const key of Object.keys(a)) {
    if (!ASSERTION_KEYS.has(key))
      ctx.note(source.origin.at([key]), `${written}.${key}`, "no assay equivalent");
  }
  const negate = written.startsWith("not-");
  const type = negate ? written.slice(4) : written;
  const base = { written, weight, ...(metric ? { metric } : {}), where };
  const unsupported = (why: string): Check[] => {
    ctx.note(where, written, why);
    return [];
  };

  if (type === "javascript") return jsCheck(a, base, negate, source, inherited, env);
  if (type === "python" || type === "ruby") {
    return unsupported(
      `${type} assertions are code: they are never run; rewrite as a JavaScript file (custom evaluator)`,
    );
  }

  const adapter = (ADAPTER_TYPES as readonly string[]).includes(type);
  const judge = JUDGES[type];
  const metricType = type === "rouge-n" || type === "bleu";
  if (type === "similar") {
    return unsupported(
      "embedding similarity needs an embedding model, which assay does not call; rouge-l or an llm-judge rubric are the nearest evaluators",
    );
  }
  if (!adapter && !judge && !metricType)
    return unsupported(`promptfoo's ${type} assertion has no assay equivalent`);

  const value = assertionValue(a.value, test.vars, source.origin, env);
  if (value === INVALID) return [];
  const threshold = typeof a.threshold === "number" ? a.threshold : undefined;
  const transform = [
    ...(inherited.testTransform ?? []),
    ...(transformSteps(a.transform, source.origin.at(["transform"]), ctx) ?? []),
  ];
  if (adapter) return adapterCheck(type as AdapterType, value, threshold, negate, transform, base, ctx);
  if (transform.length > 0) {
    ctx.note(
      where,
      `${written} with a transform`,
      "assay scores this assertion on the output as the target returned it (the transform applies only to the string checks)",
    );
  }
  if (judge) {
    if (a.rubricPrompt !== undefined) {
      ctx.note(
        source.origin.at(["rubricPrompt"]),
        `${written}.rubricPrompt`,
        "assay's judge uses its own prompt, hardened against injection; the criterion is kept",
      );
    }
    if (judge === "factuality" && negate)
      return unsupported("a negated factuality check has no assay equivalent");
    const model =
      a.provider !== undefined ? graderModel(a.provider, source.origin.child(["provider"]), ctx) : undefined;
    const texts = Array.isArray(value) && judge === "g-eval" ? value : [value];
    if (!texts.every((t) => typeof t === "string" && t.trim() !== ""))
      return unsupported("needs a text value (the criterion or the reference)");
    // g-eval grades each criterion of a list on its own and averages them: one check per criterion
    return (texts as string[]).map((text) => ({
      family: "judge" as const,
      ...base,
      weight: weight / texts.length,
      kind: judge,
      negate,
      text,
      ...(threshold !== undefined ? { threshold } : {}),
      model: model ?? inherited.grader ?? DEFAULT_GRADER,
    }));
  }
  if (metricType) {
    if (negate) return unsupported(`a negated ${type} has no assay equivalent`);
    const ok =
      typeof value === "string" ||
      (type === "bleu" && Array.isArray(value) && value.every((v) => typeof v === "string"));
    if (!ok)
      return unsupported(
        `needs ${type === "bleu" ? "a reference text or a list of them" : "a reference text"}`,
      );
    return [
      {
        family: "metric",
        ...base,
        kind: type,
        reference: value as string | string[],
        threshold: threshold ?? (type === "rouge-n" ? 0.75 : 0.5),
      },
    ];
  }
  return unsupported(`promptfoo's ${type} assertion has no assay equivalent`);
}

function assertSet(
  a: Record<string, unknown>,
  source: AssertionSource,
  test: ResolvedTest,
  inherited: Inherited,
  env: AssertEnv,
): Check[] {
  const inner = Array.isArray(a.assert) ? a.assert : [];
  if (typeof a.threshold === "number") {
    env.ctx.note(
      source.origin.at(["threshold"]),
      "assert-set.threshold",
      `assay scores each assertion of the set on its own; a set that passes when ${a.threshold} of it passes has no equivalent`,
    );
  }
  const weights = inner.map((x) =>
    isObject(x) && typeof x.weight === "number" && x.weight >= 0 ? x.weight : 1,
  );
  const total = weights.reduce((s, w) => s + w, 0) || 1;
  return inner.flatMap((x, i) => {
    // the set's weight is shared among its assertions as promptfoo averages them inside the set
    const share = { ...inherited, weight: inherited.weight / total };
    const child = isObject(x) ? { ...x, weight: weights[i] } : x;
    return toChecks({ raw: child, origin: source.origin.child(["assert", i]) }, test, share, env);
  });
}

function adapterCheck(
  type: AdapterType,
  value: unknown,
  threshold: number | undefined,
  negate: boolean,
  transform: TransformStep[],
  base: CheckBase,
  ctx: ImportContext,
): Check[] {
  const fail = (why: string): Check[] => {
    ctx.note(base.where, base.written, why);
    return [];
  };
  // latency and cost do not read the text, so a transform does not concern them
  const reads = type !== "latency" && type !== "cost";
  const check: AdapterCheck = {
    family: "adapter",
    ...base,
    type,
    negate,
    ...(reads && transform.length > 0 ? { transform } : {}),
  };
  switch (type) {
    case "equals":
      if (value === undefined) return fail("needs a value");
      check.value = isObject(value) || Array.isArray(value) ? value : String(value);
      break;
    case "contains":
    case "icontains":
    case "starts-with":
    case "ends-with":
    case "regex":
    case "levenshtein":
      if (typeof value !== "string" && typeof value !== "number") return fail("needs a text value");
      if (String(value) === "") return fail("needs a non-empty value");
      check.value = String(value);
      if (type === "levenshtein") check.threshold = threshold ?? 5;
      break;
    case "contains-any":
    case "contains-all":
    case "icontains-any":
    case "icontains-all": {
      const list =
        typeof value === "string"
          ? splitCommaSeparated(value)
          : Array.isArray(value)
            ? value.map(String)
            : undefined;
      if (!list || list.length === 0) return fail("needs a list of values (or a comma-separated string)");
      check.value = list;
      break;
    }
    case "is-json":
    case "contains-json":
      if (value !== undefined && value !== null && value !== "") {
        const schema = typeof value === "string" ? safeYaml(value) : value;
        if (!isObject(schema) && typeof schema !== "boolean")
          return fail("the schema is not a JSON Schema object");
        check.schema = schema;
      }
      break;
    case "latency":
    case "cost":
      if (threshold === undefined) return fail("needs a threshold");
      check.threshold = threshold;
      break;
  }
  return [check];
}

function jsCheck(
  a: Record<string, unknown>,
  base: CheckBase,
  negate: boolean,
  source: AssertionSource,
  inherited: Inherited,
  env: AssertEnv,
): Check[] {
  const value = a.value;
  const ref = typeof value === "string" ? parseFileRef(value.trim()) : undefined;
  if (!ref) {
    env.ctx.note(
      base.where,
      base.written,
      "inline JavaScript is never evaluated; move it into a file (module.exports = (output, context) => …) and reference it with file://",
    );
    return [];
  }
  const file = isAbsolute(ref.path) ? ref.path : resolve(env.baseDir, ref.path);
  if (expandFiles(file, env.baseDir).length === 0) {
    env.ctx.note(base.where, `${base.written} ${value as string}`, "no such file");
    return [];
  }
  if (![".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"].includes(extname(file).toLowerCase())) {
    env.ctx.note(base.where, `${base.written} ${value as string}`, "not a JavaScript or TypeScript module");
    return [];
  }
  env.ctx.read(file);
  const transform = [
    ...(inherited.testTransform ?? []),
    ...(transformSteps(a.transform, source.origin.at(["transform"]), env.ctx) ?? []),
  ];
  return [
    {
      family: "js",
      ...base,
      file,
      ...(ref.suffix ? { export: ref.suffix } : {}),
      negate,
      ...(typeof a.threshold === "number" ? { threshold: a.threshold } : {}),
      ...(a.config !== undefined
        ? {
            config: isObject(a.config)
              ? withoutSecrets(a.config, source.origin.child(["config"]), env.ctx, base.written)
              : a.config,
          }
        : {}),
      ...(transform.length > 0 ? { transform } : {}),
    },
  ];
}

const INVALID = Symbol("invalid");

/**
 * An assertion's value as promptfoo checks it: templates rendered with the test's vars,
 * `file://` values read (text, or parsed JSON/YAML); a value computed by code is reported.
 */
function assertionValue(
  raw: unknown,
  vars: Record<string, unknown>,
  origin: Origin,
  env: AssertEnv,
): unknown {
  const { ctx } = env;
  const where = origin.at(["value"]);
  const render = (text: string): string => {
    const r = renderValue(text, vars);
    if (r.error)
      ctx.note(where, "value template", `cannot be rendered (${r.error}); the text is used as written`);
    return r.text;
  };
  if (typeof raw === "string") {
    const ref = parseFileRef(raw.trim());
    if (!ref) return render(raw);
    const [file] = expandFiles(ref.path, env.baseDir);
    if (!file) {
      ctx.note(where, `value ${raw}`, "no such file");
      return INVALID;
    }
    const ext = extname(file).toLowerCase();
    if ([".js", ".mjs", ".cjs", ".ts", ".py"].includes(ext)) {
      ctx.note(where, `value ${raw}`, "a value computed by code is never run");
      return INVALID;
    }
    const shown = ctx.read(file);
    return ext === ".json" || ext === ".yaml" || ext === ".yml"
      ? loadDocument(file, shown).value
      : render(readText(file, shown));
  }
  if (Array.isArray(raw)) return raw.map((v) => (typeof v === "string" ? render(v) : v));
  return raw;
}

/** A transform as steps, or undefined (reported) when it is not one of the simple forms. */
function transformSteps(raw: unknown, where: Where, ctx: ImportContext): TransformStep[] | undefined {
  if (raw === undefined) return undefined;
  const steps = typeof raw === "string" && !raw.startsWith("file://") ? parseTransform(raw) : undefined;
  if (!steps) {
    ctx.note(
      where,
      "transform",
      "only simple transforms are carried over (output.trim(), .toLowerCase(), .toUpperCase(), JSON.parse(output).field…); this one is code that is never run, so checks see the untransformed output",
    );
  }
  return steps;
}

/** A grader (`provider:` on an assertion or in options) as the judge's model. */
export function graderModel(raw: unknown, origin: Origin, ctx: ImportContext): LlmModel | undefined {
  let id: unknown = raw;
  let config: Record<string, unknown> = {};
  let at = origin;
  if (isObject(raw)) {
    // {id, config}, or {text: {id, config}, embedding: …}
    const inner = isObject(raw.text) ? raw.text : raw;
    if (inner !== raw) at = origin.child(["text"]);
    id = inner.id;
    config = isObject(inner.config) ? inner.config : {};
  }
  if (typeof id !== "string") {
    ctx.note(origin.at(), "grader provider", "not a provider id or {id, config}; the default grader is used");
    return undefined;
  }
  const mapped = mapModelId(id);
  if ("unsupported" in mapped) {
    ctx.note(
      origin.at(),
      `grader ${id}`,
      `${mapped.unsupported}; the default grader ${DEFAULT_GRADER.provider} is used`,
    );
    return undefined;
  }
  const { model, options } = mapProviderConfig(
    config,
    mapped.model,
    at.child(["config"]),
    ctx,
    `grader ${id}`,
  );
  if (Object.keys(options).length > 0) {
    ctx.note(
      at.at(["config"]),
      `grader ${id} config`,
      "sampling options of a grader are not carried over: assay's judge runs at temperature 0 (llm-judge `temperature`, `maxTokens`)",
    );
  }
  return model;
}

/** promptfoo's comma-separated lists: `a, b, "c, d"` → a, b, c, d. */
export function splitCommaSeparated(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((s) => s !== "");
}

function safeYaml(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return undefined;
  }
}
