import { describe, expect, it } from "vitest";
import { configError, output, score } from "./test-support.ts";

describe("cost", () => {
  it("scores 1 when costUsd <= maxUsd", async () => {
    expect((await score("cost", { maxUsd: 0.01 }, output("x", { costUsd: 0.004 }))).reason).toBe(
      "cost $0.0040, within $0.01",
    );
    const dear = await score("cost", { maxUsd: 0.01 }, output("x", { costUsd: 0.25 }));
    expect(dear.score).toBe(0);
    expect(dear.reason).toBe("cost $0.25, over the limit of $0.01");
    expect((await score("cost", { maxUsd: 0 }, output("x", { costUsd: 0 }))).score).toBe(1);
  });

  it("is unscored when the output has no cost", async () => {
    const s = await score("cost", { maxUsd: 0.01 }, output("x"));
    expect(s.score).toBeNull();
    expect(s.reason).toContain("no cost");
  });

  it("requires a non-negative maxUsd", async () => {
    expect((await configError("cost", {})).field).toBe("maxUsd");
    expect((await configError("cost", { maxUsd: -1 })).field).toBe("maxUsd");
  });
});
