import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { EXIT, exitCodeFor } from "../cli/exit.ts";
import { InputError } from "./errors.ts";
import { loadSuite } from "./load.ts";

/** Two targets with one id: an input error (exit 2) naming both lines. */

const tmp = tempDir("assay-dup-targets-");
afterAll(() => tmp.remove());

let counter = 0;
function suiteDir(text: string, name = "assay.yaml"): string {
  const dir = join(tmp.dir, `s${++counter}`);
  mkdirSync(dir, { recursive: true });
  tmp.write(join(`s${counter}`, name), text);
  return dir;
}

async function loadError(dir: string): Promise<InputError> {
  const err = await loadSuite(undefined, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe("duplicate target ids", () => {
  it("YAML: the second target's id line, and the first's as file:line", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: prod
    exec: [node, a.mjs]
  - id: staging
    exec: [node, b.mjs]
  - id: prod
    module: c.ts
dimensions:
  tone: { evaluator: equals }
`);
    const file = join(dir, "assay.yaml");
    const err = await loadError(dir);
    expect(err.message).toBe(`${file}:8:9 targets[2].id: duplicate target id "prod" (first at ${file}:4)`);
    expect(err.line).toBe(8);
    expect(err.field).toBe("targets[2].id");
    expect(exitCodeFor(err)).toBe(EXIT.usage);
  });

  it("distinct ids load", async () => {
    const dir = suiteDir(`suite: demo
dataset: cases.jsonl
targets:
  - id: a
    exec: [node, a.mjs]
  - id: b
    exec: [node, b.mjs]
dimensions:
  tone: { evaluator: equals }
`);
    const suite = await loadSuite(undefined, dir);
    expect(suite.config.targets.map((t) => t.id)).toEqual(["a", "b"]);
  });

  it("a suite module: names both targets by index", async () => {
    const dir = suiteDir(
      `export default {
  suite: "demo",
  dataset: "cases.jsonl",
  targets: [
    { id: "x", exec: ["node", "a.mjs"] },
    { id: "x", exec: ["node", "b.mjs"] },
  ],
  dimensions: { tone: { evaluator: "equals" } },
};
`,
      "assay.config.mjs",
    );
    const err = await loadError(dir);
    expect(err.message).toBe(
      `${join(dir, "assay.config.mjs")} targets[1].id: duplicate target id "x" (first at targets[0])`,
    );
  });
});
