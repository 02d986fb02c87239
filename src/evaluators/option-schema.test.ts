import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkOptions, optionNames } from "./option-schema.ts";
import { builtinEvaluators, createEvaluator } from "./registry.ts";
import { configError } from "./test-support.ts";
import { EvaluatorConfigError } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "assay-options-"));
writeFileSync(join(dir, "score.mjs"), "export default () => 1;\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Options that build each kind (the judge builds without calling its model). */
const MINIMAL: Record<string, Record<string, unknown>> = {
  bleu: {},
  contains: { value: "x" },
  cost: { maxUsd: 0.01 },
  custom: { module: "score.mjs" },
  equals: {},
  "json-field": { field: "action" },
  "json-fields": { fields: ["a"] },
  "json-schema": { schema: { type: "object" } },
  "json-valid": {},
  latency: { maxMs: 100 },
  length: { max: 10 },
  levenshtein: {},
  "llm-judge": { model: "openai:gpt-4o-mini", rubric: "relevance" },
  regex: { pattern: "x" },
  "rouge-l": {},
  "rouge-n": {},
  "token-f1": {},
  "tool-calls": {},
  "tool-error-ack": {},
  "tool-loops": {},
  "trace-steps": { maxSteps: 4 },
};

const build = (kind: string, options: Record<string, unknown>) =>
  createEvaluator(kind, options, { baseDir: dir, llm: { cacheMode: "off", env: {} } });

/** The EvaluatorConfigError building throws; fails when it builds. */
async function buildError(kind: string, options: Record<string, unknown>): Promise<EvaluatorConfigError> {
  const err = await build(kind, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${kind} ${JSON.stringify(options)}`).toBeInstanceOf(EvaluatorConfigError);
  return err as EvaluatorConfigError;
}

describe("evaluator options, declared once as a zod schema", () => {
  it("every built-in kind declares its options, each with a description", () => {
    expect(Object.keys(MINIMAL).sort()).toEqual([...builtinEvaluators.keys()].sort());
    for (const [kind, factory] of builtinEvaluators) {
      const json = z.toJSONSchema(factory.options, { io: "input", unrepresentable: "any" }) as {
        properties?: Record<string, { description?: string }>;
      };
      const names = optionNames(factory.options);
      expect(Object.keys(json.properties ?? {}), kind).toEqual(names);
      for (const name of names) expect(json.properties?.[name].description, `${kind}.${name}`).toBeTruthy();
    }
  });

  it("the defaults the schemas document are the ones the evaluators apply", async () => {
    let checked = 0;
    for (const [kind, factory] of builtinEvaluators) {
      const json = z.toJSONSchema(factory.options, { io: "input", unrepresentable: "any" }) as {
        properties?: Record<string, { default?: unknown }>;
      };
      const base = (await build(kind, MINIMAL[kind])).id;
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        if (prop.default === undefined) continue;
        const explicit = await build(kind, { ...MINIMAL[kind], [name]: prop.default });
        expect(explicit.id, `${kind}.${name} = ${JSON.stringify(prop.default)}`).toBe(base);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("an unknown option names itself and the option it was probably meant to be", async () => {
    const near = await configError("json-field", { field: "action", feild: "x" });
    expect(near.field).toBe("feild");
    expect(near.message).toBe(
      'json-field: unknown option "feild" (did you mean "field"?) (known options: field, expected, coerce, caseInsensitive, trim)',
    );
    const far = await configError("json-valid", { colour: "red" });
    expect(far.message).toBe('json-valid: unknown option "colour" (known options: type)');
  });

  it("an unknown kind suggests the near one", async () => {
    const err = await buildError("json-feild", {});
    expect(err.message).toMatch(/^unknown evaluator "json-feild" \(did you mean "json-field"\?\) \(known: /);
    const far = await buildError("sentiment", {});
    expect(far.message).not.toContain("did you mean");
  });

  it("wrong types, values and ranges name the option path", async () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ["json-field", { field: 3 }, "field", 'json-field: "field" must be a string, got 3'],
      ["equals", { trim: "yes" }, "trim", 'equals: "trim" must be true or false, got "yes"'],
      [
        "json-valid",
        { type: "string" },
        "type",
        'json-valid: "type" must be one of "any", "object", "array", got "string"',
      ],
      ["rouge-n", { n: 1.5 }, "n", 'rouge-n: "n" must be an integer, got 1.5'],
      ["bleu", { weights: [0.5, -1] }, "weights.1", 'bleu: "weights.1" must be at least 0, got -1'],
      [
        "json-fields",
        { fields: [{ name: "a", weight: -1 }] },
        "fields.0.weight",
        "must be at least 0, got -1",
      ],
      ["json-fields", { fields: [{ name: "a", wieght: 2 }] }, "fields.0.wieght", '(did you mean "weight"?)'],
      [
        "tool-calls",
        { expected: [{ name: "search", args: {} }] },
        "expected.0.args",
        "is not a tool call member",
      ],
      ["tool-calls", { expected: [3] }, "expected.0", "must be a string or an object, got 3"],
      [
        "llm-judge",
        { model: "openai:m", rubric: "relevance", samples: 0 },
        "samples",
        "must be at least 1, got 0",
      ],
    ];
    for (const [kind, options, field, message] of cases) {
      const err = await buildError(kind, options);
      expect(err.field, kind).toBe(field);
      expect(err.message, kind).toContain(message);
    }
  });

  it("the schema is checked before the evaluator runs: nothing is read for bad options", async () => {
    // a module that does not exist would be "cannot read"; the type error comes first
    const err = await configError("custom", { module: "missing.mjs", export: 7 }, dir);
    expect(err).toEqual({ field: "export", message: 'custom: "export" must be a string, got 7' });
  });

  it("checkOptions accepts what the schema allows and refuses a non-object", () => {
    const schema = z.strictObject({ n: z.number().describe("n") });
    expect(() => checkOptions("k", schema, { n: 1 })).not.toThrow();
    expect(() => checkOptions("k", schema, [])).toThrow("k: options must be an object, got a list");
  });
});
