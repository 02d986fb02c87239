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
    const onAbort = () => {
      promise.catch(() => {});
      reject(abortFailure(signal, what));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
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
