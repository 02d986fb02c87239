import { describe, expect, it } from "vitest";
import { builtinEvaluators, createEvaluator } from "./registry.ts";
import { configError, make } from "./test-support.ts";
import { EvaluatorConfigError } from "./types.ts";

const KINDS = [
  "bleu",
  "contains",
  "cost",
  "custom",
  "equals",
  "json-field",
  "json-fields",
  "json-schema",
  "json-valid",
  "latency",
  "length",
  "levenshtein",
  "llm-judge",
  "regex",
  "rouge-l",
  "rouge-n",
  "token-f1",
  "tool-calls",
  "tool-error-ack",
  "tool-loops",
  "trace-steps",
];

/** Minimal valid options per kind (custom is covered in custom.test.ts). */
const MINIMAL: Record<string, Record<string, unknown>> = {
  bleu: {},
  contains: { value: "x" },
  cost: { maxUsd: 0.01 },
  equals: {},
  "json-field": { field: "action" },
  "json-fields": { fields: ["a"] },
  "json-schema": { schema: { type: "object" } },
  "json-valid": {},
  latency: { maxMs: 100 },
  length: { max: 10 },
  levenshtein: {},
  regex: { pattern: "x" },
  "rouge-l": {},
  "rouge-n": {},
  "token-f1": {},
  "tool-calls": {},
  "trace-steps": { maxSteps: 4 },
  "tool-loops": {},
  "tool-error-ack": {},
};

/** Kinds past their first version (regex and json-schema: patterns moved to a linear-time engine). */
const VERSION: Record<string, string> = { regex: "2", "json-schema": "2" };
const versionOf = (kind: string) => VERSION[kind] ?? "1";

describe("registry", () => {
  it("registers every built-in kind under its own name", () => {
    expect([...builtinEvaluators.keys()].sort()).toEqual(KINDS);
    for (const [kind, f] of builtinEvaluators) {
      expect(f.kind).toBe(kind);
      expect(f.version).toBe(versionOf(kind));
      expect(f.description.length).toBeGreaterThan(10);
    }
  });

  it("rejects an unknown kind, listing the known ones", async () => {
    const err = await createEvaluator("json-feild", {}, { baseDir: "." }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvaluatorConfigError);
    const msg = (err as Error).message;
    expect(msg.startsWith('unknown evaluator "json-feild"')).toBe(true);
    for (const k of KINDS) expect(msg).toContain(k);
  });

  for (const [kind, options] of Object.entries(MINIMAL)) {
    it(`${kind}: id is kind@version#settings, config is pinned, unknown options are rejected`, async () => {
      const ev = await make(kind, options);
      expect(ev.kind).toBe(kind);
      expect(ev.version).toBe(versionOf(kind));
      expect(ev.id).toMatch(new RegExp(`^${kind}@${versionOf(kind)}#[0-9a-f]{8}$`));
      // The same settings give the same id; the hash is of the settings, not of the moment.
      expect((await make(kind, options)).id).toBe(ev.id);
      expect(Object.isFrozen(ev.config)).toBe(true);
      expect(JSON.parse(JSON.stringify(ev.config))).toEqual(ev.config);
      const err = await configError(kind, { ...options, bogusOption: 1 });
      expect(err.field).toBe("bogusOption");
      expect(err.message).toContain('unknown option "bogusOption"');
    });
  }

  it("rejects options that are not an object", async () => {
    const err = await configError("equals", [] as unknown as Record<string, unknown>);
    expect(err.message).toContain("options must be an object");
  });
});
