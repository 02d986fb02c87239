import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../../test/support/synthetic-runs.ts";
import type { Case } from "../../core/case.ts";
import { diffDatasets } from "./diff.ts";
import { datasetVersions } from "./versions.ts";

const c = (id: string, extra: Partial<Case> = {}): Case => ({
  id,
  input: `text of ${id}`,
  tags: {},
  ...extra,
});

describe("diffDatasets", () => {
  it("lists added, removed and changed ids with the fields that changed", () => {
    const a = [c("kept"), c("gone"), c("reworded"), c("retagged", { tags: { level: "simple" } }), c("fixed")];
    const b = [
      c("retagged", { tags: { level: "complex" } }),
      c("kept"),
      c("reworded", { input: "new text" }),
      c("fixed", { expected: { action: "create" } }),
      c("new"),
    ];
    const d = diffDatasets(a, b);
    expect(d.added).toEqual(["new"]);
    expect(d.removed).toEqual(["gone"]);
    expect(d.changed).toEqual(["retagged", "reworded", "fixed"]);
    expect(d.changedFields).toEqual({ retagged: ["tags"], reworded: ["input"], fixed: ["expected"] });
    expect(d.unchanged).toBe(1);
  });

  it("compares content, not how it is written", () => {
    const a = [c("x", { expected: { a: 1, b: [1, 2] } })];
    const b = [c("x", { expected: { b: [1, 2], a: 1 } })];
    expect(diffDatasets(a, b)).toMatchObject({ changed: [], unchanged: 1 });
  });
});

describe("datasetVersions", () => {
  it("groups runs by dataset version with counts, targets and the first and last run", () => {
    const run = (id: string, target: string, version: string, startedAt: string, status = "completed") => ({
      ...syntheticRows({ id, target, datasetVersion: version, cases: [{ id: "c", scores: { q: 1 } }] }).run,
      startedAt,
      status: status as "completed" | "failed",
    });
    const rows = datasetVersions(
      [
        run("r3", "v2", "new", "2025-03-01T00:00:00Z"),
        run("r2", "v1", "old", "2025-02-01T00:00:00Z", "failed"),
        run("r1", "v1", "old", "2025-01-01T00:00:00Z"),
        run("r0", "v2", "old", "2025-01-15T00:00:00Z"),
      ],
      "new",
    );
    expect(rows.map((r) => r.version)).toEqual(["new", "old"]);
    expect(rows[0]).toMatchObject({ runs: 1, completedRuns: 1, current: true, targets: ["v2"] });
    expect(rows[1]).toMatchObject({
      runs: 3,
      completedRuns: 2,
      current: false,
      targets: ["v1", "v2"],
      firstRun: { id: "r1" },
      lastRun: { id: "r2" },
    });
  });
});
