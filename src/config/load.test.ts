import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { InputError } from "./errors.ts";
import { suiteJsonSchema } from "./json-schema.ts";
import { findSuiteFile, formatFieldPath, loadSuite } from "./load.ts";

const tmp = tempDir("assay-config-");
afterAll(() => tmp.remove());

let counter = 0;
/** Writes `text` as `name` in a fresh folder and returns the folder. */
function suiteDir(text: string, name = "assay.yaml"): string {
  const dir = join(tmp.dir, `s${++counter}`);
  mkdirSync(dir, { recursive: true });
  tmp.write(join(`s${counter}`, name), text);
  return dir;
}

/** The InputError `loadSuite` rejects with; fails the test when it resolves or throws anything else. */
async function loadError(dir: string, arg?: string): Promise<InputError> {
  const err = await loadSuite(arg, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

const VALID = `suite: task-api
description: natural-language task commands to JSON actions
dataset: data/cases.jsonl
targets:
  - id: rules-v1
    exec: [node, targets/rules-v1.mjs]
  - id: svc
    http: { url: "http://127.0.0.1:8080/parse", body: { text: "{{ input }}" }, output: "$.result" }
dimensions:
  action_recognition: { weight: 0.30, evaluator: json-field, with: { field: action } }
  tone:
    evaluator: equals
gate:
  baseline: rules-v1
`;

describe("loadSuite (YAML)", () => {
  it("loads a valid suite and applies the defaults", async () => {
    const dir = suiteDir(VALID);
    const loaded = await loadSuite(undefined, dir);
    expect(loaded.file).toBe(join(dir, "assay.yaml"));
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    const c = loaded.config;
    expect(c.suite).toBe("task-api");
    expect(c.dataset).toBe("data/cases.jsonl");
    expect(c.targets.map((t) => t.id)).toEqual(["rules-v1", "svc"]);
    expect(c.targets[0].exec).toEqual(["node", "targets/rules-v1.mjs"]);
    expect(c.targets[1].http).toEqual({
      url: "http://127.0.0.1:8080/parse",
      body: { text: "{{ input }}" },
      output: "$.result",
    });
    // defaults
    expect(c.concurrency).toBe(8);
    expect(c.timeoutMs).toBe(30_000);
    expect(c.retries).toBe(2);
    expect(c.epochs).toBe(1);
    expect(c.dimensions.action_recognition).toEqual({
      evaluator: "json-field",
      with: { field: "action" },
      weight: 0.3,
      threshold: 0.5,
    });
    expect(c.dimensions.tone).toEqual({ evaluator: "equals", weight: 1, threshold: 0.5 });
    expect(c.gate).toEqual({ baseline: "rules-v1" });
  });

  it("the hash is of the file's text: a change anywhere changes it", async () => {
    const a = await loadSuite(undefined, suiteDir(VALID));
    const b = await loadSuite(undefined, suiteDir(VALID));
    const c = await loadSuite(undefined, suiteDir(`${VALID}# a comment\n`));
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it("accepts a list of dataset files and explicit call policy", async () => {
    const dir = suiteDir(
      VALID.replace("dataset: data/cases.jsonl", "dataset: [a.jsonl, b.csv]\nconcurrency: 3"),
    );
    const { config } = await loadSuite("assay.yaml", dir);
    expect(config.dataset).toEqual(["a.jsonl", "b.csv"]);
    expect(config.concurrency).toBe(3);
  });

  it("a wrong type at a nested field names its line, column and field path", async () => {
    const text = `suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
dimensions:
  accuracy:
    evaluator: equals
  tone:
    evaluator: llm-judge
    threshold: 0.5
    weight: heavy
`;
    const dir = suiteDir(text);
    const err = await loadError(dir);
    const file = join(dir, "assay.yaml");
    expect(err.message).toBe(`${file}:12:13 dimensions.tone.weight: expected number, got string`);
    expect(err.file).toBe(file);
    expect(err.line).toBe(12);
    expect(err.column).toBe(13);
    expect(err.field).toBe("dimensions.tone.weight");
  });

  it("a wrong type inside a list names the index in the path", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
  - id: b
    module: m.ts
    timeoutMs: "slow"
dimensions:
  tone: { evaluator: equals }
`);
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:8:16 targets[1].timeoutMs: expected number, got string`,
    );
  });

  it("a value out of range names its field", async () => {
    const dir = suiteDir(
      VALID.replace("  tone:\n    evaluator: equals\n", "  tone:\n    evaluator: equals\n    threshold: 2\n"),
    );
    const err = await loadError(dir);
    expect(err.field).toBe("dimensions.tone.threshold");
    expect(err.line).toBe(13);
    expect(err.message).toMatch(/<=\s*1/);
  });

  it("an unknown top-level key (a typo) names its own line, not a missing field", async () => {
    const text = `suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
dimension:
  tone: { evaluator: equals }
`;
    const dir = suiteDir(text);
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:6:1 dimension: unknown field "dimension" (did you mean "dimensions"?)`,
    );
  });

  it("an unknown key inside a target names its line and path", async () => {
    const text = `suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exce: [node, a.mjs]
dimensions:
  tone: { evaluator: equals }
`;
    const dir = suiteDir(text);
    const err = await loadError(dir);
    // reported before the consequence (the target has no kind) and at the key, not at `- id: a`
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:5:5 targets[0].exce: unknown field "exce" (did you mean "exec"?)`,
    );
  });

  it("an unknown key with no value still names its line", async () => {
    const dir = suiteDir(`${VALID}colour:\n`);
    const err = await loadError(dir);
    expect(err.line).toBe(15);
    expect(err.field).toBe("colour");
  });

  it("a missing required `dataset` says so and names the field", async () => {
    const dir = suiteDir(VALID.replace("dataset: data/cases.jsonl\n", ""));
    const err = await loadError(dir);
    expect(err.field).toBe("dataset");
    expect(err.message).toContain(join(dir, "assay.yaml"));
    expect(err.message).toMatch(/dataset: required/);
    expect(err.message).not.toContain("Invalid input");
  });

  it("a dataset of the wrong type says what was expected and found", async () => {
    const dir = suiteDir(VALID.replace("dataset: data/cases.jsonl", "dataset: 5"));
    const err = await loadError(dir);
    expect(err.message).toBe(`${join(dir, "assay.yaml")}:3:10 dataset: expected string or array, got number`);
  });

  it("a type error is reported before a missing field, which has no line of its own", async () => {
    const dir = suiteDir(`suite: demo
targets:
  - id: a
    exec: [node, a.mjs]
dimensions:
  tone: { evaluator: equals, weight: "x" }
`);
    const err = await loadError(dir);
    expect(err.field).toBe("dimensions.tone.weight");
    expect(err.line).toBe(6);
  });

  it("a YAML syntax error gives its line", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs
dimensions:
  tone: { evaluator: equals }
`);
    const err = await loadError(dir);
    expect(err.file).toBe(join(dir, "assay.yaml"));
    // the unclosed `[` is detected where the next block starts
    expect(err.message).toMatch(new RegExp(`^${escapeRe(join(dir, "assay.yaml"))}:6:1 .*\\]`));
  });

  it("a mis-indented key gives the line and column of the mapping it breaks", async () => {
    const dir = suiteDir("suite: demo\ndataset: cases.jsonl\n  targets: x\n");
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:2:10 Nested mappings are not allowed in compact mappings`,
    );
  });

  it("a duplicate YAML key is an error naming its line", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
dimensions:
  tone: { evaluator: equals }
  tone: { evaluator: contains }
`);
    const err = await loadError(dir);
    expect(err.message).toBe(`${join(dir, "assay.yaml")}:8:3 Map keys must be unique`);
  });

  it("a target with two kinds is an error naming both", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: ok
    replay: data/prod.jsonl
  - id: both
    exec: [node, a.mjs]
    module: m.ts
dimensions:
  tone: { evaluator: equals }
`);
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:6:5 targets[1]: a target has exactly one kind, found exec and module`,
    );
  });

  it("a target with no kind is an error", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: none
    description: nothing to call
dimensions:
  tone: { evaluator: equals }
`);
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.yaml")}:4:5 targets[0]: a target needs one of exec, module, http, replay or provider`,
    );
  });

  it("an invalid target id and an empty dimensions map are rejected", async () => {
    const badId = await loadError(suiteDir(VALID.replace("id: rules-v1", "id: rules v1")));
    expect(badId.field).toBe("targets[0].id");
    expect(badId.line).toBe(5);
    const none = await loadError(
      suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
dimensions: {}
`),
    );
    expect(none.field).toBe("dimensions");
    expect(none.message).toContain("at least one dimension");
  });

  it("an empty file names the first missing field", async () => {
    const err = await loadError(suiteDir(""));
    expect(err.field).toBe("suite");
    expect(err.message).toMatch(/required/);
  });
});

describe("loadSuite (assay.config.ts)", () => {
  const schemaUrl = pathToFileURL(join(import.meta.dirname, "schema.ts")).href;

  it("loads the default export of defineSuite through tsx", async () => {
    const dir = suiteDir(
      `import { defineSuite } from ${JSON.stringify(schemaUrl)};
const weight: number = 0.25;
export default defineSuite({
  suite: "ts-suite",
  dataset: ["cases.jsonl"],
  targets: [{ id: "fn", module: "targets/fn.ts" }],
  dimensions: { accuracy: { evaluator: "equals", weight } },
});
`,
      "assay.config.ts",
    );
    const loaded = await loadSuite(undefined, dir);
    expect(loaded.file).toBe(join(dir, "assay.config.ts"));
    expect(loaded.config.suite).toBe("ts-suite");
    expect(loaded.config.dataset).toEqual(["cases.jsonl"]);
    expect(loaded.config.targets[0]).toEqual({ id: "fn", module: "targets/fn.ts" });
    expect(loaded.config.dimensions.accuracy).toEqual({ evaluator: "equals", weight: 0.25, threshold: 0.5 });
    expect(loaded.config.epochs).toBe(1);
  });

  it("loads assay.config.ts inside an ESM package, and assay.config.mjs", async () => {
    const dir = suiteDir(
      `import { defineSuite } from ${JSON.stringify(schemaUrl)};
export default defineSuite({ suite: "esm", dataset: "c.jsonl", targets: [{ id: "a", replay: "r.jsonl" }], dimensions: { d: { evaluator: "equals" } } });
`,
      "assay.config.ts",
    );
    tmp.write(join(dir.slice(tmp.dir.length + 1), "package.json"), '{ "type": "module" }\n');
    expect((await loadSuite(undefined, dir)).config.suite).toBe("esm");

    const mjs = suiteDir(
      `export default { suite: "plain-js", dataset: "c.jsonl", targets: [{ id: "a", replay: "r.jsonl" }], dimensions: { d: { evaluator: "equals" } } };\n`,
      "assay.config.mjs",
    );
    const loaded = await loadSuite(undefined, mjs);
    expect(loaded.file).toBe(join(mjs, "assay.config.mjs"));
    expect(loaded.config.suite).toBe("plain-js");
  });

  it("a .ts suite without a default export is an error naming the file", async () => {
    const dir = suiteDir(`export const suite = { suite: "x" };\n`, "assay.config.ts");
    const err = await loadError(dir);
    expect(err.file).toBe(join(dir, "assay.config.ts"));
    expect(err.message).toBe(
      `${join(dir, "assay.config.ts")} the suite module has no default export (use defineSuite)`,
    );
  });

  it("a .ts suite that does not compile or throws is an error naming the file", async () => {
    const dir = suiteDir(`throw new Error("boom at load");\nexport default {};\n`, "assay.config.ts");
    const err = await loadError(dir);
    expect(err.message).toContain(join(dir, "assay.config.ts"));
    expect(err.message).toContain("boom at load");
  });

  it("a .ts suite with an invalid field names the file and the field", async () => {
    const dir = suiteDir(
      `export default { suite: "x", dataset: "c.jsonl", targets: [{ id: "a", exec: ["node"] }], dimensions: { t: { evaluator: "equals", weight: "1" } } };\n`,
      "assay.config.ts",
    );
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.config.ts")} dimensions.t.weight: expected number, got string`,
    );
  });
});

describe("findSuiteFile", () => {
  it("finds assay.yaml in a directory, preferring it over assay.config.ts", () => {
    const dir = suiteDir(VALID);
    tmp.write(join(dir.slice(tmp.dir.length + 1), "assay.config.ts"), "export default {};\n");
    expect(findSuiteFile(undefined, dir)).toBe(join(dir, "assay.yaml"));
    expect(findSuiteFile(".", dir)).toBe(join(dir, "assay.yaml"));
    expect(findSuiteFile(dir, tmp.dir)).toBe(join(dir, "assay.yaml"));
  });

  it("finds assay.config.ts when it is the only suite file, and takes a file path as given", () => {
    const dir = suiteDir("export default {};\n", "assay.config.ts");
    expect(findSuiteFile(undefined, dir)).toBe(join(dir, "assay.config.ts"));
    const other = suiteDir(VALID, "other-name.yaml");
    expect(findSuiteFile("other-name.yaml", other)).toBe(join(other, "other-name.yaml"));
  });

  it("a directory with no suite file is an InputError naming it", () => {
    const dir = join(tmp.dir, "empty");
    mkdirSync(dir);
    expect(() => findSuiteFile(undefined, dir)).toThrow(InputError);
    expect(() => findSuiteFile(undefined, dir)).toThrow(`${dir} no suite file here`);
  });

  it("a missing path is an InputError naming it", async () => {
    const missing = join(tmp.dir, "nope", "assay.yaml");
    expect(() => findSuiteFile(missing)).toThrow(`${missing} suite file not found`);
    const err = await loadError(tmp.dir, "nope/assay.yaml");
    expect(err.file).toBe(missing);
  });
});

describe("suiteJsonSchema and formatFieldPath", () => {
  it("the JSON schema describes the suite file's fields", () => {
    const schema = suiteJsonSchema();
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.dimensions).toBeTypeOf("object");
    expect(props.targets).toBeTypeOf("object");
    expect(schema.required).toEqual(expect.arrayContaining(["suite", "dataset", "dimensions"]));
    // targets, or variants: that generate them (issue 13)
    expect(schema.anyOf).toEqual([{ required: ["targets"] }, { required: ["variants"] }]);
    // input schema: fields with defaults are optional for the person writing the file
    expect(schema.required).not.toContain("concurrency");
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("formats paths with dots and [index]", () => {
    expect(formatFieldPath(["targets", 0, "http", "url"])).toBe("targets[0].http.url");
    expect(formatFieldPath(["dimensions", "tone"])).toBe("dimensions.tone");
    expect(formatFieldPath([])).toBe("");
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
