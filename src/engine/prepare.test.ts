import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { loadSuite } from "../config/load.ts";
import { buildDimensions } from "./prepare.ts";
import { DEFAULT_EVALUATOR_TIMEOUT_MS } from "./scoring.ts";

const tmp = tempDir("assay-prepare-");
afterAll(() => tmp.remove());

async function limits(yaml: string[]): Promise<Record<string, [number | undefined, number | undefined]>> {
  tmp.write("cases.jsonl", '{"id": "c1", "input": "x"}\n');
  tmp.write(
    "assay.yaml",
    ["suite: s", "dataset: cases.jsonl", "targets:", "  - { id: t, exec: [node] }", ...yaml].join("\n"),
  );
  const dims = await buildDimensions(await loadSuite(tmp.dir));
  return Object.fromEntries(dims.map((d) => [d.name, [d.timeoutMs, d.record.evaluatorTimeoutMs]]));
}

describe("buildDimensions: evaluator time limits", () => {
  it("takes the dimension's evaluatorTimeoutMs, else the suite's", async () => {
    const got = await limits([
      "evaluatorTimeoutMs: 2000",
      "dimensions:",
      "  a: { evaluator: equals }",
      "  b: { evaluator: equals, evaluatorTimeoutMs: 50 }",
    ]);
    expect(got).toEqual({ a: [2000, 2000], b: [50, 50] });
  });

  it("defaults to 10 s", async () => {
    const got = await limits(["dimensions:", "  a: { evaluator: equals }"]);
    expect(got).toEqual({ a: [DEFAULT_EVALUATOR_TIMEOUT_MS, DEFAULT_EVALUATOR_TIMEOUT_MS] });
  });

  it("rejects a limit that is not a positive integer, naming the field", async () => {
    await expect(
      limits(["dimensions:", "  a: { evaluator: equals, evaluatorTimeoutMs: 0 }"]),
    ).rejects.toThrow(/dimensions\.a\.evaluatorTimeoutMs/);
    await expect(
      limits(["evaluatorTimeoutMs: fast", "dimensions:", "  a: { evaluator: equals }"]),
    ).rejects.toThrow(/evaluatorTimeoutMs/);
  });
});
