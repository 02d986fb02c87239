import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TargetFailure } from "../../src/core/output.ts";
import { TargetConfigError } from "../../src/targets/errors.ts";
import { createModuleTarget } from "../../src/targets/module/index.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import { ctxFor, FIXTURES, makeCase } from "./support/helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "assay-module-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("module target", () => {
  it("calls the default export of a .ts module", async () => {
    const t = createModuleTarget({ id: "upper", path: "upper.ts", baseDir: FIXTURES });
    const res = await t.call(ctxFor(makeCase({ input: "done" }), { epoch: 1 }));
    expect(res).toEqual({ output: "DONE|act-017|1|en" });
    expect(t.describe()).toEqual({ module: "upper.ts" });
  });

  it("loads a .ts file outside an ESM package (CommonJS interop) and a named export", async () => {
    const file = join(tmp, "named.ts");
    writeFileSync(
      file,
      'export const run = (input: string): string => "<" + input + ">";\nexport default 1;\n',
    );
    const t = createModuleTarget({ id: "named", path: "named.ts", exportName: "run", baseDir: tmp });
    expect((await t.call(ctxFor(makeCase({ input: "a" })))).output).toBe("<a>");
  });

  it("takes a full response object from a .mjs module", async () => {
    const t = createModuleTarget({ id: "full", path: "full.mjs", exportName: "respond", baseDir: FIXTURES });
    const out = await callWithPolicy(t, makeCase({ input: { text: "budget review" } }), 0, {
      timeoutMs: 5000,
      retries: 0,
    });
    expect(out.error).toBeUndefined();
    expect(out.json).toEqual({ action: "complete", title: "budget review" });
    expect(out.text).toBe('{"action":"complete","title":"budget review"}');
    expect(out.usage).toEqual({ inputTokens: 12, outputTokens: 5 });
    expect(out.costUsd).toBe(0.0001);
    expect(out.trace?.toolCalls?.[0].name).toBe("lookup");
    expect(t.describe()).toEqual({ module: "full.mjs", export: "respond" });
  });

  it("treats an object with keys beyond the response keys as the output itself", async () => {
    const t = createModuleTarget({ id: "p", path: "full.mjs", exportName: "plainObject", baseDir: FIXTURES });
    expect((await t.call(ctxFor(makeCase()))).output).toEqual({ output: "x", extra: true });
  });

  it("passes a context without expected, and a copy of the input", async () => {
    const t = createModuleTarget({ id: "ctx", path: "full.mjs", exportName: "context", baseDir: FIXTURES });
    const c = makeCase({ input: { text: "x" }, cluster: "c1" });
    const res = await t.call(ctxFor(c, { epoch: 3 }));
    expect(res.output).toEqual({
      keys: ["case", "epoch", "signal", "timeoutMs"],
      case: { id: "act-017", tags: { category: "action_recognition", lang: "en" }, cluster: "c1" },
      epoch: 3,
      hasSignal: true,
    });
    expect(JSON.stringify(res.output)).not.toContain("EXPECTED-ANSWER-42");
    expect(c.input).toEqual({ text: "x" });
  });

  it("turns a thrown error into target-crash, not retried", async () => {
    const t = createModuleTarget({ id: "throw", path: "full.mjs", exportName: "thrower", baseDir: FIXTURES });
    await expect(t.call(ctxFor(makeCase()))).rejects.toSatisfy(
      (e: unknown) =>
        e instanceof TargetFailure &&
        e.errorClass === "target-crash" &&
        e.message.includes("model not loaded"),
    );
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 2 });
    expect(out.error).toEqual({
      class: "target-crash",
      message: 'module target "throw" threw: model not loaded',
    });
    expect(out.attempts).toBe(1);
  });

  it("keeps a TargetFailure thrown by the function, even from its own copy of assay", async () => {
    const types = join(FIXTURES, "..", "..", "..", "src", "targets", "types.ts");
    const file = join(tmp, "limited.ts");
    writeFileSync(
      file,
      `import { TargetFailure } from ${JSON.stringify(types)};\n` +
        `export default () => { throw new TargetFailure("rate-limited", "slow down", { status: 429, retryAfterMs: 700 }); };\n`,
    );
    const t = createModuleTarget({ id: "lim", path: "limited.ts", baseDir: tmp });
    const delays: number[] = [];
    const out = await callWithPolicy(t, makeCase(), 0, {
      timeoutMs: 5000,
      retries: 1,
      random: () => 0,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(out.error).toEqual({ class: "rate-limited", message: "slow down", status: 429 });
    expect(out.attempts).toBe(2);
    expect(delays).toEqual([700]);
  });

  it("times out a function that never returns", async () => {
    const t = createModuleTarget({
      id: "w",
      path: "full.mjs",
      exportName: "waitsForever",
      baseDir: FIXTURES,
    });
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 100, retries: 0 });
    expect(out.error?.class).toBe("timeout");
  });

  it("reports a missing export as a configuration error naming the file", async () => {
    const t = createModuleTarget({ id: "m", path: "full.mjs", exportName: "nope", baseDir: FIXTURES });
    const err = await t.prepare!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as Error).message).toContain(join(FIXTURES, "full.mjs"));
    expect((err as Error).message).toContain('no export "nope"');
    expect((err as TargetConfigError).field).toBe("export");
    // through the policy, every call fails the same way, once
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 2 });
    expect(out.error?.class).toBe("target-crash");
    expect(out.error?.message).toContain('no export "nope"');
    expect(out.attempts).toBe(1);
  });

  it("reports an export that is not a function, and a missing file", async () => {
    const a = createModuleTarget({
      id: "m",
      path: "full.mjs",
      exportName: "notAFunction",
      baseDir: FIXTURES,
    });
    await expect(a.prepare!()).rejects.toThrow(/export "notAFunction" is a number, not a function/);
    const b = createModuleTarget({ id: "m", path: "missing.ts", baseDir: FIXTURES });
    await expect(b.prepare!()).rejects.toThrow(/missing\.ts.*file not found/);
    expect(() => createModuleTarget({ id: "m", path: "x.py", baseDir: FIXTURES })).toThrow(TargetConfigError);
  });

  it("loads the module once", async () => {
    const file = join(tmp, "counter.mjs");
    writeFileSync(
      file,
      "globalThis.__assayLoads = (globalThis.__assayLoads ?? 0) + 1;\nexport default (i) => i;\n",
    );
    const t = createModuleTarget({ id: "c", path: "counter.mjs", baseDir: tmp });
    await Promise.all([t.call(ctxFor(makeCase())), t.call(ctxFor(makeCase())), t.call(ctxFor(makeCase()))]);
    expect((globalThis as { __assayLoads?: number }).__assayLoads).toBe(1);
  });
});
