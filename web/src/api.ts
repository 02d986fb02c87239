import { useCallback, useEffect, useState } from "react";

export type * from "../../src/server/api-types.ts";

/** An answer from the API that is not 2xx, with the server's message. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message =
      body && typeof body === "object" && "error" in body && typeof body.error === "string"
        ? body.error
        : `${res.status} ${res.statusText}`;
    throw new ApiFailure(message, res.status);
  }
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { signal, headers: { Accept: "application/json" } }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Fetches `path` (null: nothing) and refetches when it changes; stale answers are dropped. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: path !== null,
  });
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: nonce forces a refetch
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    getJson<T>(path, ctl.signal).then(
      (data) => setState({ data, loading: false }),
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setState({ error: err instanceof Error ? err.message : String(err), loading: false });
      },
    );
    return () => ctl.abort();
  }, [path, nonce]);
  return { ...state, reload };
}

export const enc = encodeURIComponent;
