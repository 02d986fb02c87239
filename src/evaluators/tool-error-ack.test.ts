import { describe, expect, it } from "vitest";
import type { Trace, TraceStep } from "../core/output.ts";
import { configError, output, score } from "./test-support.ts";
import { resultFailure } from "./tool-error-ack.ts";

const call = { id: "c1", name: "lookup_order", arguments: { id: "A1" } };
const resultStep = (result: unknown, isError?: boolean): TraceStep => ({
  type: "tool-result",
  toolCall: call,
  result,
  ...(isError === undefined ? {} : { isError }),
});
const answer = (text: string, trace: Trace) => output(text, { trace });

describe("tool-error-ack", () => {
  it("scores 1 when a tool failed and the answer acknowledges it", async () => {
    const s = await score(
      "tool-error-ack",
      {},
      answer("Sorry, I couldn’t look up your order right now.", {
        steps: [resultStep({ error: "timeout" }, true)],
      }),
    );
    expect(s.score).toBe(1);
    expect(s.reason).toBe('lookup_order returned an error; the answer acknowledges it ("couldn\'t")');
    expect(s.details?.failures).toEqual([{ tool: "lookup_order", kind: "error" }]);
  });

  it("scores 0 for a silent failure: an empty or malformed result, answered as if fine", async () => {
    for (const [result, kind] of [
      ["", "an empty result"],
      ['{"id":"A1","sta', "a malformed result"],
      [null, "an empty result"],
    ] as const) {
      const s = await score(
        "tool-error-ack",
        {},
        answer("Your order A1 has shipped and arrives Friday.", { steps: [resultStep(result, false)] }),
      );
      expect(s.score).toBe(0);
      expect(s.reason).toBe(
        `silent failure: lookup_order returned ${kind} but the answer does not acknowledge a problem`,
      );
    }
  });

  it("is unscored when no tool failed, or without a trace", async () => {
    const ok = await score(
      "tool-error-ack",
      {},
      answer("Shipped.", { steps: [resultStep({ status: "shipped" }, false)] }),
    );
    expect(ok.score).toBeNull();
    expect(ok.reason).toBe("no tool call failed: nothing to acknowledge");
    expect((await score("tool-error-ack", {}, "Sorry")).score).toBeNull();
  });

  it("takes custom patterns", async () => {
    const trace = { steps: [resultStep({ error: "401 Unauthorized" }, true)] };
    expect((await score("tool-error-ack", {}, answer("Bitte später erneut versuchen.", trace))).score).toBe(
      0,
    );
    expect(
      (
        await score(
          "tool-error-ack",
          { patterns: ["erneut versuchen"] },
          answer("Bitte später ERNEUT versuchen.", trace),
        )
      ).score,
    ).toBe(1);
  });

  it("reads tool messages when the trace has no steps", async () => {
    const trace: Trace = {
      messages: [
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "tool", content: '{"error":"db down"}', toolCallId: "c1" },
      ],
    };
    const s = await score("tool-error-ack", {}, answer("Done!", trace));
    expect(s.score).toBe(0);
    expect(s.details?.failures).toEqual([{ tool: "lookup_order", kind: "error" }]);
  });

  it("classifies results", () => {
    expect(resultFailure({ error: "x" }, false)).toBe("error");
    expect(resultFailure('{"error":"x"}', false)).toBe("error");
    expect(resultFailure("[1,2", false)).toBe("malformed");
    expect(resultFailure("   ", false)).toBe("empty");
    expect(resultFailure({ ok: true }, true)).toBe("error");
    expect(resultFailure([], false)).toBeUndefined();
    expect(resultFailure("plain text", false)).toBeUndefined();
    expect(resultFailure({ error: null, data: 1 }, false)).toBeUndefined();
  });

  it("validates patterns", async () => {
    expect((await configError("tool-error-ack", { patterns: [] })).field).toBe("patterns");
    expect((await configError("tool-error-ack", { patterns: ["ok", ""] })).field).toBe("patterns.1");
  });
});
