import { describe, expect, it } from "vitest";
import { gatesFor, MAX_SLOWDOWN, penalize, reserve } from "./rate-gate.ts";

describe("pacing by reservation", () => {
  it("spaces reservations one interval apart, never bunched", () => {
    let state = { nextAt: Number.NEGATIVE_INFINITY, slowdown: 1 };
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = reserve(state, 1000, 50);
      state = r.state;
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 50, 100, 150, 200]);
  });

  it("an idle gap is not saved up as a burst", () => {
    let state = reserve({ nextAt: Number.NEGATIVE_INFINITY, slowdown: 1 }, 0, 50).state;
    const later = reserve(state, 10_000, 50);
    expect(later.waitMs).toBe(0);
    state = later.state;
    expect(reserve(state, 10_000, 50).waitMs).toBe(50);
  });

  it("a 429 holds everyone past Retry-After and slows the pace, which recovers as calls pass", () => {
    let state = penalize({ nextAt: 0, slowdown: 1 }, 1000, 2000);
    expect(state.nextAt).toBe(3000);
    expect(state.slowdown).toBe(2);
    const r = reserve(state, 1000, 50);
    expect(r.waitMs).toBe(2000);
    expect(r.state.nextAt).toBe(3000 + 100);
    state = r.state;
    for (let i = 0; i < 200; i++) state = reserve(state, 0, 50).state;
    expect(state.slowdown).toBe(1);
    let worst = { nextAt: 0, slowdown: 1 };
    for (let i = 0; i < 10; i++) worst = penalize(worst, 0, undefined);
    expect(worst.slowdown).toBe(MAX_SLOWDOWN);
    expect(worst.nextAt).toBe(1000);
  });

  it("targets naming one group share one gate", () => {
    let made = 0;
    const gates = gatesFor(
      [
        { id: "a", rateLimit: { perSecond: 5, group: "acct" } },
        { id: "b", rateLimit: { perSecond: 5, group: "acct" } },
        { id: "c", rateLimit: { perSecond: 1 } },
        { id: "d" },
      ],
      () => {
        made++;
        return { acquire: async () => {}, rateLimited: () => {} };
      },
    );
    expect(made).toBe(2);
    expect(gates.get("a")).toBe(gates.get("b"));
    expect(gates.get("c")).not.toBe(gates.get("a"));
    expect(gates.has("d")).toBe(false);
  });
});
