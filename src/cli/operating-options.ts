import { loadSuite } from "../config/load.ts";
import { type ScorecardOptions, scorecardOptionsOf } from "../scorecard/operating.ts";
import type { RunRecord } from "../store/types.ts";
import { suiteFileFor } from "./io.ts";

/**
 * The suite's operating settings (escalation, bands, volume, minEffect) when the run's suite is at
 * hand (`--suite`, or the suite here, of the same name); without it, the defaults and `--volume`.
 */
export async function operatingOptions(
  run: RunRecord,
  suiteArg: string | undefined,
  volume: number | undefined,
): Promise<ScorecardOptions> {
  const file = suiteFileFor(suiteArg);
  if (file !== undefined) {
    try {
      const suite = await loadSuite(file);
      if (suite.config.suite === run.suite) return scorecardOptionsOf(suite.config, volume);
    } catch {
      // a suite that does not load now does not stop showing a stored run
    }
  }
  return scorecardOptionsOf({}, volume);
}

/** The suite's `volume.perMonth` (`--suite`, or the suite here), when there is a suite that loads. */
export async function suiteVolume(suiteArg: string | undefined): Promise<number | undefined> {
  const file = suiteFileFor(suiteArg);
  if (file === undefined) return undefined;
  try {
    return (await loadSuite(file)).config.volume?.perMonth;
  } catch {
    return undefined;
  }
}
