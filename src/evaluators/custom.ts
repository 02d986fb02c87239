import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { importModule } from "../util/import-module.ts";
import { isPlainObject, makeEvaluator, scored, show, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { type EvaluationInput, EvaluatorConfigError, type EvaluatorFactory, type Score } from "./types.ts";

/**
 * `custom`: a user's scoring function from `module` (a .ts/.mts/.cts file, loaded with tsx without
 * a build step, or .js/.mjs/.cjs, loaded by Node as is), relative to the suite's directory.
 * `export` names the export (default `default`). The function is called as
 * `fn(input, options)` — `input` is the EvaluationInput, `options` is `with.options` — and returns
 * a number in [0, 1], a boolean (true = 1), or a Score `{score, reason, details?}`, possibly as a
 * promise. A number outside [0, 1] or anything else makes the case unscored with the reason; a
 * throw does too (the engine's `evaluator-error`), and so does taking longer than the dimension's
 * `evaluatorTimeoutMs` (`evaluator-timeout`).
 *
 * The version is `1-<hash>`, the hash being of the module file's content: editing the file makes
 * a new evaluator version (modules it imports are not hashed).
 */

const KIND = "custom";
const BASE_VERSION = "1";

const OPTIONS = z.strictObject({
  module: z
    .string()
    .min(1)
    .describe(
      "the module with the scoring function, relative to the suite's folder: .ts/.mts/.cts (loaded " +
        "with tsx, no build step) or .js/.mjs/.cjs",
    ),
  export: z.string().min(1).default("default").describe("the name of the exported function"),
  options: z.unknown().optional().describe("passed to the function as its second argument, as is"),
  expected: z
    .unknown()
    .optional()
    .describe(
      "the reference value for every case, given to the function as `input.expected` in place of the case's",
    ),
});

/**
 * What a custom evaluator's function returns: a score in [0, 1], a boolean (true = 1), or a Score
 * `{score, reason?, details?}` where `score: null` means unscored (with `reason` saying why).
 * Anything else, a number outside [0, 1] included, leaves the case unscored with the reason.
 */
export type CustomEvaluatorResult =
  | number
  | boolean
  | { score: number | null; reason?: string; details?: Record<string, unknown> };

/**
 * The contract of a `custom` evaluator: the function a suite names with `with: {module, export}`.
 * `input` holds the case, the target's output (`text`, `json` when it parses, `trace`, usage…) and
 * the expected value (`with.expected`, else the case's); `options` is `with.options` as written.
 * It may be async; a throw, or taking longer than the dimension's `evaluatorTimeoutMs`, leaves
 * the case unscored (`evaluator-error`, `evaluator-timeout`).
 */
export type CustomEvaluatorFunction<Options = unknown> = (
  input: EvaluationInput,
  options: Options,
) => CustomEvaluatorResult | Promise<CustomEvaluatorResult>;

type CustomFn = (input: EvaluationInput, options?: unknown) => unknown;

function pickExport(mod: Record<string, unknown>, name: string): unknown {
  const v = mod[name];
  // A CommonJS-style module seen through interop can nest its default export one level deeper.
  if (name === "default" && isPlainObject(v) && typeof v.default === "function") return v.default;
  return v;
}

function toScore(value: unknown): Score {
  if (typeof value === "boolean") return scored(value ? 1 : 0, `custom evaluator returned ${value}`);
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0 || value > 1)
      return unscored(`custom evaluator returned ${value}, outside [0, 1]`);
    return scored(value, `custom evaluator returned ${value}`);
  }
  if (isPlainObject(value) && "score" in value) {
    const { score, reason, details } = value;
    const why = typeof reason === "string" && reason !== "" ? reason : undefined;
    const extra = isPlainObject(details) ? details : undefined;
    if (score === null) return unscored(why ?? "custom evaluator returned no score", extra);
    if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1) {
      return unscored(`custom evaluator returned score ${show(score)}, outside [0, 1]`, extra);
    }
    return scored(score, why ?? `custom evaluator returned ${score}`, extra);
  }
  return unscored(
    `custom evaluator returned ${show(value)}; expected a number, a boolean or {score, reason}`,
  );
}

export const customEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: BASE_VERSION,
  description: "a scoring function from a JS/TS module",
  options: OPTIONS,
  async create(options, ctx) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const modulePath = r.nonEmptyString("module");
    if (modulePath === undefined) r.fail("module", "is required");
    const exportName = r.nonEmptyString("export") ?? "default";
    const abs = isAbsolute(modulePath) ? modulePath : resolve(ctx.baseDir, modulePath);
    let source: Buffer;
    try {
      source = await readFile(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      r.fail(
        "module",
        `cannot read ${modulePath}${code === "ENOENT" ? ": no such file" : `: ${(err as Error).message}`}`,
      );
    }
    const hash = createHash("sha256").update(source).digest("hex").slice(0, 8);
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(abs, hash);
    } catch (err) {
      throw new EvaluatorConfigError(
        `${KIND}: cannot load ${modulePath}: ${(err as Error).message}`,
        "module",
      );
    }
    const fn = pickExport(mod, exportName);
    if (typeof fn !== "function") {
      const fns = Object.keys(mod).filter((k) => typeof mod[k] === "function");
      r.fail(
        "export",
        `${JSON.stringify(exportName)} is not a function exported by ${modulePath} (function exports: ${fns.join(", ") || "none"})`,
      );
    }
    const call = fn as CustomFn;
    const userOptions = r.get("options");
    const config = {
      module: modulePath,
      export: exportName,
      moduleHash: hash,
      options: userOptions,
      ...(r.has("expected") ? { expected: r.raw.expected } : {}),
    };
    // A throw propagates: the engine records it as unscored `evaluator-error` with the message
    // scrubbed of secrets, and a promise that never settles as `evaluator-timeout`.
    // The id covers the module by content (the version), not by where it lies.
    const { module: _where, ...identity } = config;
    return makeEvaluator(
      KIND,
      `${BASE_VERSION}-${hash}`,
      config,
      async (input) => toScore(await call(input, userOptions)),
      identity,
    );
  },
};
