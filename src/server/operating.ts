import { stat } from "node:fs/promises";
import { loadSuite } from "../config/load.ts";
import { type ScorecardOptions, scorecardOptionsOf } from "../scorecard/operating.ts";
import type { RunRecord } from "../store/types.ts";

/**
 * The operating settings (escalation, volume, bands, minEffect) of the suite a run was made from,
 * for the web app's scorecard and leaderboard: read from the suite file the run's lineage records,
 * as `assay show` reads the suite at hand. Only YAML suites are read (viewing a page must never
 * run a suite module's code), only when the file still names the run's suite, and a suite that is
 * gone or no longer loads gives the defaults: a stored run is always shown.
 */

const KEPT = 32;
const cache = new Map<string, Promise<ScorecardOptions>>();

export async function suiteOperatingOptions(run: RunRecord): Promise<ScorecardOptions> {
  const file = run.lineage.suiteFile;
  if (!file || !/\.ya?ml$/i.test(file)) return {};
  // an edited suite file is new settings: the file's mtime and size are in the key
  const version = await stat(file).then(
    (s) => `${s.mtimeMs}:${s.size}`,
    () => null,
  );
  if (version === null) return {};
  const key = JSON.stringify([file, version, run.suite]);
  let pending = cache.get(key);
  if (!pending) {
    pending = loadSuite(file).then(
      (suite) => (suite.config.suite === run.suite ? scorecardOptionsOf(suite.config) : {}),
      () => ({}),
    );
    cache.set(key, pending);
    while (cache.size > KEPT) cache.delete(cache.keys().next().value as string);
  }
  return pending;
}
