import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gateSchema } from "../../src/compare/gate-config.ts";
import { optionNames } from "../../src/evaluators/option-schema.ts";
import { builtinEvaluators } from "../../src/evaluators/registry.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";

type Node = Record<string, unknown>;

const SUBSCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SUBSCHEMAS = ["items", "additionalProperties", "then", "else", "not"];

/**
 * Paths of the properties without a `description`, anywhere in a JSON Schema. An `if` is a
 * condition on keys declared elsewhere, not a declaration, so it is not walked.
 */
function undescribed(node: unknown, path = "$"): string[] {
  if (node === null || typeof node !== "object") return [];
  const n = node as Node;
  const out: string[] = [];
  for (const [key, prop] of Object.entries((n.properties ?? {}) as Record<string, Node>)) {
    if (typeof prop.description !== "string" || prop.description.trim() === "") out.push(`${path}.${key}`);
    out.push(...undescribed(prop, `${path}.${key}`));
  }
  for (const key of SUBSCHEMAS) out.push(...undescribed(n[key], `${path}/${key}`));
  for (const key of SUBSCHEMA_LISTS) {
    const list = n[key];
    if (!Array.isArray(list)) continue;
    for (const [i, s] of list.entries()) out.push(...undescribed(s, `${path}/${key}[${i}]`));
  }
  for (const [name, def] of Object.entries((n.$defs ?? {}) as Record<string, Node>)) {
    out.push(...undescribed(def, `${path}/$defs/${name}`));
  }
  return out;
}

describe("assay schema", () => {
  let schema: Node;
  beforeAll(async () => {
    const res = await runCli(["schema"]);
    expect(res.code, res.stderr).toBe(0);
    schema = JSON.parse(res.stdout) as Node;
  });

  const props = () => schema.properties as Record<string, Node>;
  const dimension = () => (props().dimensions as Node).additionalProperties as Node;

  it("the walk finds a property without a description, however deep", () => {
    const bad = {
      properties: {
        a: { type: "string", description: "A" },
        b: { type: "array", description: "B", items: { anyOf: [{ properties: { c: { type: "number" } } }] } },
      },
    };
    expect(undescribed(bad)).toEqual(["$.b/items/anyOf[0].c"]);
  });

  it("prints JSON Schema with a description on every key", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(undescribed(schema)).toEqual([]);
  });

  it("has every evaluator's with: options, chosen by the dimension's evaluator", () => {
    const kinds = [...builtinEvaluators.keys()].sort();
    expect((dimension().properties as Record<string, Node>).evaluator.enum).toEqual(kinds);
    const branches = dimension().allOf as Array<{ if: Node; then: Node }>;
    const byKind = new Map(
      branches.map((b) => [
        ((b.if.properties as Record<string, Node>).evaluator as Node).const as string,
        (b.then.properties as Record<string, Node>).with,
      ]),
    );
    expect([...byKind.keys()].sort()).toEqual(kinds);
    for (const [kind, factory] of builtinEvaluators) {
      const withSchema = byKind.get(kind) as Node;
      expect(Object.keys((withSchema.properties ?? {}) as Node), kind).toEqual(optionNames(factory.options));
      expect(withSchema.additionalProperties, kind).toBe(false);
    }
    const jsonValid = byKind.get("json-valid") as { properties: { type: Node } };
    expect(jsonValid.properties.type.enum).toEqual(["any", "object", "array"]);
  });

  it("has the gate: keys, with their enums", () => {
    const gate = props().gate as { properties: Record<string, Node>; additionalProperties: unknown };
    expect(Object.keys(gate.properties)).toEqual(Object.keys(gateSchema.shape));
    expect(gate.additionalProperties).toBe(false);
    expect(gate.properties.floorOn.enum).toEqual(["mean", "lower"]);
  });

  it("accepts the demo suite and catches what a loaded suite would refuse", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const demo = parse(readFileSync(join(REPO_ROOT, "examples/task-api/assay.yaml"), "utf8")) as Node;
    expect(validate(demo), JSON.stringify(validate.errors)).toBe(true);

    const dims = demo.dimensions as Record<string, Node>;
    const typo = {
      ...demo,
      dimensions: { ...dims, action_recognition: { evaluator: "json-field", with: { feild: "action" } } },
    };
    expect(validate(typo)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("feild");

    const badEnum = {
      ...demo,
      dimensions: { ...dims, x: { evaluator: "json-valid", with: { type: "string" } } },
    };
    expect(validate(badEnum)).toBe(false);
    const badGate = { ...demo, gate: { ...(demo.gate as Node), maxRegresion: 0.02 } };
    expect(validate(badGate)).toBe(false);
    const badKind = { ...demo, dimensions: { ...dims, x: { evaluator: "json-feild" } } };
    expect(validate(badKind)).toBe(false);
  });
});
