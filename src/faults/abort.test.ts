import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { onAbort, raceAbort } from "./abort.ts";
import { defaultSleep } from "./retry.ts";

/** One real listener per signal, however many calls and waits watch it. */
describe("onAbort", () => {
  it("fans one listener out to every subscriber, each called once", () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const stops = Array.from({ length: 25 }, (_, i) => onAbort(controller.signal, () => calls.push(i)));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    stops[3]();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 25 }, (_, i) => i).filter((i) => i !== 3));
  });

  it("removes the real listener when the last subscriber leaves, and adds one back for the next", () => {
    const controller = new AbortController();
    const stops = Array.from({ length: 12 }, () => onAbort(controller.signal, () => {}));
    for (const stop of stops) stop();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    let heard = false;
    onAbort(controller.signal, () => {
      heard = true;
    });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    expect(heard).toBe(true);
  });

  it("a subscriber that throws does not keep the others from hearing", () => {
    const controller = new AbortController();
    let second = false;
    onAbort(controller.signal, () => {
      throw new Error("boom");
    });
    onAbort(controller.signal, () => {
      second = true;
    });
    controller.abort();
    expect(second).toBe(true);
  });

  it("calls nothing for a signal that has already aborted (as addEventListener)", () => {
    const signal = AbortSignal.abort();
    let called = false;
    onAbort(signal, () => {
      called = true;
    })();
    expect(called).toBe(false);
  });

  it("raceAbort and defaultSleep share the one listener and leave none behind", async () => {
    const controller = new AbortController();
    const pending = Array.from({ length: 15 }, () =>
      raceAbort(new Promise<never>(() => {}), controller.signal, "call"),
    );
    const sleeps = Array.from({ length: 15 }, () => defaultSleep(60_000, controller.signal));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    await Promise.all(sleeps);
    const settled = await Promise.allSettled(pending);
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    const done = new AbortController();
    await raceAbort(Promise.resolve(1), done.signal, "call");
    expect(getEventListeners(done.signal, "abort")).toHaveLength(0);
  });
});
