import { basename, dirname, extname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { SuiteInput } from "../../config/schema.ts";
import { compileSafeRegex } from "../../evaluators/safe-regex.ts";
import type { AdapterCheck, Check, JudgeCheck } from "./assertions.ts";
import { slug, unique } from "./names.ts";
import { RUBRICS, type RubricName } from "./rubrics.ts";
import { jsWrapper, RUNTIME_FILE, RUNTIME_MODULE } from "./runtime.ts";
import type { ImportContext } from "./source.ts";

/**
 * Checks → assay dimensions. A dimension is named after the assertions' `metric` when they have
 * one, else after their type (`contains`, `not-icontains`, `llm-rubric`…), and it scores a case
 * only when the case carries such an assertion: the per-case part of each check (the value to
 * look for, the rubric, the reference) goes into the case's `expected` under the dimension's
 * name, and the evaluator reads it from there — a case without it is "not applicable" for that
 * dimension (not counted, not a failure).
 *
 * - judge checks → llm-judge with `reference: true, field: <dimension>` and a rubric that tells
 *   the judge the reference block holds the criterion (factuality: the built-in rubric, the
 *   reference answer in the block). One judged assertion per case: a second one of the same kind
 *   in a test goes to `<name>_2`.
 * - metric checks → rouge-n / bleu with `field: <dimension>` (one per case, as above).
 * - js checks → a custom evaluator: a small wrapper module that calls the assertion file with
 *   promptfoo's `(output, context)` signature.
 * - adapter checks → when every case has the same single check and assay has a built-in with the
 *   same meaning (contains, regex on the linear-time engine, json-valid, json-schema, latency,
 *   cost, equals), that built-in with fixed options; when each case has at most one check of one
 *   type, contains or equals reading the case's value with `field`; otherwise the bundled
 *   promptfoo.mjs, which scores the list of checks the case carries (weighted share passing;
 *   threshold 1 = all pass).
 */

type DimensionInput = SuiteInput["dimensions"][string];

export interface BuiltDimensions {
  dimensions: Record<string, DimensionInput>;
  /** per case (same order as the input): dimension name → what the evaluator reads */
  expected: Array<Record<string, unknown>>;
  files: Record<string, string>;
}

export interface DimensionEnv {
  ctx: ImportContext;
  /** where the suite is written (relative imports from generated modules); absolute paths when unknown */
  outDir?: string;
}

interface Member {
  caseIndex: number;
  check: Check;
}

interface Dim {
  name: string;
  family: Check["family"];
  members: Member[];
}

export function buildDimensions(cases: Check[][], env: DimensionEnv): BuiltDimensions {
  const dims = groupChecks(cases);
  const out: BuiltDimensions = { dimensions: {}, expected: cases.map(() => ({})), files: {} };
  const state: BuildState = { out, usedRubrics: new Set(), wrappers: new Map(), wrapperStems: new Set() };
  for (const dim of dims) out.dimensions[dim.name] = dimensionFor(dim, cases.length, state, env);
  for (const r of state.usedRubrics) out.files[`rubrics/${r}.md`] = RUBRICS[r];
  return out;
}

function baseName(check: Check): string {
  if (check.metric) return slug(check.metric) || "metric";
  if (check.family === "metric") return check.kind;
  if (check.family === "js") {
    return (
      slug(`js-${basename(check.file, extname(check.file))}${check.export ? `-${check.export}` : ""}`) ||
      "javascript"
    );
  }
  return check.written;
}

function signature(check: Check): string {
  switch (check.family) {
    case "adapter":
      return "adapter";
    case "js":
      return `js|${check.file}|${check.export ?? "default"}`;
    case "metric":
      return `metric|${check.kind}|${check.threshold}`;
    case "judge":
      return `judge|${check.kind}|${check.negate}|${check.threshold ?? ""}|${JSON.stringify(check.model)}`;
  }
}

/**
 * Groups checks into dimensions: by name base and signature (checks scored the same way), and for
 * judges and metrics, which read one value per case, by the occurrence within the case.
 */
function groupChecks(cases: Check[][]): Dim[] {
  const taken = new Set<string>();
  const names = new Map<string, string>();
  const dims = new Map<string, Dim>();
  const order: Dim[] = [];
  cases.forEach((checks, caseIndex) => {
    const seen = new Map<string, number>();
    for (const check of checks) {
      const base = baseName(check);
      const key = `${base}\u0000${signature(check)}`;
      let name = names.get(key);
      if (!name) {
        name = unique(base, taken);
        names.set(key, name);
      }
      const listed = check.family === "adapter" || check.family === "js";
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const slotKey = listed || n === 1 ? key : `${key}\u0000${n}`;
      let dim = dims.get(slotKey);
      if (!dim) {
        const slotName = listed || n === 1 ? name : unique(`${name}_${n}`, taken);
        dim = { name: slotName, family: check.family, members: [] };
        dims.set(slotKey, dim);
        order.push(dim);
      }
      dim.members.push({ caseIndex, check });
    }
  });
  return order;
}

interface BuildState {
  out: BuiltDimensions;
  usedRubrics: Set<RubricName>;
  /** assertion file → its wrapper module */
  wrappers: Map<string, string>;
  wrapperStems: Set<string>;
}

function dimensionFor(dim: Dim, caseCount: number, state: BuildState, env: DimensionEnv): DimensionInput {
  const { out, usedRubrics, wrappers, wrapperStems } = state;
  // promptfoo weighs each assertion in a test's score: the dimension weighs what its assertions
  // weigh in a case (their sum), averaged over the cases it applies to
  const perCase = new Map<number, number>();
  for (const m of dim.members) perCase.set(m.caseIndex, (perCase.get(m.caseIndex) ?? 0) + m.check.weight);
  const weight = round([...perCase.values()].reduce((s, w) => s + w, 0) / perCase.size);
  const shared = { ...(weight !== 1 ? { weight } : {}) };
  const first = dim.members[0].check;
  // judges, metrics and built-ins reading `field` take one value per case; the modules, a list
  let single = dim.family === "judge" || dim.family === "metric";
  const put = (m: Member, value: unknown) => {
    const e = out.expected[m.caseIndex];
    if (single) e[dim.name] = value;
    else if (Array.isArray(e[dim.name])) (e[dim.name] as unknown[]).push(value);
    else e[dim.name] = [value];
  };

  if (dim.family === "judge") {
    const c = first as JudgeCheck;
    for (const m of dim.members) put(m, (m.check as JudgeCheck).text);
    const { rubric, threshold, scale } = judgeRubric(c);
    if (rubric !== "factuality") usedRubrics.add(rubric);
    return {
      evaluator: "llm-judge",
      description: `promptfoo ${c.written}${c.metric ? ` (metric ${c.metric})` : ""}: the case's ${c.kind === "factuality" ? "reference answer" : "criterion"} is expected.${dim.name}`,
      with: {
        model: c.model.provider,
        ...(c.model.baseUrl ? { baseUrl: c.model.baseUrl } : {}),
        ...(c.model.apiKeyEnv ? { apiKeyEnv: c.model.apiKeyEnv } : {}),
        rubric: rubric === "factuality" ? "factuality" : `rubrics/${rubric}.md`,
        ...(scale ? { scale } : {}),
        reference: true,
        field: dim.name,
      },
      ...(threshold !== undefined ? { threshold } : {}),
      ...shared,
    };
  }

  if (dim.family === "metric") {
    const c = first.family === "metric" ? first : undefined;
    for (const m of dim.members) if (m.check.family === "metric") put(m, m.check.reference);
    return {
      evaluator: c?.kind ?? "rouge-n",
      description: `promptfoo ${c?.written}: the case's reference text is expected.${dim.name}`,
      with: c?.kind === "bleu" ? { field: dim.name, lowercase: true } : { field: dim.name, n: 1 },
      threshold: c?.threshold ?? 0.75,
      ...shared,
    };
  }

  if (dim.family === "js") {
    const c = first.family === "js" ? first : undefined;
    if (!c) throw new Error("unreachable: a js dimension without a js check");
    for (const m of dim.members) {
      if (m.check.family !== "js") continue;
      const { negate, threshold, config, transform, weight: w } = m.check;
      put(
        m,
        compact({
          negate: negate || undefined,
          threshold,
          config,
          transform,
          weight: w !== 1 ? w : undefined,
        }),
      );
    }
    let module = wrappers.get(c.file);
    if (!module) {
      const ts = [".ts", ".mts", ".cts"].includes(extname(c.file).toLowerCase());
      const stem = unique(
        `evaluators/js-${slug(basename(c.file, extname(c.file))) || "assertion"}`,
        wrapperStems,
      );
      module = stem + (ts ? ".ts" : ".mjs");
      out.files[module] = jsWrapper(importSpecifier(c.file, module, env.outDir));
      wrappers.set(c.file, module);
    }
    out.files[RUNTIME_FILE] ??= RUNTIME_MODULE;
    return {
      evaluator: "custom",
      description: `promptfoo javascript assertion ${env.ctx.display(c.file)}${c.export ? `:${c.export}` : ""}`,
      with: { module, options: { dimension: dim.name, ...(c.export ? { export: c.export } : {}) } },
      threshold: 1,
      ...shared,
    };
  }

  // adapter checks
  const checks = dim.members.map((m) => m.check as AdapterCheck);
  const native = dim.members.length === caseCount && sameCheck(checks) ? nativeFor(checks[0]) : undefined;
  if (native) {
    return { ...native, description: `promptfoo ${checks[0].written} (the same in every test)`, ...shared };
  }
  const reading = nativePerCase(dim, checks);
  if (reading) {
    single = true;
    for (const m of dim.members) put(m, (m.check as AdapterCheck).value);
    return {
      ...reading,
      description: `promptfoo ${checks[0].written}: the case's value is expected.${dim.name}`,
      ...shared,
    };
  }
  for (const m of dim.members) {
    const c = m.check as AdapterCheck;
    if (c.schema !== undefined) {
      env.ctx.note(
        c.where,
        `${c.written} schema`,
        "the JSON Schema is checked only when every test has this same check (assay's json-schema evaluator takes one schema per dimension); here the output is only checked to be JSON",
      );
    }
    put(
      m,
      compact({
        type: c.type,
        negate: c.negate || undefined,
        value: c.value,
        threshold: c.threshold,
        transform: c.transform,
        weight: c.weight !== 1 ? c.weight : undefined,
      }),
    );
  }
  out.files[RUNTIME_FILE] ??= RUNTIME_MODULE;
  return {
    evaluator: "custom",
    description: `promptfoo ${[...new Set(checks.map((c) => c.written))].join(", ")} assertions (evaluators/promptfoo.mjs; the case's values are expected.${dim.name})`,
    with: { module: RUNTIME_FILE, export: "assertions", options: { dimension: dim.name } },
    threshold: 1,
    ...shared,
  };
}

function judgeRubric(c: JudgeCheck): {
  rubric: RubricName | "factuality";
  threshold?: number;
  scale?: string;
} {
  if (c.kind === "factuality") return { rubric: "factuality", threshold: 0.5 };
  const scored = c.kind === "g-eval" || c.threshold !== undefined;
  if (!scored)
    return { rubric: c.negate ? "promptfoo-criterion-not" : "promptfoo-criterion", scale: "binary" };
  const t = c.threshold ?? 0.7;
  return c.negate
    ? { rubric: "promptfoo-criterion-scored-not", threshold: round(1 - t) }
    : { rubric: "promptfoo-criterion-scored", threshold: t };
}

function sameCheck(checks: AdapterCheck[]): boolean {
  const key = (c: AdapterCheck) =>
    JSON.stringify([c.type, c.negate, c.value, c.threshold, c.schema, c.transform ?? null]);
  const k0 = key(checks[0]);
  return checks.every((c) => key(c) === k0);
}

/** A built-in evaluator with fixed options that means what the check means, when there is one. */
function nativeFor(c: AdapterCheck): Pick<DimensionInput, "evaluator" | "with"> | undefined {
  if (c.transform && c.transform.length > 0) return undefined;
  const v = c.value;
  if (c.type === "regex")
    return safePattern(v as string)
      ? { evaluator: "regex", with: { pattern: v as string, ...(c.negate ? { expected: false } : {}) } }
      : undefined;
  if (c.negate) return undefined;
  switch (c.type) {
    case "equals":
      return typeof v === "string"
        ? { evaluator: "equals", with: { expected: v, trim: false } }
        : { evaluator: "equals", with: { expected: v } };
    case "contains":
    case "icontains":
      return {
        evaluator: "contains",
        with: { value: v as string, ...(c.type === "icontains" ? { caseInsensitive: true } : {}) },
      };
    case "contains-any":
    case "contains-all":
    case "icontains-any":
    case "icontains-all":
      return {
        evaluator: "contains",
        with: {
          values: v as string[],
          mode: c.type.endsWith("all") ? "all" : "any",
          ...(c.type.startsWith("i") ? { caseInsensitive: true } : {}),
        },
      };
    case "starts-with": {
      const pattern = `^${escapeRegex(v as string)}`;
      return safePattern(pattern) ? { evaluator: "regex", with: { pattern } } : undefined;
    }
    case "is-json":
      return c.schema === undefined
        ? { evaluator: "json-valid", with: {} }
        : { evaluator: "json-schema", with: { schema: c.schema as object, strict: false } };
    case "latency":
      return { evaluator: "latency", with: { maxMs: c.threshold as number } };
    case "cost":
      return { evaluator: "cost", with: { maxUsd: c.threshold as number } };
    default:
      return undefined;
  }
}

/**
 * A built-in evaluator reading each case's value with `field`, when the dimension holds at most
 * one check per case, all of one type, without a transform: contains (`caseInsensitive`, `mode`,
 * `position` for starts-with / ends-with) and equals (exact, `negate` for not-equals).
 */
function nativePerCase(
  dim: Dim,
  checks: AdapterCheck[],
): Pick<DimensionInput, "evaluator" | "with"> | undefined {
  const c = checks[0];
  const cases = new Set(dim.members.map((m) => m.caseIndex));
  const uniform = checks.every((x) => x.type === c.type && x.negate === c.negate && !x.transform);
  if (!uniform || cases.size !== dim.members.length) return undefined;
  const field = dim.name;
  if (c.type === "equals")
    return { evaluator: "equals", with: { field, trim: false, ...(c.negate ? { negate: true } : {}) } };
  if (c.negate) return undefined;
  const caseInsensitive = c.type.startsWith("i") ? { caseInsensitive: true } : {};
  switch (c.type) {
    case "contains":
    case "icontains":
      return { evaluator: "contains", with: { field, ...caseInsensitive } };
    case "contains-any":
    case "contains-all":
    case "icontains-any":
    case "icontains-all":
      return {
        evaluator: "contains",
        with: { field, mode: c.type.endsWith("all") ? "all" : "any", ...caseInsensitive },
      };
    case "starts-with":
    case "ends-with":
      return { evaluator: "contains", with: { field, position: c.type === "starts-with" ? "start" : "end" } };
    default:
      return undefined;
  }
}

function safePattern(pattern: string): boolean {
  try {
    compileSafeRegex(pattern, "");
    return true;
  } catch {
    return false;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** How a generated module imports a source file: relative to where it is written when known. */
export function importSpecifier(file: string, module: string, outDir: string | undefined): string {
  if (!outDir) return pathToFileURL(file).href;
  let rel = relative(dirname(join(outDir, module)), file)
    .split("\\")
    .join("/");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  return rel;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
