import { describe, expect, it } from "vitest";
import type { LabelRecord, ReviewQueue } from "../../store/types.ts";
import { queueProgress } from "./review.ts";

const queue: ReviewQueue = {
  id: "q",
  runId: "r",
  dimension: "tone",
  kind: "binary",
  labellers: ["ann", "bob"],
  createdAt: "2025-01-01T00:00:00.000Z",
  items: [
    { caseId: "a", epoch: 0, labellers: ["ann"] },
    { caseId: "b", epoch: 0, labellers: ["ann", "bob"] },
    { caseId: "c", epoch: 0, labellers: ["bob"] },
    { caseId: "d", epoch: 0, labellers: [] },
  ],
};

const label = (labeller: string, caseId: string, dimension = "tone"): LabelRecord => ({
  id: `${labeller}-${caseId}-${dimension}`,
  runId: "r",
  caseId,
  epoch: 0,
  dimension,
  kind: "binary",
  value: 1,
  labeller,
  createdAt: "2025-01-02T00:00:00.000Z",
  queueId: "q",
});

describe("queueProgress", () => {
  it("counts each labeller's labelled items among those asked of them", () => {
    const progress = queueProgress(queue, [
      label("ann", "a"),
      label("ann", "c"), // not asked of ann: not counted for her
      label("bob", "b"),
      label("bob", "c", "@failure"), // a flag is not a label of the queue's dimension
      label("cy", "d"), // not assigned: every item is hers to label
    ]);
    expect(progress).toEqual([
      { labeller: "ann", assigned: 3, labelled: 1 },
      { labeller: "bob", assigned: 3, labelled: 1 },
      { labeller: "cy", assigned: 4, labelled: 1 },
    ]);
  });

  it("lists the assigned labellers before anyone has labelled", () => {
    expect(queueProgress(queue, [])).toEqual([
      { labeller: "ann", assigned: 3, labelled: 0 },
      { labeller: "bob", assigned: 3, labelled: 0 },
    ]);
  });
});
