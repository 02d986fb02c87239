// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the env-placeholder syntax under test
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TargetFailure } from "../../src/core/output.ts";
import { TargetConfigError } from "../../src/targets/errors.ts";
import { createExecTarget } from "../../src/targets/exec/index.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import { ctxFor, FIXTURES, isAlive, makeCase, waitUntil } from "./support/helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "assay-exec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const node = process.execPath;

async function failureOf(p: Promise<unknown>): Promise<TargetFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TargetFailure);
    return err as TargetFailure;
  }
  throw new Error("expected the call to fail");
}

describe("exec target", () => {
  it("sends the case (never expected) on stdin and returns trimmed stdout", async () => {
    const t = createExecTarget({ id: "echo", argv: ["node", "echo.mjs", "--flag"], cwd: FIXTURES });
    const c = makeCase({ input: { text: "hello", n: 1 }, cluster: "conv-1" });
    const res = await t.call(ctxFor(c, { epoch: 2 }));
    expect(typeof res.output).toBe("string");
    const text = res.output as string;
    expect(text).toBe(text.trim());
    expect(text).not.toContain("EXPECTED-ANSWER-42");
    const parsed = JSON.parse(text);
    expect(parsed.received).toEqual({
      id: "act-017",
      input: { text: "hello", n: 1 },
      tags: { category: "action_recognition", lang: "en" },
      cluster: "conv-1",
      epoch: 2,
    });
    expect(parsed.received).not.toHaveProperty("expected");
    expect(parsed.argv).toEqual(["--flag"]);
    expect(parsed.cwd).toBe(FIXTURES);
    expect(t.describe()).toEqual({ argv: ["node", "echo.mjs", "--flag"] });
  });

  it("goes through the policy to a parsed Output", async () => {
    const t = createExecTarget({ id: "echo", argv: [node, "echo.mjs"], cwd: FIXTURES });
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 10_000, retries: 0 });
    expect(out.error).toBeUndefined();
    expect(out.attempts).toBe(1);
    expect((out.json as { received: { id: string } }).received.id).toBe("act-017");
    expect(out.latencyMs).toBeGreaterThan(0);
  });

  it("passes shell metacharacters literally (no shell)", async () => {
    const marker = join(tmp, `pwned-${process.pid}`);
    const args = [
      `; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      "| cat",
      "&& echo hi",
      "*",
    ];
    const t = createExecTarget({ id: "echo", argv: [node, "echo.mjs", ...args], cwd: FIXTURES });
    const res = await t.call(ctxFor(makeCase()));
    expect(JSON.parse(res.output as string).argv).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  it("passes env, resolving ${NAME} from the environment, and redacts secrets in describe()", async () => {
    process.env.ASSAY_EXEC_SECRET = "exec-secret-value-123";
    try {
      const t = createExecTarget({
        id: "echo",
        argv: [node, "echo.mjs"],
        cwd: FIXTURES,
        env: { ASSAY_TEST_VAR: "v=${ASSAY_EXEC_SECRET}", API_TOKEN: "literal-token-value" },
      });
      const res = await t.call(ctxFor(makeCase()));
      expect(JSON.parse(res.output as string).env).toBe("v=exec-secret-value-123");
      const described = JSON.stringify(t.describe());
      expect(described).toContain("${ASSAY_EXEC_SECRET}");
      expect(described).not.toContain("exec-secret-value-123");
      expect(described).not.toContain("literal-token-value");
    } finally {
      delete process.env.ASSAY_EXEC_SECRET;
    }
  });

  it("resolves a relative command against cwd", async () => {
    const script = join(tmp, "run.sh");
    writeFileSync(script, "#!/bin/sh\necho '{\"ok\":true}'\n", { mode: 0o755 });
    const t = createExecTarget({ id: "sh", argv: ["./run.sh"], cwd: tmp });
    expect((await t.call(ctxFor(makeCase()))).output).toBe('{"ok":true}');
  });

  it("reports a non-zero exit as target-crash with the code and the stderr tail", async () => {
    const t = createExecTarget({ id: "fail", argv: [node, "fail.mjs"], cwd: FIXTURES });
    const f = await failureOf(t.call(ctxFor(makeCase())));
    expect(f.errorClass).toBe("target-crash");
    expect(f.message).toContain("exited with code 3");
    expect(f.message).toContain("TypeError: boom at line 7");
    expect(f.message.length).toBeLessThan(600);
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 10_000, retries: 3 });
    expect(out.error?.class).toBe("target-crash");
    expect(out.attempts).toBe(1);
    expect(out.text).toBe("");
  });

  it("reports stderr-only output as target-crash", async () => {
    const t = createExecTarget({ id: "err", argv: [node, "stderr-only.mjs"], cwd: FIXTURES });
    const f = await failureOf(t.call(ctxFor(makeCase())));
    expect(f.errorClass).toBe("target-crash");
    expect(f.message).toContain("wrote only to stderr: warning: model file missing");
  });

  it("reports no output at all as empty-response", async () => {
    const t = createExecTarget({ id: "silent", argv: [node, "silent.mjs"], cwd: FIXTURES });
    const f = await failureOf(t.call(ctxFor(makeCase())));
    expect(f.errorClass).toBe("empty-response");
  });

  it("reports a command that cannot start as target-crash", async () => {
    const t = createExecTarget({ id: "nope", argv: ["assay-no-such-command-xyz", "a"], cwd: FIXTURES });
    const f = await failureOf(t.call(ctxFor(makeCase())));
    expect(f.errorClass).toBe("target-crash");
    expect(f.message).toContain('cannot start "assay-no-such-command-xyz"');
    expect(f.message).toContain("ENOENT");
  });

  it("kills a hanging target and everything it started on timeout", async () => {
    const pidFile = join(tmp, "hang-pids.json");
    const t = createExecTarget({ id: "hang", argv: [node, "hang.mjs", pidFile], cwd: FIXTURES });
    // The target never answers. The limit leaves it ample time to start its grandchild and write
    // both pids first, even on a busy machine (that takes ~0.15 s idle: 20× margin).
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 3000, retries: 0 });
    expect(out.error).toEqual({ class: "timeout", message: "no answer within 3000 ms" });
    expect(existsSync(pidFile)).toBe(true);
    const { pid, grandchild } = JSON.parse(readFileSync(pidFile, "utf8")) as {
      pid: number;
      grandchild: number;
    };
    expect(await waitUntil(() => !isAlive(pid))).toBe(true);
    expect(await waitUntil(() => !isAlive(grandchild))).toBe(true);
  });

  it("fails at once when the signal is already aborted", async () => {
    const t = createExecTarget({ id: "echo", argv: [node, "echo.mjs"], cwd: FIXTURES });
    const ac = new AbortController();
    ac.abort();
    const f = await failureOf(t.call(ctxFor(makeCase(), { signal: ac.signal })));
    expect(f.errorClass).toBe("timeout");
  });

  it("rejects an empty argv as a configuration error", () => {
    expect(() => createExecTarget({ id: "x", argv: [], cwd: FIXTURES })).toThrow(TargetConfigError);
  });
});
