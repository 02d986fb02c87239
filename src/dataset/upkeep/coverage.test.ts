import { describe, expect, it } from "vitest";
import { suiteSchema } from "../../config/schema.ts";
import { coverageTargetsOf, datasetCoverage } from "./coverage.ts";

const tagged = (counts: Array<[Record<string, string>, number]>) =>
  counts.flatMap(([tags, n]) => Array.from({ length: n }, () => ({ tags })));

describe("datasetCoverage", () => {
  const cases = tagged([
    [{ level: "simple", category: "a" }, 5],
    [{ level: "simple", category: "b" }, 3],
    [{ level: "complex", category: "a" }, 1],
    [{ category: "b" }, 1],
  ]);

  it("counts each tag value as a share of all cases, and the cases without the key", () => {
    const r = datasetCoverage(cases);
    expect(r.cases).toBe(10);
    expect(r.keys.level.values).toEqual({
      complex: { count: 1, share: 0.1 },
      simple: { count: 8, share: 0.8 },
    });
    expect(r.keys.level.missing).toBe(1);
    expect(r.keys.category.values.b).toEqual({ count: 4, share: 0.4 });
    expect(r.flagged).toEqual([]);
    expect(r.targets).toBeUndefined();
  });

  it("crosses every pair of keys and names the empty cells", () => {
    const [cross] = datasetCoverage(cases).crossed;
    expect(cross.keys).toEqual(["category", "level"]);
    expect(cross.cells).toEqual({
      "category=a,level=complex": 1,
      "category=a,level=simple": 5,
      "category=b,level=simple": 3,
    });
    expect(cross.empty).toEqual(["category=b,level=complex"]);
  });

  it("flags shares off their target by more than the tolerance, and unlisted values of a complete mix", () => {
    const r = datasetCoverage(cases, {
      tolerance: 0.05,
      keys: { level: { simple: 0.75, complex: 0.25 }, category: { a: 0.6 } },
    });
    const byName = Object.fromEntries((r.targets?.checks ?? []).map((c) => [`${c.key}=${c.value}`, c]));
    expect(byName["level=simple"].flagged).toBe(false); // 0.80 vs 0.75: exactly the tolerance
    expect(byName["level=complex"]).toMatchObject({ actual: 0.1, target: 0.25, flagged: true });
    expect(byName["level=complex"].off).toBeCloseTo(-0.15, 12);
    expect(byName["category=a"].flagged).toBe(false);
    // category's targets add up to 0.6: b is not checked
    expect(byName["category=b"]).toBeUndefined();
    expect(r.flagged.map((c) => `${c.key}=${c.value}`)).toEqual(["level=complex"]);
  });

  it("expects 0 of a value a complete mix does not list", () => {
    const r = datasetCoverage(cases, { tolerance: 0.05, keys: { level: { simple: 1 } } });
    expect(r.flagged).toMatchObject([
      { key: "level", value: "simple", target: 1, actual: 0.8 },
      { key: "level", value: "complex", target: 0, actual: 0.1 },
    ]);
  });
});

describe("the suite's coverage key", () => {
  const suite = {
    suite: "s",
    dataset: "d.jsonl",
    targets: [{ id: "t", module: "t.mjs" }],
    dimensions: { d: { evaluator: "equals" } },
  };

  it("takes the issue's shape, with a default tolerance", () => {
    const parsed = suiteSchema.parse({
      ...suite,
      coverage: { level: { simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1 } },
    });
    expect(coverageTargetsOf(parsed.coverage)).toEqual({
      tolerance: 0.05,
      keys: { level: { simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1 } },
    });
    expect(coverageTargetsOf(undefined)).toBeUndefined();
  });

  it("refuses shares above 1 in total, out of range, and a bad tolerance", () => {
    const fails = (coverage: unknown) => !suiteSchema.safeParse({ ...suite, coverage }).success;
    expect(fails({ level: { simple: 0.8, complex: 0.4 } })).toBe(true);
    expect(fails({ level: { simple: 1.5 } })).toBe(true);
    expect(fails({ level: 0.4 })).toBe(true);
    expect(fails({ tolerance: 0, level: { simple: 0.4 } })).toBe(true);
    expect(fails({ tolerance: 0.1, level: { simple: 0.4 } })).toBe(false);
  });
});
