import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRun } from "../../test/support/synthetic-runs.ts";
import { tempDir } from "../../test/support/temp.ts";
import { InputError } from "../config/errors.ts";
import { loadSuite } from "../config/load.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/types.ts";
import { defaultCandidate, gateConfigOf, resolveBaseline } from "./load.ts";

const HEAD = [
  "suite: s",
  "dataset: cases.jsonl",
  "targets:",
  "  - id: old",
  "    module: t.ts",
  "  - id: new",
  "    module: t.ts",
  "dimensions:",
  "  correct: { evaluator: json-field, with: { field: a } }",
  "gate:",
];

describe("gateConfigOf", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir("assay-gate-config-");
  });
  afterAll(() => tmp.remove());
  const configOf = async (gate: string[]) => {
    tmp.write("assay.yaml", [...HEAD, ...gate, ""].join("\n"));
    return gateConfigOf(await loadSuite(tmp.dir));
  };
  const errorOf = async (gate: string[]) => {
    try {
      await configOf(gate);
    } catch (err) {
      return err as InputError;
    }
    throw new Error("expected an error");
  };

  it("applies defaults", async () => {
    expect(await configOf(["  maxRegression: 0.02"])).toEqual({
      maxRegression: 0.02,
      floorOn: "mean",
      alpha: 0.05,
    });
  });

  it("reports an unknown key at its own line and column, with its field path", async () => {
    const err = await errorOf(["  maxRegression: 0.02", "  maxRegresion: 0.02"]);
    expect(err).toBeInstanceOf(InputError);
    expect(err.line).toBe(HEAD.length + 2);
    expect(err.column).toBe(3);
    expect(err.field).toBe("gate.maxRegresion");
    expect(err.message).toMatch(/assay\.yaml:12:3 gate\.maxRegresion: unknown field "maxRegresion"/);
  });

  it("reports a nested unknown key (a block value) at the key, not at the block below it", async () => {
    const err = await errorOf(["  latency:", "    p95Ms: 100", "    p99:", "      ms: 5"]);
    expect(err.field).toBe("gate.latency.p99");
    expect(err.line).toBe(HEAD.length + 3);
    expect(err.column).toBe(5);
  });

  it("reports a floor on an unknown dimension and a bad value at their lines", async () => {
    const floor = await errorOf(["  floors:", "    aggregate: 0.5", "    corect: 0.9"]);
    expect(floor.field).toBe("gate.floors.corect");
    expect(floor.line).toBe(HEAD.length + 3);
    expect(floor.message).toMatch(/no dimension "corect" \(dimensions: correct, or aggregate\)/);
    const range = await errorOf(["  maxRegression: 2"]);
    expect(range.field).toBe("gate.maxRegression");
    expect(range.line).toBe(HEAD.length + 1);
    const tag = await errorOf(["  regressionSet: { tag: nokey }"]);
    expect(tag.field).toBe("gate.regressionSet.tag");
  });
});

describe("resolveBaseline and defaultCandidate", () => {
  let store: Store;
  const at = (m: number) => new Date(Date.UTC(2025, 1, 1, 0, m)).toISOString();
  const cases = [{ id: "a", scores: { correct: 1 } }];
  beforeAll(async () => {
    store = openSqliteStore(":memory:");
    const run = (id: string, target: string, m: number, over: Record<string, unknown> = {}) =>
      makeRun(store, { id, suite: "s", target, startedAt: at(m), datasetVersion: "dv-1", cases, ...over });
    await run("old-1", "old", 0);
    await run("old-2", "old", 1);
    await run("old-running", "old", 2, { status: "running" });
    await run("old-dv2", "old", 3, { datasetVersion: "dv-2" });
    await run("new-1", "new", 4, { tags: ["main"] });
    await run("new-2", "new", 5);
    await run("other-suite", "new", 6, { suite: "t" });
  });
  afterAll(() => store.close());

  it("a target id resolves to its latest completed run on the candidate's dataset version", async () => {
    const cand = (await store.getRun("new-2"))!;
    expect((await resolveBaseline(store, "old", cand, ["old", "new"])).id).toBe("old-2");
    // a target whose only runs are on another version is an error naming it
    const dv2 = (await store.getRun("old-dv2"))!;
    await expect(resolveBaseline(store, "new", dv2, ["old", "new"])).rejects.toThrow(/"new".*dv-2/);
  });

  it("never resolves a target baseline to the candidate itself", async () => {
    const cand = (await store.getRun("new-2"))!;
    expect((await resolveBaseline(store, "new", cand, ["old", "new"])).id).toBe("new-1");
  });

  it("a tag or run id resolves within the suite", async () => {
    const cand = (await store.getRun("new-2"))!;
    expect((await resolveBaseline(store, "main", cand, ["old", "new"])).id).toBe("new-1");
    expect((await resolveBaseline(store, "old-1", cand, ["old", "new"])).id).toBe("old-1");
  });

  it("the default candidate is the newest completed run of the suite not of the baseline target", async () => {
    expect((await defaultCandidate(store, "s", "old")).id).toBe("new-2");
    expect((await defaultCandidate(store, "s", "new")).id).toBe("old-dv2");
    await expect(defaultCandidate(store, "nope")).rejects.toThrow(/no completed run/);
  });
});
