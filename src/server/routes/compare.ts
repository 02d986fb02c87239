import type { Hono } from "hono";
import { compareRuns } from "../../compare/compare.ts";
import type { CompareResponse } from "../api-types.ts";
import type { RouteContext } from "./context.ts";

const COMPARE_CACHE = 8;

/** The paired comparison of two runs. */
export function compareRoutes(app: Hono, { cache, runOf }: RouteContext): void {
  const compareCache = new Map<string, Promise<CompareResponse>>();

  app.get("/api/compare/:base/:candidate", async (c) => {
    const [base, candidate] = await Promise.all([
      runOf(c.req.param("base")),
      runOf(c.req.param("candidate")),
    ]);
    const intersect = ["1", "true", ""].includes(c.req.query("intersect") ?? "no");
    const key = JSON.stringify([
      base.id,
      candidate.id,
      intersect,
      base.finishedAt,
      candidate.finishedAt,
      base.status,
      candidate.status,
    ]);
    let pending = compareCache.get(key);
    if (!pending) {
      pending = (async () => {
        const [b, k] = await Promise.all([cache.get(base), cache.get(candidate)]);
        const { flips, ...comparison } = compareRuns(b.rows, k.rows, { intersect });
        return { flips, ...comparison, runs: { base, candidate } };
      })();
      compareCache.set(key, pending);
      pending.catch(() => compareCache.delete(key));
      while (compareCache.size > COMPARE_CACHE)
        compareCache.delete(compareCache.keys().next().value as string);
    }
    return c.json(await pending);
  });
}
