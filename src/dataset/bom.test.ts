import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import type { SourcedCase } from "../core/case.ts";
import { readDataset } from "./dataset.ts";

/** Datasets saved with a UTF-8 byte-order mark (Excel, Notepad) load like any other, in every format. */

const tmp = tempDir("assay-bom-");
afterAll(() => tmp.remove());

const BOM = "\uFEFF";

async function load(name: string, content: string): Promise<SourcedCase[]> {
  const file = tmp.write(name, BOM + content);
  const out: SourcedCase[] = [];
  for await (const c of readDataset([file])) out.push(c);
  return out;
}

describe("datasets with a byte-order mark", () => {
  it("YAML: a list of cases", async () => {
    const cases = await load("cases.yaml", "- id: a1\n  input: hello\n- id: a2\n  input: world\n");
    expect(cases.map((c) => c.case.id)).toEqual(["a1", "a2"]);
    expect(cases[1].source.line).toBe(3);
  });

  it("YAML: an object with cases:", async () => {
    const cases = await load("wrapped.yml", "cases:\n  - id: w1\n    input: x\n");
    expect(cases.map((c) => c.case.id)).toEqual(["w1"]);
  });

  it("JSON, JSONL and CSV", async () => {
    expect((await load("cases.json", '[{"id": "j1", "input": "x"}]')).map((c) => c.case.id)).toEqual(["j1"]);
    expect((await load("cases.jsonl", '{"id": "l1", "input": "x"}\n')).map((c) => c.case.id)).toEqual(["l1"]);
    const csv = await load("cases.csv", "id,input,tags.lang\nc1,hello,en\n");
    expect(csv.map((c) => c.case.id)).toEqual(["c1"]);
    expect(csv[0].case.tags).toEqual({ lang: "en" });
  });
});
