import { describe, expect, it } from "vitest";
import { defineSuite, suiteSchema, targetSchema } from "./schema.ts";

const base = {
  suite: "s",
  dataset: "cases.jsonl",
  targets: [{ id: "a", exec: ["node", "a.mjs"] }],
  dimensions: { d: { evaluator: "equals" } },
};

describe("suite schema", () => {
  it("defineSuite returns its argument unchanged", () => {
    expect(defineSuite(base)).toBe(base);
  });

  it("accepts every target kind of DESIGN §4.1", () => {
    const targets = [
      { id: "rules-v1", exec: ["node", "targets/rules-v1.mjs"] },
      { id: "rules-v2", module: "targets/rules-v2.ts", export: "run" },
      {
        id: "svc",
        http: {
          url: "http://127.0.0.1:8080/parse",
          method: "POST",
          body: { text: "{{ input }}" },
          output: "$.result",
        },
      },
      { id: "prod", replay: "data/prod-outputs.jsonl" },
      { id: "again", replay: { run: "r-123" } },
      { id: "mini", provider: "openai:gpt-4o-mini", prompt: "prompts/task.md", timeoutMs: 1000, retries: 0 },
    ];
    for (const t of targets) expect(targetSchema.safeParse(t).success, t.id).toBe(true);
  });

  it("rejects bad targets", () => {
    const bad = [
      { id: "x", exec: [] },
      { id: "x", http: { url: "http://h", method: "DELETE" } },
      { id: "x", http: { url: "http://h", extra: 1 } },
      { id: "x", replay: { file: "a" } },
      { id: "-x", exec: ["a"] },
      { id: "x", exec: ["a"], retries: -1 },
      { id: "x", exec: ["a"], concurrency: 0 },
    ];
    for (const t of bad) expect(targetSchema.safeParse(t).success, JSON.stringify(t)).toBe(false);
  });

  it("fills defaults and keeps the gate block as given", () => {
    const out = suiteSchema.parse({ ...base, gate: { floors: { aggregate: 0.8 } } });
    expect(out).toMatchObject({ concurrency: 8, timeoutMs: 30_000, retries: 2, epochs: 1 });
    expect(out.dimensions.d).toEqual({ evaluator: "equals", weight: 1, threshold: 0.5 });
    expect(out.gate).toEqual({ floors: { aggregate: 0.8 } });
  });

  it("rejects bad suite values", () => {
    const bad: Array<Record<string, unknown>> = [
      { ...base, suite: "has space" },
      { ...base, dataset: [] },
      { ...base, dataset: "" },
      { ...base, targets: [] },
      { ...base, epochs: 0 },
      { ...base, dimensions: { "bad name": { evaluator: "equals" } } },
      { ...base, dimensions: { d: { evaluator: "equals", weight: -1 } } },
      { ...base, dimensions: { d: { evaluator: "equals", threshold: 1.5 } } },
      { ...base, dimensions: { d: { evaluator: "" } } },
    ];
    for (const s of bad) expect(suiteSchema.safeParse(s).success, JSON.stringify(s)).toBe(false);
  });
});
