import { onAbort } from "../faults/abort.ts";
import type { RateGate } from "../targets/policy.ts";

/**
 * Pacing by reservation (GCRA without burst): each caller reserves the next free start instant,
 * `interval` after the previous reservation, and waits until it. Calls are spread evenly, never
 * bunched, so "20 per second" holds in every window, not just on average. A 429 pushes the next
 * free instant past its Retry-After (every caller waits) and slows the pace; the pace recovers
 * gradually as calls go through. The same arithmetic runs in Redis for queue workers
 * (src/queue/redis-gate.ts), where the state is shared by every worker on every machine.
 */
export interface PaceState {
  /** the next free start instant, ms */
  nextAt: number;
  /** the pace's slowdown after 429s: 1 = as configured, up to MAX_SLOWDOWN */
  slowdown: number;
}

export const MAX_SLOWDOWN = 16;
/** each call that goes through takes this share off the slowdown (≈ 35 calls halve it) */
const RECOVERY = 0.98;
/** the pause after a 429 that names no Retry-After */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 1000;

/** Reserves the next start instant at `now`; returns the new state and how long to wait. */
export function reserve(
  state: PaceState,
  now: number,
  intervalMs: number,
): { state: PaceState; waitMs: number } {
  const at = Math.max(state.nextAt, now);
  return {
    state: { nextAt: at + intervalMs * state.slowdown, slowdown: Math.max(1, state.slowdown * RECOVERY) },
    waitMs: at - now,
  };
}

/** A 429 at `now`: nobody starts before its Retry-After, and the pace halves. */
export function penalize(state: PaceState, now: number, retryAfterMs: number | undefined): PaceState {
  return {
    nextAt: Math.max(state.nextAt, now + (retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS)),
    slowdown: Math.min(MAX_SLOWDOWN, state.slowdown * 2),
  };
}

/**
 * A gate for the targets of one process (`rateLimit` without a queue). Waiters leave in FIFO
 * order, each one interval after the previous one *actually* left: a stalled event loop delays
 * the schedule rather than releasing the overdue callers together, so the limit holds in every
 * window as the target sees it.
 */
export function localRateGate(perSecond: number, now: () => number = () => performance.now()): RateGate {
  const intervalMs = 1000 / perSecond;
  let state: PaceState = { nextAt: Number.NEGATIVE_INFINITY, slowdown: 1 };
  const waiting: Array<{ go(): void; signal?: AbortSignal }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const pump = () => {
    timer = undefined;
    for (;;) {
      while (waiting.length > 0 && waiting[0].signal?.aborted) waiting.shift()?.go();
      if (waiting.length === 0) return;
      const t = now();
      if (t < state.nextAt) {
        timer = setTimeout(pump, Math.ceil(state.nextAt - t));
        return;
      }
      state = reserve(state, t, intervalMs).state;
      waiting.shift()?.go();
    }
  };

  return {
    acquire(signal) {
      return new Promise<void>((resolve, reject) => {
        // one shared listener per signal (onAbort), not one per waiter: many callers wait at once
        let stopWatching: (() => void) | undefined;
        const waiter = {
          signal,
          go: () => {
            stopWatching?.();
            if (signal?.aborted) reject(signal.reason ?? new Error("aborted"));
            else resolve();
          },
        };
        if (signal) {
          stopWatching = onAbort(signal, () => {
            const i = waiting.indexOf(waiter);
            if (i >= 0) waiting.splice(i, 1);
            waiter.go();
          });
        }
        waiting.push(waiter);
        if (timer === undefined) pump();
      });
    },
    rateLimited(retryAfterMs) {
      state = penalize(state, now(), retryAfterMs);
      if (timer !== undefined) {
        clearTimeout(timer);
        pump();
      }
    },
  };
}

/** One gate per budget: targets naming the same `rateLimit.group` share it. */
export function gatesFor<T extends { id: string; rateLimit?: { perSecond: number; group?: string } }>(
  specs: T[],
  make: (group: string, perSecond: number) => RateGate,
): Map<string, RateGate> {
  const byGroup = new Map<string, RateGate>();
  const byTarget = new Map<string, RateGate>();
  for (const spec of specs) {
    if (!spec.rateLimit) continue;
    const group = spec.rateLimit.group ?? spec.id;
    let gate = byGroup.get(group);
    if (!gate) {
      gate = make(group, spec.rateLimit.perSecond);
      byGroup.set(group, gate);
    }
    byTarget.set(spec.id, gate);
  }
  return byTarget;
}
