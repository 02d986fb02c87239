import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { knownKeysAt } from "../util/zod-keys.ts";
import { InputError } from "./errors.ts";
import { checkMonitors } from "./monitors.ts";
import { type SuiteConfig, suiteSchema } from "./schema.ts";
import {
  expandVariants,
  type GeneratedTarget,
  VariantError,
  variantIssuePath,
  variantsSchema,
} from "./variants.ts";

export type FieldPath = ReadonlyArray<string | number>;

/** A validated suite plus what later stages need to report errors against the file. */
export interface LoadedSuite {
  config: SuiteConfig;
  /** absolute path of the suite file */
  file: string;
  /** directory of the suite file; relative paths resolve against it */
  baseDir: string;
  /** sha256 of the file's text */
  hash: string;
  /** an InputError pointing at a field of the suite file (line/column when known) */
  errorAt(path: FieldPath, message: string): InputError;
}

// Where suite files are found lives in find.ts (light: commands that only read load it alone).
import { findSuiteFile } from "./find.ts";

export { findSuiteFile, SUITE_FILE_NAMES } from "./find.ts";

export function formatFieldPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export async function loadSuite(arg?: string, cwd = process.cwd()): Promise<LoadedSuite> {
  const file = findSuiteFile(arg, cwd);
  const text = readFileSync(file, "utf8");
  const hash = createHash("sha256").update(text).digest("hex");
  const baseDir = dirname(file);
  if (/\.(ya?ml)$/i.test(file)) return loadYamlSuite(file, text, hash, baseDir);
  return loadModuleSuite(file, hash, baseDir);
}

function loadYamlSuite(file: string, text: string, hash: string, baseDir: string): LoadedSuite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    // prettyErrors: false leaves linePos unset; the offset is always there.
    const pos = lineCounter.linePos(err.pos[0]);
    throw new InputError(err.message.split("\n")[0], { file, line: pos.line, column: pos.col });
  }
  const errorAt = (path: FieldPath, message: string, at: ErrorAnchor = "value"): InputError => {
    // Walk up the path until a node exists: a missing key is reported at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : nodeAt(doc.contents, path.slice(0, depth), at);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return new InputError(message, {
          file,
          line: pos.line,
          column: pos.col,
          field: formatFieldPath(path),
        });
      }
    }
    return new InputError(message, { file, field: formatFieldPath(path) });
  };
  const raw = doc.toJS() ?? {};
  const config = validate(raw, errorAt);
  checkUniqueTargetIds(config, errorAt);
  checkMonitors(config, errorAt);
  checkEscalationDimension(config, errorAt);
  return { config, file, baseDir, hash, errorAt };
}

async function loadModuleSuite(file: string, hash: string, baseDir: string): Promise<LoadedSuite> {
  const { importModule } = await import("../util/import-module.ts");
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (err) {
    throw new InputError(`cannot load suite module: ${(err as Error).message}`, { file });
  }
  const errorAt = (path: FieldPath, message: string) =>
    new InputError(message, { file, field: formatFieldPath(path) });
  let raw = mod.default;
  // A .ts file outside an ESM package is compiled as CommonJS: `default` is then module.exports
  // (marked __esModule) and the suite is its own `default`.
  if (raw !== null && typeof raw === "object" && (raw as { __esModule?: unknown }).__esModule === true) {
    raw = (raw as Record<string, unknown>).default;
  }
  if (raw === undefined)
    throw new InputError("the suite module has no default export (use defineSuite)", { file });
  const config = validate(raw, errorAt);
  checkUniqueTargetIds(config, errorAt);
  checkMonitors(config, errorAt);
  checkEscalationDimension(config, errorAt);
  return { config, file, baseDir, hash, errorAt };
}

/**
 * A generated id that repeats a written target's or another block's is reported at the block that
 * generated it: the generated target has no line of its own.
 */
function checkGeneratedIds(written: unknown[], generated: GeneratedTarget[], errorAt: ErrorAt): void {
  const seen = new Map<string, string>();
  written.forEach((t, i) => {
    const id = (t as { id?: unknown } | null)?.id;
    if (typeof id === "string") seen.set(id, formatFieldPath(["targets", i]));
  });
  for (const g of generated) {
    const id = g.target.id as string;
    const first = seen.get(id);
    if (first !== undefined)
      throw errorAt([...g.blockPath, "id"], `duplicate target id "${id}" (also ${first})`);
    seen.set(id, formatFieldPath(g.blockPath));
  }
}

/**
 * `escalation.dimension` judges correctness by one dimension: a name that is no dimension would
 * leave every result without a verdict and the calibration silently empty, so it is an error here.
 */
function checkEscalationDimension(config: SuiteConfig, errorAt: ErrorAt): void {
  const name = config.escalation?.dimension;
  if (name === undefined) return;
  const names = Object.keys(config.dimensions);
  if (names.includes(name)) return;
  throw errorAt(
    ["escalation", "dimension"],
    `no dimension "${name}" (dimensions: ${names.join(", ")})${didYouMeanSuffix(name, names)}`,
  );
}

/**
 * Target ids name runs, baselines and `--target`: two targets with one id would be run as one and
 * compared with each other's history. The second is an error naming both places (its line, and
 * the first's as `file:line`), worded as a duplicate case id in a dataset.
 */
function checkUniqueTargetIds(config: SuiteConfig, errorAt: ErrorAt): void {
  const firstIndex = new Map<string, number>();
  config.targets.forEach((target, i) => {
    const first = firstIndex.get(target.id);
    if (first === undefined) {
      firstIndex.set(target.id, i);
      return;
    }
    const at = errorAt(["targets", first, "id"], "");
    const where = at.line !== undefined ? `${at.file}:${at.line}` : `targets[${first}]`;
    throw errorAt(["targets", i, "id"], `duplicate target id "${target.id}" (first at ${where})`);
  });
}

/**
 * The node at `path`: the value, or the key when asked for (an unknown field) or when the key has
 * no value of its own (`dimension:` with nothing after it is still on its line).
 */
function nodeAt(root: unknown, path: FieldPath, at: ErrorAnchor): unknown {
  let node = root;
  for (const [i, step] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === step);
      if (!pair) return undefined;
      const last = i === path.length - 1;
      node = !(last && at === "key") && isNode(pair.value) && pair.value.range ? pair.value : pair.key;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
    } else {
      return undefined;
    }
  }
  return node;
}

type ErrorAnchor = "value" | "key";
type ErrorAt = (path: FieldPath, message: string, at?: ErrorAnchor) => InputError;

/**
 * An unknown field is reported at its own key, not at the object holding it, with the known key
 * it was probably meant to be (`dimension` → "did you mean "dimensions"?").
 */
function issueError(issue: z.core.$ZodIssue, errorAt: ErrorAt): InputError {
  const message = describeIssue(issue);
  if (issue.code === "unrecognized_keys") {
    const near = didYouMeanSuffix(issue.keys[0], knownKeysAt(suiteSchema, issue.path));
    return errorAt([...(issue.path as FieldPath), issue.keys[0]], `${message}${near}`, "key");
  }
  return errorAt(issue.path as FieldPath, message);
}

function validate(raw: unknown, errorAt: ErrorAt): SuiteConfig {
  const { suite, generated, firstGenerated } = withVariants(raw, errorAt);
  // reportInput: the messages say what was found ("expected number, got string").
  const result = suiteSchema.safeParse(suite, { reportInput: true });
  if (result.success) return result.data;
  throw pickError(
    result.error.issues.map((issue) => {
      // A generated target's problem is reported at the variants block that made it.
      const [head, index, ...rest] = issue.path;
      if (head === "targets" && typeof index === "number" && index >= firstGenerated) {
        const path = variantIssuePath(generated[index - firstGenerated], rest);
        return {
          issue,
          error: errorAt(path, `${describeIssue(issue)} (in generated target ${index - firstGenerated + 1})`),
        };
      }
      return { issue, error: issueError(issue, errorAt) };
    }),
  );
}

/**
 * `variants:` expanded into provider targets appended to `targets` (issue 13), before the suite is
 * validated, so generated targets are checked exactly as written ones and every later stage sees
 * ordinary targets.
 */
function withVariants(
  raw: unknown,
  errorAt: ErrorAt,
): { suite: unknown; generated: GeneratedTarget[]; firstGenerated: number } {
  const none = { suite: raw, generated: [], firstGenerated: Number.POSITIVE_INFINITY };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return none;
  const obj = raw as Record<string, unknown>;
  if (obj.variants === undefined) return none;
  const parsed = variantsSchema.safeParse(obj.variants, { reportInput: true });
  if (!parsed.success) {
    const prefixed = parsed.error.issues.map((i) => ({ ...i, path: ["variants", ...i.path] }) as typeof i);
    throw pickError(prefixed.map((issue) => ({ issue, error: issueError(issue, errorAt) })));
  }
  let generated: GeneratedTarget[];
  try {
    generated = expandVariants(parsed.data);
  } catch (err) {
    if (err instanceof VariantError) throw errorAt(err.path, err.message);
    throw err;
  }
  if (obj.targets !== undefined && !Array.isArray(obj.targets)) return none;
  const written = (obj.targets as unknown[] | undefined) ?? [];
  checkGeneratedIds(written, generated, errorAt);
  return {
    suite: { ...obj, targets: [...written, ...generated.map((g) => g.target)] },
    generated,
    firstGenerated: written.length,
  };
}

/**
 * The first issue in document order is the one a person fixes first, except that an unknown field
 * (a typo: `dimension:`, `exce:`) comes before the issues it causes: a missing field, reported at
 * its parent, or a target with no kind. Missing fields have no line of their own, so they come last.
 */
function pickError(found: Array<{ issue: z.core.$ZodIssue; error: InputError }>): InputError {
  const missing = (i: z.core.$ZodIssue) =>
    (i.code === "invalid_type" || i.code === "invalid_union") && i.input === undefined;
  const kind = (i: z.core.$ZodIssue) => (i.code === "unrecognized_keys" ? 0 : missing(i) ? 2 : 1);
  const rank = ({ issue, error }: { issue: z.core.$ZodIssue; error: InputError }) =>
    [kind(issue), error.line ?? Number.POSITIVE_INFINITY, error.column ?? 0] as const;
  const sorted = [...found].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
  return sorted[0].error;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type") {
    return issue.input === undefined
      ? `required (expected ${issue.expected})`
      : `expected ${issue.expected}, got ${typeName(issue.input)}`;
  }
  if (issue.code === "invalid_union") {
    // e.g. `dataset`: a string or a list of strings
    const expected = issue.errors
      .flat()
      .flatMap((i) => (i.code === "invalid_type" && i.path.length === 0 ? [i.expected] : []));
    if (expected.length === issue.errors.length) {
      const options = expected.join(" or ");
      return issue.input === undefined
        ? `required (expected ${options})`
        : `expected ${options}, got ${typeName(issue.input)}`;
    }
    if (issue.input === undefined) return "required";
  }
  return issue.message;
}
