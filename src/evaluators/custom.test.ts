import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configError, make, score } from "./test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "assay-custom-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, "politeness.ts"),
  `interface Input { output: { text: string }; expected?: unknown }
type Result = { score: number | null; reason: string; details?: Record<string, unknown> };
const WORDS: readonly string[] = ["please", "thank"];
export default async function polite(input: Input, options?: { bonus?: number }): Promise<Result> {
  const hits: number = WORDS.filter((w) => input.output.text.toLowerCase().includes(w)).length;
  return { score: Math.min(1, hits / WORDS.length + (options?.bonus ?? 0)), reason: \`\${hits} polite words\`, details: { hits } };
}
export const asNumber = (input: Input): number => input.output.text.length / 10;
export const asBoolean = (input: Input): boolean => input.output.text === input.expected;
export const thrower = (): number => { throw new Error("model output unreadable"); };
export const unscoredScore = () => ({ score: null, reason: "not applicable" });
export const weird = () => "yes";
export const notAFunction = 42;
`,
);

writeFileSync(
  join(dir, "checks.mjs"),
  `export function startsWithGreeting(input) {
  return /^(hi|hello)\\b/i.test(input.output.text);
}
export default (input) => Promise.resolve(input.output.text.includes(String(input.expected)) ? 1 : 0);
`,
);

writeFileSync(join(dir, "broken.ts"), "export default (x: number => x;\n");

describe("custom", () => {
  it("loads a TypeScript module's default export and passes with.options", async () => {
    const s = await score("custom", { module: "politeness.ts" }, "Thank you, please wait", undefined, dir);
    expect(s).toEqual({ score: 1, reason: "2 polite words", details: { hits: 2 } });
    const half = await score("custom", { module: "politeness.ts" }, "Please wait", undefined, dir);
    expect(half.score).toBe(0.5);
    const bonus = await score(
      "custom",
      { module: "politeness.ts", options: { bonus: 0.25 } },
      "Please wait",
      undefined,
      dir,
    );
    expect(bonus.score).toBe(0.75);
  });

  it("loads a named export from an .mjs module", async () => {
    const s = await score(
      "custom",
      { module: "checks.mjs", export: "startsWithGreeting" },
      "Hello there",
      undefined,
      dir,
    );
    expect(s).toEqual({ score: 1, reason: "custom evaluator returned true" });
    expect(
      (await score("custom", { module: "checks.mjs", export: "startsWithGreeting" }, "Yo", undefined, dir))
        .score,
    ).toBe(0);
    expect((await score("custom", { module: "checks.mjs" }, "the answer is 42", 42, dir)).score).toBe(1);
  });

  it("accepts numbers and booleans, and makes out-of-range numbers unscored", async () => {
    expect(
      (await score("custom", { module: "politeness.ts", export: "asNumber" }, "abcde", undefined, dir)).score,
    ).toBe(0.5);
    const tooBig = await score(
      "custom",
      { module: "politeness.ts", export: "asNumber" },
      "a".repeat(15),
      undefined,
      dir,
    );
    expect(tooBig.score).toBeNull();
    expect(tooBig.reason).toBe("custom evaluator returned 1.5, outside [0, 1]");
    expect(
      (await score("custom", { module: "politeness.ts", export: "asBoolean" }, "x", "x", dir)).score,
    ).toBe(1);
  });

  it("lets a throw through (the engine records it) and turns an unusable return value into unscored", async () => {
    await expect(
      score("custom", { module: "politeness.ts", export: "thrower" }, "x", undefined, dir),
    ).rejects.toThrow("model output unreadable");
    const weird = await score("custom", { module: "politeness.ts", export: "weird" }, "x", undefined, dir);
    expect(weird.score).toBeNull();
    expect(weird.reason).toContain('returned "yes"');
    const declined = await score(
      "custom",
      { module: "politeness.ts", export: "unscoredScore" },
      "x",
      undefined,
      dir,
    );
    expect(declined).toEqual({ score: null, reason: "not applicable" });
  });

  it("versions the evaluator by the module's content", async () => {
    const file = join(dir, "versioned.mjs");
    writeFileSync(file, "export default () => 1;\n");
    const v1 = await make("custom", { module: "versioned.mjs" }, dir);
    expect(v1.version).toMatch(/^1-[0-9a-f]{8}$/);
    expect(v1.id).toMatch(new RegExp(`^custom@${v1.version}#[0-9a-f]{8}$`));
    expect(v1.config).toMatchObject({ module: "versioned.mjs", export: "default" });
    const again = await make("custom", { module: "versioned.mjs" }, dir);
    expect(again.version).toBe(v1.version);
    writeFileSync(file, "export default () => 0;\n");
    const v2 = await make("custom", { module: "versioned.mjs" }, dir);
    expect(v2.version).not.toBe(v1.version);
    // the edited code runs, not a cached copy of the old module
    const input = {
      case: { id: "c", input: "", tags: {} },
      output: { text: "", latencyMs: 1, attempts: 1 },
      expected: undefined,
    };
    expect((await v1.evaluate(input)).score).toBe(1);
    expect((await v2.evaluate(input)).score).toBe(0);
  });

  it("reloads an edited TypeScript module", async () => {
    const file = join(dir, "edited.ts");
    writeFileSync(file, "export default (): number => 1;\n");
    const input = {
      case: { id: "c", input: "", tags: {} },
      output: { text: "", latencyMs: 1, attempts: 1 },
      expected: undefined,
    };
    const v1 = await make("custom", { module: "edited.ts" }, dir);
    writeFileSync(file, "export default (): number => 0.25;\n");
    const v2 = await make("custom", { module: "edited.ts" }, dir);
    expect((await v1.evaluate(input)).score).toBe(1);
    expect((await v2.evaluate(input)).score).toBe(0.25);
  });

  it("rejects missing modules, missing exports and modules that do not load", async () => {
    expect((await configError("custom", {}, dir)).field).toBe("module");
    const missing = await configError("custom", { module: "nope.ts" }, dir);
    expect(missing.field).toBe("module");
    expect(missing.message).toContain("cannot read nope.ts: no such file");
    const noExport = await configError("custom", { module: "politeness.ts", export: "notAFunction" }, dir);
    expect(noExport.field).toBe("export");
    expect(noExport.message).toContain("function exports: ");
    expect(noExport.message).toContain("asNumber");
    const broken = await configError("custom", { module: "broken.ts" }, dir);
    expect(broken.field).toBe("module");
    expect(broken.message).toContain("cannot load broken.ts");
  });
});
