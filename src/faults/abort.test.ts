import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { abortable, onAbort, raceAbort, whenAborted } from "./abort.ts";
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

describe("abortable and whenAborted", () => {
  it("tell the hooks on abort without an EventTarget listener; listeners on the signal still hear it", () => {
    const { signal, abort } = abortable();
    const told: string[] = [];
    const stopA = whenAborted(signal, () => told.push("a"));
    whenAborted(signal, () => told.push("b"));
    const stopC = whenAborted(signal, () => told.push("c"));
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    stopC();
    signal.addEventListener("abort", () => told.push("listener"));
    abort("why");
    abort("again");
    expect(signal.reason).toBe("why");
    expect(told.sort()).toEqual(["a", "b", "listener"]);
    stopA(); // after the abort: a no-op
    expect(whenAborted(signal, () => told.push("late"))).toBeTypeOf("function");
    expect(told).not.toContain("late");
  });

  it("a hook that throws does not keep the others from hearing", () => {
    const { signal, abort } = abortable();
    const told: string[] = [];
    whenAborted(signal, () => {
      throw new Error("boom");
    });
    whenAborted(signal, () => told.push("after"));
    abort(new Error("stop"));
    expect(told).toEqual(["after"]);
  });

  it("watch any other signal through one listener (onAbort), removed when the watcher stops", () => {
    const controller = new AbortController();
    let told = 0;
    const stop = whenAborted(controller.signal, () => told++);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    stop();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    whenAborted(controller.signal, () => told++);
    controller.abort();
    expect(told).toBe(1);
  });
});
