import { stat } from "node:fs/promises";
import type { Hono } from "hono";
import { CompareError } from "../../compare/compare.ts";
import { compareStoredRuns, gateConfigOf, gateRuns } from "../../compare/load.ts";
import { InputError } from "../../config/errors.ts";
import { loadSuite } from "../../config/load.ts";
import { RunNotFoundError } from "../../store/resolve.ts";
import type { RunRecord, Store } from "../../store/types.ts";
import type { CompareResponse, GateResponse } from "../api-types.ts";
import type { RouteContext } from "./context.ts";

const COMPARE_CACHE = 8;

/** A bounded map of pending answers, oldest dropped first; a failed answer is forgotten. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let pending = cache.get(key);
  if (!pending) {
    pending = make();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    while (cache.size > COMPARE_CACHE) cache.delete(cache.keys().next().value as string);
  }
  return pending;
}

/** What a pair's comparison depends on. */
function pairKey(base: RunRecord, candidate: RunRecord, ...more: unknown[]): string {
  return JSON.stringify([
    base.id,
    candidate.id,
    ...more,
    base.finishedAt,
    candidate.finishedAt,
    base.status,
    candidate.status,
  ]);
}

/**
 * The suite's gate policy applied to a pair, as `assay gate --run CANDIDATE --baseline BASE`
 * would: the candidate's suite file (recorded in its lineage) must still be readable here. Only
 * YAML suites are read: viewing a page must never run a suite module's code.
 */
async function gateForPair(store: Store, base: RunRecord, candidate: RunRecord): Promise<GateResponse> {
  const file = candidate.lineage.suiteFile ?? base.lineage.suiteFile;
  const none = (reason: string, suiteFile: string | null = file ?? null): GateResponse => ({
    suiteFile,
    gate: null,
    reason,
  });
  if (!file) return none("the runs do not record their suite file");
  if (!/\.ya?ml$/i.test(file))
    return none(`${file} is a suite module: the web app does not run suite code (use \`assay gate\`)`);
  const suite = await loadSuite(file);
  if (suite.config.suite !== candidate.suite)
    return none(`${file} is now suite "${suite.config.suite}", not "${candidate.suite}"`);
  if (!suite.config.gate) return none(`${file} has no gate: policy`);
  const { gate } = await gateRuns(store, gateConfigOf(suite), candidate, base);
  return { suiteFile: file, gate };
}

/** The paired comparison of two runs, and the suite's gate over them. */
export function compareRoutes(app: Hono, { store, runOf }: RouteContext): void {
  const compareCache = new Map<string, Promise<CompareResponse>>();
  const gateCache = new Map<string, Promise<GateResponse>>();

  const pair = (c: { req: { param(name: string): string } }) =>
    Promise.all([runOf(c.req.param("base")), runOf(c.req.param("candidate"))]);

  app.get("/api/compare/:base/:candidate", async (c) => {
    const [base, candidate] = await pair(c);
    const intersect = ["1", "true", ""].includes(c.req.query("intersect") ?? "no");
    const body = await remember(compareCache, pairKey(base, candidate, intersect), async () => {
      // read from the store as columns, as `assay compare` does (the run indexes keep no rows)
      const { flips, ...comparison } = await compareStoredRuns(store, base, candidate, { intersect });
      return { flips, ...comparison, runs: { base, candidate } };
    });
    return c.json(body);
  });

  app.get("/api/compare/:base/:candidate/gate", async (c) => {
    const [base, candidate] = await pair(c);
    const file = candidate.lineage.suiteFile ?? base.lineage.suiteFile;
    // an edited suite file is a new policy
    const version = file
      ? await stat(file).then(
          (s) => `${s.mtimeMs}:${s.size}`,
          () => "missing",
        )
      : "";
    if (file && version === "missing") {
      const body: GateResponse = {
        suiteFile: file,
        gate: null,
        reason: `the suite file ${file} is not readable here`,
      };
      return c.json(body);
    }
    const body = await remember(gateCache, pairKey(base, candidate, file, version), () =>
      gateForPair(store, base, candidate).catch((err: unknown): GateResponse => {
        // a suite that no longer loads, or runs the gate cannot compare: say why, as the CLI would
        if (err instanceof InputError || err instanceof CompareError || err instanceof RunNotFoundError) {
          return { suiteFile: file ?? null, gate: null, reason: err.message };
        }
        throw err;
      }),
    );
    return c.json(body);
  });
}
