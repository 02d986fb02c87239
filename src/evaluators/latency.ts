import { z } from "zod";
import { makeEvaluator, scored, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/** `latency`: 1 when the output's latency (`output.latencyMs`) is at most `maxMs`, else 0. */

const KIND = "latency";
const VERSION = "1";

const OPTIONS = z.strictObject({
  maxMs: z.number().gt(0).describe("the slowest call that passes, in milliseconds"),
});

export const latencyEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the call's latency is at most maxMs",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    if (!r.has("maxMs")) r.fail("maxMs", "is required");
    const maxMs = r.number("maxMs", { min: 0, exclusiveMin: true }) as number;
    return makeEvaluator(KIND, VERSION, { maxMs }, ({ output }) => {
      const ms = output.latencyMs;
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        return unscored("output has no latency", { unscored: "no-latency" });
      }
      const details = { latencyMs: ms, maxMs };
      return ms <= maxMs
        ? scored(1, `${Math.round(ms)} ms, within ${maxMs} ms`, details)
        : scored(0, `${Math.round(ms)} ms, over the limit of ${maxMs} ms`, details);
    });
  },
};
