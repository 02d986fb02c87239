import { describe, expect, it } from "vitest";
import type { ScoredRecord } from "../store/production.ts";
import { groupWindows, sliceKeys, summariseWindow, windowComplete } from "./windows.ts";

function rec(
  id: string,
  time: string,
  score: number | null,
  metadata: Record<string, unknown> = {},
): ScoredRecord {
  return {
    recordId: id,
    recordTime: time,
    metadata,
    scores: [
      {
        monitor: "m",
        recordId: id,
        recordTime: time,
        dimension: "d",
        evaluator: "e@1",
        score,
        passed: score === null ? null : score >= 0.5,
        reason: "",
      },
    ],
  };
}

describe("monitor windows", () => {
  const records = [
    rec("a", "2026-12-07T09:59:59.000Z", 1, { region: "eu" }),
    rec("b", "2026-12-07T10:00:00.000Z", 0, { region: "us" }),
    rec("c", "2026-12-07T10:30:00.000Z", 1, { region: "eu" }),
    rec("d", "2026-12-08T00:10:00.000Z", null, { region: "eu" }),
  ];

  it("groups by UTC hour and day, with exclusive ends", () => {
    const hours = groupWindows(records, "hour");
    expect(hours.map((w) => [w.start, w.end, w.records.map((r) => r.recordId).join("")])).toEqual([
      ["2026-12-07T09:00:00.000Z", "2026-12-07T10:00:00.000Z", "a"],
      ["2026-12-07T10:00:00.000Z", "2026-12-07T11:00:00.000Z", "bc"],
      ["2026-12-08T00:00:00.000Z", "2026-12-08T01:00:00.000Z", "d"],
    ]);
    const days = groupWindows(records, "day");
    expect(days.map((w) => w.records.length)).toEqual([3, 1]);
    expect(windowComplete(days[0], "day", new Date("2026-12-08T00:00:00.000Z"))).toBe(true);
    expect(windowComplete(days[1], "day", new Date("2026-12-08T12:00:00.000Z"))).toBe(false);
  });

  it("groups by record count, the last window open until it is full", () => {
    const ws = groupWindows(records, 3);
    expect(ws.map((w) => w.records.length)).toEqual([3, 1]);
    expect(ws[0].start).toBe(records[0].recordTime);
    expect(ws[0].end).toBe(records[2].recordTime);
    expect(windowComplete(ws[0], 3, new Date())).toBe(true);
    expect(windowComplete(ws[1], 3, new Date())).toBe(false);
  });

  it("summarises a window with a t interval on the mean, Wilson on the pass rate, and unscored apart", () => {
    const [w] = groupWindows(records, 4);
    const s = summariseWindow(w, ["d"], sliceKeys(records));
    const d = s.dimensions.d;
    expect(d).toMatchObject({ n: 3, passes: 2, unscored: 1 });
    expect(d.mean).toBeCloseTo(2 / 3, 12);
    // t interval for [1, 0, 1]: mean ± t(0.975, 2) · sd/√3, clipped to [0, 1]
    const half = 4.302652729749464 * (Math.sqrt(1 / 3) / Math.sqrt(3));
    expect(d.ci).toEqual([Math.max(0, 2 / 3 - half), Math.min(1, 2 / 3 + half)]);
    expect(d.passRate).toBeCloseTo(2 / 3, 12);
    // Wilson (no continuity correction), computed apart with Python's statistics.NormalDist
    expect(d.passCi?.[0]).toBeCloseTo(0.20765960080204782, 12);
    expect(d.passCi?.[1]).toBeCloseTo(0.9385080552796038, 12);
    expect(Object.keys(s.slices ?? {})).toEqual(["region=eu", "region=us"]);
    expect(s.slices?.["region=eu"].d).toMatchObject({ n: 2, passes: 2, unscored: 1 });
  });
});
