import { describe, expect, it } from "vitest";
import { configError, output, score } from "./test-support.ts";

describe("latency", () => {
  it("scores 1 when latencyMs <= maxMs", async () => {
    expect((await score("latency", { maxMs: 500 }, output("x", { latencyMs: 500 }))).score).toBe(1);
    const slow = await score("latency", { maxMs: 500 }, output("x", { latencyMs: 501.4 }));
    expect(slow.score).toBe(0);
    expect(slow.reason).toBe("501 ms, over the limit of 500 ms");
  });

  it("is unscored when the output has no usable latency", async () => {
    expect((await score("latency", { maxMs: 500 }, output("x", { latencyMs: Number.NaN }))).score).toBeNull();
  });

  it("requires a positive maxMs", async () => {
    expect((await configError("latency", {})).field).toBe("maxMs");
    expect((await configError("latency", { maxMs: 0 })).message).toContain("greater than 0");
    expect((await configError("latency", { maxMs: "2s" })).field).toBe("maxMs");
  });
});
