import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "assay-schema-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task2020 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["action", "title"],
  properties: {
    action: { enum: ["create", "complete", "delete"] },
    title: { type: "string", minLength: 1 },
    due: { type: "string", format: "date" },
    // prefixItems exists only from 2020-12 on
    tags: { type: "array", prefixItems: [{ type: "string" }], items: { type: "number" } },
  },
  additionalProperties: false,
};

const taskDraft07 = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["action"],
  properties: {
    action: { type: "string" },
    // draft-07 tuple form: items as an array, additionalItems for the rest
    pair: { type: "array", items: [{ type: "string" }, { type: "number" }], additionalItems: false },
  },
  definitions: { unused: { type: "string" } },
};

writeFileSync(join(dir, "task-07.json"), JSON.stringify(taskDraft07));
writeFileSync(join(dir, "broken.json"), "{ not json");
writeFileSync(join(dir, "bad-type.json"), JSON.stringify({ type: "strin" }));

describe("json-schema", () => {
  it("validates against an inline 2020-12 schema (the default draft)", async () => {
    const ok = await score(
      "json-schema",
      { schema: task2020 },
      '{"action":"create","title":"Budget","due":"2025-03-01"}',
    );
    expect(ok).toEqual({ score: 1, reason: "output matches the schema" });
    const tuple = await score(
      "json-schema",
      { schema: task2020 },
      '{"action":"create","title":"x","tags":["a",1,2]}',
    );
    expect(tuple.score).toBe(1);
    const badTuple = await score(
      "json-schema",
      { schema: task2020 },
      '{"action":"create","title":"x","tags":["a","b"]}',
    );
    expect(badTuple.score).toBe(0);
    expect(badTuple.reason).toContain("/tags/1 must be number");
    const noDraft = await make("json-schema", { schema: { type: "object" } });
    expect(noDraft.config.draft).toBe("2020-12");
  });

  it("reports ajv errors with instance paths", async () => {
    const s = await score(
      "json-schema",
      { schema: task2020 },
      '{"action":"finish","due":"tomorrow","extra":1}',
    );
    expect(s.score).toBe(0);
    expect(s.reason).toMatch(/^output does not match the schema: /);
    expect(s.reason).toContain("/ must have required property 'title'");
    expect(s.reason).toContain('/ must NOT have additional properties ("extra")');
    expect(s.reason).toContain("(and 1 more)");
    const errors = (s.details as { errors: { instancePath: string; keyword: string }[] }).errors;
    expect(errors.map((e) => `${e.instancePath}:${e.keyword}`).sort()).toEqual([
      "/action:enum",
      "/due:format",
      ":additionalProperties",
      ":required",
    ]);
  });

  it("loads a draft-07 schema from a file relative to baseDir", async () => {
    const ev = await make("json-schema", { schema: "task-07.json" }, dir);
    expect(ev.config).toMatchObject({ schema: "task-07.json", draft: "draft-07", strict: true });
    expect(ev.config.schemaHash).toMatch(/^[0-9a-f]{16}$/);
    const c = { id: "c", input: "", tags: {} };
    const run = (text: string) =>
      ev.evaluate({ case: c, output: { text, latencyMs: 1, attempts: 1 }, expected: undefined });
    expect((await run('{"action":"x","pair":["a",1]}')).score).toBe(1);
    const extra = await run('{"action":"x","pair":["a",1,2]}');
    expect(extra.score).toBe(0);
    expect(extra.reason).toContain("/pair must NOT have more than 2 items");
    expect((await run("{}")).reason).toContain("must have required property 'action'");
  });

  it("scores 0 for output that is not JSON", async () => {
    expect(await score("json-schema", { schema: task2020 }, "create a task")).toEqual({
      score: 0,
      reason: "output is not JSON",
    });
  });

  it("rejects a schema that does not compile, with ajv's message", async () => {
    const inline = await configError("json-schema", {
      schema: { type: "object", properties: { a: { type: "strin" } } },
    });
    expect(inline.field).toBe("schema");
    expect(inline.message).toContain("does not compile");
    expect(inline.message).toContain("schema is invalid");
    const fromFile = await configError("json-schema", { schema: "bad-type.json" }, dir);
    expect(fromFile.message).toContain("bad-type.json does not compile");
    const unknownKeyword = await configError("json-schema", { schema: { type: "object", requried: ["a"] } });
    expect(unknownKeyword.message).toContain('unknown keyword: "requried"');
    const badRef = await configError("json-schema", { schema: { $ref: "#/$defs/missing" } });
    expect(badRef.message).toContain("can't resolve reference");
  });

  it("accepts vendor keywords with strict: false", async () => {
    const ev = await make("json-schema", { schema: { type: "object", "x-ui": "hidden" }, strict: false });
    expect(ev.config.strict).toBe(false);
  });

  it("rejects missing, unreadable and unsupported schemas", async () => {
    expect((await configError("json-schema", {})).field).toBe("schema");
    expect((await configError("json-schema", { schema: "nope.json" }, dir)).message).toContain(
      "cannot read nope.json: no such file",
    );
    expect((await configError("json-schema", { schema: "broken.json" }, dir)).message).toContain(
      "broken.json is not valid JSON",
    );
    expect((await configError("json-schema", { schema: 3 })).field).toBe("schema");
    const draft4 = await configError("json-schema", {
      schema: { $schema: "http://json-schema.org/draft-04/schema#" },
    });
    expect(draft4.message).toContain("unsupported $schema");
  });
});

describe("json-schema patterns on the linear-time engine", () => {
  const redos = `"${"a".repeat(40)}!"`;

  it("returns promptly on a pattern that backtracks catastrophically in JavaScript", async () => {
    const s = await score("json-schema", { schema: { type: "string", pattern: "^(a+)+$" } }, redos);
    expect(s.score).toBe(0);
    expect(s.reason).toContain("must match pattern");
    const props = { type: "object", patternProperties: { "^(a+)+$": { type: "number" } } };
    const bad = await score("json-schema", { schema: props }, `{${redos}: "x", "aaa": "y"}`);
    expect(bad.score).toBe(0);
    expect(bad.reason).toContain("/aaa must be number");
  });

  it("keeps each pattern's own matcher (ajv caches them by toString)", async () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string", pattern: "^x+$" }, b: { type: "string", pattern: "^y+$" } },
    };
    expect((await score("json-schema", { schema }, '{"a": "xx", "b": "yy"}')).score).toBe(1);
    expect((await score("json-schema", { schema }, '{"a": "xx", "b": "xx"}')).score).toBe(0);
  });

  it("refuses a pattern with a backreference when the schema loads", async () => {
    const err = await configError("json-schema", { schema: { type: "string", pattern: "(a)\\1" } });
    expect(err.field).toBe("schema");
    expect(err.message).toContain("backreference");
  });

  it("is version 2", async () => {
    expect((await make("json-schema", { schema: { type: "string" } })).version).toBe("2");
  });
});
