import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { z } from "zod";
import { isPlainObject, makeEvaluator, outputJson, scored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { EvaluatorConfigError, type EvaluatorFactory } from "./types.ts";

/**
 * `json-schema`: 1 when the output is JSON valid against a JSON Schema, else 0 with ajv's errors
 * (instance path and message) in the reason and all of them in the details.
 *
 * `schema` is an inline schema object or the path of a `.json` file relative to the suite's
 * directory. The draft follows the schema's `$schema`: 2020-12 when absent, also 2019-09 and
 * draft-07 (draft-06 and draft-04 are not supported). Formats (date, email, uri…) come from
 * ajv-formats. A schema that does not compile is a configuration error carrying ajv's message.
 *
 * `strict` (default true) rejects unknown keywords, so a misspelt "requried" is an error rather
 * than a schema that accepts everything; set it to false for schemas with vendor keywords.
 * The config pins a hash of the schema, so editing the schema file changes the lineage.
 * `pattern` and `patternProperties` run on a linear-time engine (safe-regex.ts): an output cannot
 * make them backtrack, and a pattern with a backreference or lookahead does not compile.
 */

const KIND = "json-schema";
// 2: `pattern` and `patternProperties` run on a linear-time engine (RE2 syntax)
const VERSION = "2";
const MAX_ERRORS_IN_REASON = 3;

const OPTIONS = z.strictObject({
  schema: z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .describe(
      "the JSON Schema: an object, or the path of a .json file relative to the suite's folder. " +
        "Draft 2020-12 unless its $schema names 2019-09 or draft-07",
    ),
  strict: z
    .boolean()
    .default(true)
    .describe(
      "reject unknown keywords in the schema, so a misspelt `requried` is an error; false for " +
        "schemas with vendor keywords",
    ),
});

export type Draft = "2020-12" | "2019-09" | "draft-07";

function draftOf(schema: Record<string, unknown>): Draft | undefined {
  const id = schema.$schema;
  if (id === undefined) return "2020-12";
  if (typeof id !== "string") return undefined;
  const s = id.replace(/#$/, "").replace(/^https?:\/\//, "");
  if (s === "json-schema.org/draft/2020-12/schema") return "2020-12";
  if (s === "json-schema.org/draft/2019-09/schema") return "2019-09";
  if (s === "json-schema.org/draft-07/schema") return "draft-07";
  return undefined;
}

export function formatSchemaError(e: ErrorObject): string {
  const at = e.instancePath === "" ? "/" : e.instancePath;
  const p = e.params as Record<string, unknown>;
  let msg = e.message ?? e.keyword;
  if (e.keyword === "additionalProperties" && typeof p.additionalProperty === "string") {
    msg += ` ("${p.additionalProperty}")`;
  } else if (e.keyword === "enum" && Array.isArray(p.allowedValues)) {
    msg += `: ${p.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (e.keyword === "const" && "allowedValue" in p) {
    msg += ` ${JSON.stringify(p.allowedValue)}`;
  }
  return `${at} ${msg}`;
}

async function loadSchema(
  r: OptionReader,
  baseDir: string,
): Promise<{ schema: Record<string, unknown>; file?: string }> {
  const raw = r.required("schema");
  if (isPlainObject(raw)) return { schema: raw };
  if (typeof raw === "boolean")
    r.fail("schema", "must be a schema object or a file path (boolean schemas are not useful here)");
  if (typeof raw !== "string" || raw.trim() === "")
    r.fail("schema", "must be a schema object or the path of a .json file");
  const file = isAbsolute(raw) ? raw : resolve(baseDir, raw);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    r.fail(
      "schema",
      `cannot read ${raw}${code === "ENOENT" ? ": no such file" : `: ${(err as Error).message}`}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    r.fail("schema", `${raw} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) r.fail("schema", `${raw} must contain a JSON object`);
  return { schema: parsed, file: raw };
}

export const jsonSchemaEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description:
    "1 when the output is JSON valid against a JSON Schema (2020-12 by default, draft-07 supported)",
  options: OPTIONS,
  async create(options, ctx) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const strict = r.boolean("strict", true);
    const { schema, file } = await loadSchema(r, ctx.baseDir);
    const draft = draftOf(schema);
    if (!draft) {
      r.fail(
        "schema",
        `has an unsupported $schema ${JSON.stringify(schema.$schema)} (supported: 2020-12, 2019-09, draft-07)`,
      );
    }
    // ajv (and the linear-time regex engine it uses) loads only for suites that use this evaluator
    const { newAjv } = await import("./json-schema-ajv.ts");
    let validate: ValidateFunction;
    try {
      validate = newAjv(draft, strict).compile(schema);
    } catch (err) {
      throw new EvaluatorConfigError(
        `${KIND}: schema${file ? ` ${file}` : ""} does not compile: ${(err as Error).message}`,
        "schema",
      );
    }
    const schemaHash = createHash("sha256").update(JSON.stringify(schema)).digest("hex").slice(0, 16);
    const config = { schema: file ?? schema, draft, strict, schemaHash };
    const identity = { draft, strict, schemaHash };
    return makeEvaluator(
      KIND,
      VERSION,
      config,
      ({ output }) => {
        const parsed = outputJson(output);
        if (!parsed.ok) return scored(0, "output is not JSON");
        if (validate(parsed.value)) return scored(1, "output matches the schema");
        const errors = validate.errors ?? [];
        const shown = errors.slice(0, MAX_ERRORS_IN_REASON).map(formatSchemaError);
        const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : "";
        return scored(0, `output does not match the schema: ${shown.join("; ")}${more}`, {
          errors: errors.map((e) => ({
            instancePath: e.instancePath,
            keyword: e.keyword,
            message: e.message,
            params: e.params,
            schemaPath: e.schemaPath,
          })),
        });
      },
      identity,
    );
  },
};
