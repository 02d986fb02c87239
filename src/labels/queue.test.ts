import { describe, expect, it } from "vitest";
import { createRng } from "../stats/index.ts";
import type { RunRecord, StoredCase, StoredOutput } from "../store/types.ts";
import { allocate, buildQueue, NO_TAG } from "./queue.ts";

function rows(n: number, tag: (i: number) => string | undefined, runId = "r1") {
  const cases: StoredCase[] = Array.from({ length: n }, (_, i) => {
    const t = tag(i);
    const tags: Record<string, string> = t === undefined ? {} : { cat: t };
    return {
      id: `c${i}`,
      input: `q${i}`,
      tags,
      datasetVersion: "dv",
      ordinal: i,
    };
  });
  const outputs: StoredOutput[] = cases.map((c) => ({
    runId,
    caseId: c.id,
    epoch: 0,
    createdAt: "2025-01-01T00:00:00.000Z",
    text: `out ${c.id}`,
    latencyMs: 1,
    attempts: 1,
  }));
  const run = {
    id: runId,
    dimensions: { quality: { evaluator: "llm-judge@1", kind: "llm-judge", weight: 1, threshold: 0.5 } },
  } as unknown as RunRecord;
  return { run, cases, outputs };
}

describe("allocate", () => {
  it("gives every stratum one and the rest in proportion, capped at size", () => {
    const rng = createRng(1);
    const a = allocate(
      new Map([
        ["big", 80],
        ["mid", 15],
        ["tiny", 1],
      ]),
      20,
      rng,
    );
    expect([...a.values()].reduce((s, v) => s + v, 0)).toBe(20);
    expect(a.get("tiny")).toBe(1);
    expect(a.get("big")).toBeGreaterThan(a.get("mid") as number);
    const all = allocate(
      new Map([
        ["x", 2],
        ["y", 3],
      ]),
      50,
      rng,
    );
    expect(all.get("x")).toBe(2);
    expect(all.get("y")).toBe(3);
  });
});

describe("buildQueue", () => {
  const cats = ["billing", "shipping", "returns", "other"];
  const data = rows(100, (i) => (i % 10 === 9 ? undefined : cats[i % 3 === 0 && i % 2 === 0 ? 3 : i % 3]));

  it("draws a stratified sample that covers every tag value", () => {
    const s = buildQueue({
      ...data,
      dimension: "quality",
      kind: "binary",
      sample: 12,
      stratifyBy: "cat",
      seed: 5,
    });
    expect(s.queue.items).toHaveLength(12);
    const byId = new Map(data.cases.map((c) => [c.id, c.tags.cat ?? NO_TAG]));
    const seen = new Set(s.queue.items.map((i) => byId.get(i.caseId)));
    expect(seen).toEqual(new Set([...cats, NO_TAG]));
    expect(new Set(s.queue.items.map((i) => i.caseId)).size).toBe(12);
  });

  it("is reproducible from its seed", () => {
    const spec = {
      ...data,
      dimension: "quality",
      kind: "binary" as const,
      sample: 10,
      seed: "abc",
      labellers: ["a", "b", "c"],
      overlap: 0.3,
    };
    const one = buildQueue({ ...spec, id: "q", now: new Date(0) });
    const two = buildQueue({ ...spec, id: "q", now: new Date(0) });
    expect(one.queue).toEqual(two.queue);
    expect(buildQueue({ ...spec, seed: "abd", id: "q", now: new Date(0) }).queue).not.toEqual(one.queue);
  });

  it("gives overlap items to two labellers and balances the load", () => {
    const s = buildQueue({
      ...data,
      dimension: "quality",
      kind: "binary",
      sample: 20,
      seed: 9,
      labellers: ["ann", "bob"],
      overlap: 0.25,
    });
    const doubles = s.queue.items.filter((i) => i.labellers.length === 2);
    expect(doubles).toHaveLength(5);
    expect(s.queue.items.every((i) => i.labellers.length >= 1)).toBe(true);
    expect(Math.abs(s.load.ann - s.load.bob)).toBeLessThanOrEqual(1);
    expect(s.load.ann + s.load.bob).toBe(25);
  });

  it("pairwise queues need the other run's output and flip a seeded coin per item", () => {
    const other = rows(100, () => "x", "r2");
    other.outputs[3].error = { class: "server-error", message: "boom" };
    const s = buildQueue({
      ...data,
      dimension: "quality",
      kind: "binary",
      other: { run: other.run, outputs: other.outputs },
      seed: 2,
    });
    expect(s.queue.kind).toBe("pairwise");
    expect(s.queue.otherRunId).toBe("r2");
    expect(s.queue.items).toHaveLength(99);
    const swapped = s.queue.items.filter((i) => i.swapped).length;
    expect(swapped).toBeGreaterThan(30);
    expect(swapped).toBeLessThan(70);
    expect(s.queue.items.every((i) => typeof i.swapped === "boolean")).toBe(true);
  });
});
