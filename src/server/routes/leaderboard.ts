import type { Hono } from "hono";
import { buildLeaderboard } from "../../compare/leaderboard.ts";
import { loadRunRows } from "../../compare/load.ts";
import type { RunRecord } from "../../store/types.ts";
import type { LeaderboardResponse } from "../api-types.ts";
import { BadRequest } from "../http.ts";
import { suiteOperatingOptions } from "../operating.ts";
import type { RouteContext } from "./context.ts";

/** Runs one leaderboard takes at most (each is read whole). */
const MAX_RUNS = 64;
const KEPT = 4;

/** What a leaderboard depends on: each run's identity, state and score set, and the volume. */
function boardKey(runs: RunRecord[], volume: number | undefined): string {
  return JSON.stringify([runs.map((r) => [r.id, r.status, r.finishedAt, r.scoreSet]), volume]);
}

/**
 * `GET /api/leaderboard?runs=A,B,C`: several runs of one dataset side by side, as `assay compare A B
 * C` prints it (paired tests against the best, Holm, the Pareto front, main effects of a variant
 * matrix), with cost a month at the suite's `volume` when its suite file says one.
 */
export function leaderboardRoutes(app: Hono, { store, runOf }: RouteContext): void {
  const boards = new Map<string, Promise<LeaderboardResponse>>();

  app.get("/api/leaderboard", async (c) => {
    const refs = (c.req.query("runs") ?? "")
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
    if (refs.length < 2) throw new BadRequest("runs=A,B,… names the runs of the leaderboard (two or more)");
    if (refs.length > MAX_RUNS) throw new BadRequest(`a leaderboard takes at most ${MAX_RUNS} runs`);
    const runs = await Promise.all(refs.map((r) => runOf(r)));
    if (new Set(runs.map((r) => r.id)).size !== runs.length) {
      throw new BadRequest("a run is named twice in runs=");
    }
    let volume: number | undefined;
    for (const r of runs) volume ??= (await suiteOperatingOptions(r)).volume?.perMonth;
    const key = boardKey(runs, volume);
    let pending = boards.get(key);
    if (!pending) {
      pending = (async () => {
        const rows = await Promise.all(runs.map((r) => loadRunRows(store, r)));
        return { ...buildLeaderboard(rows, { volume }), records: runs };
      })();
      boards.set(key, pending);
      pending.catch(() => boards.delete(key));
      while (boards.size > KEPT) boards.delete(boards.keys().next().value as string);
    }
    return c.json(await pending);
  });
}
