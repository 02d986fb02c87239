import { ERROR_CLASSES, type ErrorClass, TargetFailure } from "../core/output.ts";

/**
 * The failure that an aborted call reports. The call policy aborts with a TargetFailure
 * (`timeout` or `cancelled`) as the reason; any other abort counts as a timeout.
 */
export function abortFailure(signal: AbortSignal, what: string): TargetFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof TargetFailure) return reason;
  return new TargetFailure("timeout", `${what} was aborted (timeout)`);
}

/** Empties `fns` and calls each: one's fault must not keep the others from hearing of the abort. */
function callEachOnce(fns: Set<() => void>): void {
  const all = [...fns];
  fns.clear();
  for (const fn of all) {
    try {
      fn();
    } catch {
      // the next one is still told
    }
  }
}

/** Each signal watched through `onAbort`: its subscribers and the one real listener behind them. */
const watched = new WeakMap<AbortSignal, { subscribers: Set<() => void>; fanOut: () => void }>();

/**
 * Calls `listener` once when `signal` aborts; returns the function that stops listening.
 *
 * A run's signal is watched by every call in flight and every retry wait at the same time. One
 * `addEventListener` each would put more than 10 listeners on one AbortSignal at concurrency 11
 * and up, and Node prints a MaxListenersExceededWarning. So each signal gets one real listener
 * that fans out to a set of subscribers; it is removed when the last subscriber leaves, so a
 * long-lived signal holds nothing between calls. Like `addEventListener`, nothing is called for a
 * signal that has already aborted: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) return () => {};
  let entry = watched.get(signal);
  if (!entry) {
    const subscribers = new Set<() => void>();
    const fanOut = () => {
      watched.delete(signal);
      callEachOnce(subscribers);
    };
    entry = { subscribers, fanOut };
    watched.set(signal, entry);
    signal.addEventListener("abort", fanOut, { once: true });
  }
  const { subscribers, fanOut } = entry;
  const once = () => listener();
  subscribers.add(once);
  return () => {
    if (!subscribers.delete(once) || subscribers.size > 0) return;
    // the last subscriber left: drop the real listener too
    signal.removeEventListener("abort", fanOut);
    if (watched.get(signal)?.subscribers === subscribers) watched.delete(signal);
  };
}

/** The hooks of signals made by `abortable`, told by its abort() directly. */
const hooked = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * An AbortController whose abort() also calls the `whenAborted` hooks on its signal directly: the
 * call policy's signal per attempt, which the HTTP transport watches for every request. Node's
 * own way (an EventTarget listener added and removed per request, which `http.request` does when
 * given a signal) cost some 2% of a fast run's CPU. Listeners on the signal still hear the abort.
 */
export function abortable(): { signal: AbortSignal; abort(reason: unknown): void } {
  const controller = new AbortController();
  const hooks = new Set<() => void>();
  hooked.set(controller.signal, hooks);
  return {
    signal: controller.signal,
    abort(reason) {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      callEachOnce(hooks);
    },
  };
}

/**
 * Calls `fn` once when `signal` aborts; returns the function that stops watching. A signal made
 * by `abortable` is watched through its hooks, any other through `onAbort`. Like onAbort, nothing
 * is called for a signal that has already aborted: check `signal.aborted` first.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  const hooks = hooked.get(signal);
  if (!hooks) return onAbort(signal, fn);
  if (signal.aborted) return () => {};
  hooks.add(fn);
  return () => {
    hooks.delete(fn);
  };
}

/**
 * Settles with `promise`, or rejects with the abort failure as soon as `signal` aborts, so that a
 * target which ignores its signal cannot hold a call past its timeout.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortFailure(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => {
      promise.catch(() => {});
      reject(abortFailure(signal, what));
    });
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (err: unknown) => {
        stop();
        reject(err);
      },
    );
  });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/**
 * The error as a TargetFailure, also when it comes from another copy of this module (a user's
 * module loaded through its own loader throws a TargetFailure that is not `instanceof` ours).
 */
export function asTargetFailure(err: unknown): TargetFailure | undefined {
  if (err instanceof TargetFailure) return err;
  if (!(err instanceof Error) || err.name !== "TargetFailure") return undefined;
  const e = err as Error & { errorClass?: unknown; status?: unknown; retryAfterMs?: unknown };
  if (typeof e.errorClass !== "string" || !(ERROR_CLASSES as readonly string[]).includes(e.errorClass))
    return undefined;
  return new TargetFailure(e.errorClass as ErrorClass, e.message, {
    status: typeof e.status === "number" ? e.status : undefined,
    retryAfterMs: typeof e.retryAfterMs === "number" ? e.retryAfterMs : undefined,
    cause: err,
  });
}
