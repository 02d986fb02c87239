import { expect } from "vitest";
import { asTargetFailure } from "../../src/faults/abort.ts";
import type { ChatClient } from "../../src/llm/types.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import type { Output, Target, TargetFailure } from "../../src/targets/types.ts";

/** The TargetFailure a promise rejects with (fails the test when it resolves or throws anything else). */
export async function expectFailure(p: Promise<unknown>): Promise<TargetFailure> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    const f = asTargetFailure(err);
    expect(f, `expected a TargetFailure, got ${String(err)}`).toBeDefined();
    return f!;
  }
  throw new Error(`expected a failure, got a success: ${JSON.stringify(value)}`);
}

export function stepped(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One case through the engine's real call policy (retries 2, recorded sleeps instead of waits),
 * with a minimal target over the client: what the engine would store.
 */
export async function callOnce(client: ChatClient): Promise<{ output: Output; delays: number[] }> {
  const delays: number[] = [];
  const target: Target = {
    id: "llm",
    kind: "test",
    describe: () => client.describe(),
    async call(ctx) {
      const res = await client.complete(
        { messages: [{ role: "user", content: String(ctx.case.input) }] },
        { signal: ctx.signal, epoch: ctx.epoch },
      );
      return { output: res.message.content, usage: res.usage, costUsd: res.costUsd, ttftMs: res.ttftMs };
    },
  };
  const output = await callWithPolicy(target, { id: "c1", input: "hello", tags: {} }, 0, {
    timeoutMs: 5000,
    retries: 2,
    random: () => 0,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { output, delays };
}

/** Polls until `cond` holds; `timeoutMs` only stops a broken test (generous for a busy machine). */
export async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("waitFor: condition not met in time");
    await stepped(5);
  }
}
