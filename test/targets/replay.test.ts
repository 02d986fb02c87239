import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TargetConfigError } from "../../src/targets/errors.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import { createReplayTarget, replayKey } from "../../src/targets/replay/index.ts";
import type { TargetResponse } from "../../src/targets/types.ts";
import { makeCase, recordingSleep } from "./support/helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "assay-replay-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  writeFileSync(join(tmp, name), lines.join("\n"));
  return name;
}

const policy = () => ({ timeoutMs: 1000, retries: 3, ...recordingSleep() });

describe("replay target", () => {
  it("plays recorded outputs back, by case and by epoch", async () => {
    const file = write("prod.jsonl", [
      '{"id": "act-017", "output": {"action": "complete"}, "usage": {"inputTokens": 3, "outputTokens": 4}, "costUsd": 0.01, "latencyMs": 812}',
      "",
      '{"id": "act-018", "output": "first", "epoch": 0}',
      '{"id": "act-018", "output": "second", "epoch": 1, "trace": {"toolCalls": [{"name": "t", "arguments": {}}]}}',
      '{"id": 19, "output": "numeric id"}',
    ]);
    const t = createReplayTarget({ id: "prod", file, baseDir: tmp });
    expect(t.describe()).toEqual({ replay: "prod.jsonl" });

    const a = await callWithPolicy(t, makeCase(), 0, policy());
    expect(a).toMatchObject({
      json: { action: "complete" },
      usage: { inputTokens: 3, outputTokens: 4 },
      costUsd: 0.01,
    });
    expect(a.latencyMs).toBe(812);
    const a2 = await callWithPolicy(t, makeCase(), 5, policy());
    expect(a2.json).toEqual({ action: "complete" });

    const b0 = await callWithPolicy(t, makeCase({ id: "act-018" }), 0, policy());
    const b1 = await callWithPolicy(t, makeCase({ id: "act-018" }), 1, policy());
    expect([b0.text, b1.text]).toEqual(["first", "second"]);
    expect(b1.trace?.toolCalls?.[0].name).toBe("t");
    const b2 = await callWithPolicy(t, makeCase({ id: "act-018" }), 2, policy());
    expect(b2.error?.class).toBe("empty-response");

    expect((await callWithPolicy(t, makeCase({ id: "19" }), 0, policy())).text).toBe("numeric id");
  });

  it("fails a case with no recording once, without retrying", async () => {
    const file = write("one.jsonl", ['{"id": "a", "output": "x"}']);
    const t = createReplayTarget({ id: "prod", file, baseDir: tmp });
    const p = policy();
    const out = await callWithPolicy(t, makeCase({ id: "zzz" }), 0, p);
    expect(out.error).toEqual({ class: "empty-response", message: "no recorded output for case zzz" });
    expect(out.attempts).toBe(1);
    expect(p.delays).toEqual([]);
  });

  it("names the file and line of a malformed line", async () => {
    const file = write("bad.jsonl", ['{"id": "a", "output": "x"}', "", '{"id": "b", "output": ']);
    const t = createReplayTarget({ id: "prod", file, baseDir: tmp });
    const err = await t.prepare!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).line).toBe(3);
    expect((err as Error).message).toContain(`${join(tmp, "bad.jsonl")}:3`);
    expect((err as Error).message).toContain("not valid JSON");
    const out = await callWithPolicy(t, makeCase({ id: "a" }), 0, policy());
    expect(out.error?.class).toBe("target-crash");
    expect(out.error?.message).toContain("bad.jsonl:3");
  });

  it("rejects lines without id or output, and duplicates", async () => {
    const cases: [string[], RegExp][] = [
      [['{"output": "x"}'], /no-id\.jsonl:1 "id" must be a non-empty string/],
      [['{"id": "a"}'], /no-id\.jsonl:1 "output" is missing/],
      [["[1, 2]"], /no-id\.jsonl:1 each line must be a JSON object/],
      [
        ['{"id": "a", "output": 1}', '{"id": "a", "output": 2}'],
        /no-id\.jsonl:2 duplicate recorded output for case a \(first on line 1\)/,
      ],
      [['{"id": "a", "output": 1, "usage": {"inputTokens": "many"}}'], /"usage" must be/],
    ];
    for (const [lines, message] of cases) {
      const file = write("no-id.jsonl", lines);
      await expect(createReplayTarget({ id: "p", file, baseDir: tmp }).prepare!()).rejects.toThrow(message);
    }
    await expect(
      createReplayTarget({ id: "p", file: "absent.jsonl", baseDir: tmp }).prepare!(),
    ).rejects.toThrow(/absent\.jsonl.*not found/);
  });

  it("plays back a stored run, loading it once", async () => {
    let loads = 0;
    const loadRun = async () => {
      loads++;
      return new Map<string, TargetResponse>([
        ["act-017", { output: { action: "complete" } }],
        [replayKey("act-017", 1), { output: "epoch one" }],
      ]);
    };
    const t = createReplayTarget({ id: "r", baseDir: tmp, loadRun, run: "run-1" });
    expect(t.describe()).toEqual({ replay: { run: "run-1" } });
    const outs = await Promise.all([0, 1, 2].map((e) => callWithPolicy(t, makeCase(), e, policy())));
    expect(outs.map((o) => o.text)).toEqual(['{"action":"complete"}', "epoch one", '{"action":"complete"}']);
    expect(loads).toBe(1);
  });
});
