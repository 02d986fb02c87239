import type { Hono } from "hono";
import { readPush, storePush } from "../push/accept.ts";
import { receiveBody } from "../push/receive.ts";
import { requireBearer } from "../security.ts";
import type { RouteContext } from "./context.ts";

export const PUSH_PATH = "/api/push";

export interface PushRouteOptions {
  /** the server's token: a push must carry it as `Authorization: Bearer` */
  token: string;
  maxBytes: number;
}

/**
 * Runs one task per key at a time: two pushes of the same run (a CI retry racing the first try)
 * would otherwise both find it missing and both write it.
 */
function oneAtATime(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(task);
    tails.set(key, next);
    const forget = () => {
      if (tails.get(key) === next) tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  };
}

/** `POST /api/push`: a run uploaded by `assay push` (see push/accept.ts for what is checked). */
export function pushRoutes(app: Hono, { store }: RouteContext, opts: PushRouteOptions): void {
  const serial = oneAtATime();
  app.post(PUSH_PATH, requireBearer(opts.token), async (c) => {
    const body = await receiveBody(c.req.raw, opts.maxBytes);
    try {
      const pushed = await readPush(body.file);
      const outcome = await serial(pushed.header.run.id, () => storePush(store, pushed));
      return c.json(outcome, outcome.status === "imported" ? 201 : 200);
    } finally {
      await body.remove();
    }
  });
}
