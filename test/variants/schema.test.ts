import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { suiteJsonSchema } from "../../src/config/json-schema.ts";
import { loadSuite } from "../../src/config/load.ts";
import { defineSuite, type SuiteDefinition } from "../../src/config/schema.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * A suite whose targets all come from `variants:` needs no `targets:` (issue 13): the generated
 * JSON Schema, `defineSuite`'s types and the loader agree on it, and still require one of the two.
 */

const variantsOnly = {
  suite: "matrix",
  dataset: "cases.jsonl",
  variants: { id: "v", model: ["openai:a", "openai:b"], temperature: [0, 0.7] },
  dimensions: { exact: { evaluator: "equals" } },
};

describe("a suite with variants and no targets", () => {
  const tmp = tempDir("assay-variants-schema-");
  afterAll(() => tmp.remove());
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(suiteJsonSchema());

  it("is valid in the JSON Schema; one with neither targets nor variants is not", () => {
    expect(validate(variantsOnly), JSON.stringify(validate.errors)).toBe(true);
    const { variants: _, ...neither } = variantsOnly;
    expect(validate(neither)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("targets");
    expect(validate({ ...neither, targets: [{ id: "t", module: "t.mjs" }] })).toBe(true);
  });

  it("type-checks in defineSuite, and so does a suite with targets; neither does not", () => {
    const a: SuiteDefinition = defineSuite({
      suite: "matrix",
      dataset: "cases.jsonl",
      variants: [{ id: "v", model: ["openai:a"], prompt: ["a.md", "b.md"] }],
      dimensions: { exact: { evaluator: "equals" } },
    });
    const b = defineSuite({
      suite: "plain",
      dataset: "cases.jsonl",
      targets: [{ id: "t", module: "t.mjs" }],
      dimensions: { exact: { evaluator: "equals" } },
    });
    // @ts-expect-error: a suite needs targets or variants
    const c = defineSuite({
      suite: "none",
      dataset: "cases.jsonl",
      dimensions: { x: { evaluator: "equals" } },
    });
    expect([a, b, c].map((s) => s.suite)).toEqual(["matrix", "plain", "none"]);
  });

  it("loads, from YAML and from assay.config.ts", async () => {
    tmp.write("cases.jsonl", jsonl([{ id: "a", input: "x" }]));
    tmp.write(
      "assay.yaml",
      [
        "suite: matrix",
        "dataset: cases.jsonl",
        "variants: { id: v, model: [openai:a, openai:b], temperature: [0, 0.7] }",
        "dimensions:",
        "  exact: { evaluator: equals }",
      ].join("\n"),
    );
    const yaml = await loadSuite(tmp.path("assay.yaml"));
    expect(yaml.config.targets.map((t) => t.id)).toEqual([
      "v.model-openai-a.temperature-0",
      "v.model-openai-a.temperature-0.7",
      "v.model-openai-b.temperature-0",
      "v.model-openai-b.temperature-0.7",
    ]);
    const schemaUrl = new URL("../../src/config/schema.ts", import.meta.url).href;
    tmp.write(
      "assay.config.ts",
      `import { defineSuite } from ${JSON.stringify(schemaUrl)};\nexport default defineSuite(${JSON.stringify(variantsOnly)});\n`,
    );
    const ts = await loadSuite(tmp.path("assay.config.ts"));
    expect(ts.config.targets.map((t) => t.id)).toEqual(yaml.config.targets.map((t) => t.id));
  });
});
