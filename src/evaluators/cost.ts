import { z } from "zod";
import { makeEvaluator, scored, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `cost`: 1 when the output's cost (`output.costUsd`) is at most `maxUsd`, else 0; unscored when
 * the target reported no cost (a missing cost is not a free call).
 */

const KIND = "cost";
const VERSION = "1";

const OPTIONS = z.strictObject({
  maxUsd: z.number().min(0).describe("the most a case may cost and pass, in US dollars"),
});

function usd(x: number): string {
  return x === 0 || x >= 0.01 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;
}

export const costEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the call's cost is at most maxUsd (unscored when there is no cost)",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    if (!r.has("maxUsd")) r.fail("maxUsd", "is required");
    const maxUsd = r.number("maxUsd", { min: 0 }) as number;
    return makeEvaluator(KIND, VERSION, { maxUsd }, ({ output }) => {
      const c = output.costUsd;
      if (typeof c !== "number" || !Number.isFinite(c))
        return unscored("output has no cost (the target reported none)", { unscored: "no-cost" });
      const details = { costUsd: c, maxUsd };
      return c <= maxUsd
        ? scored(1, `cost ${usd(c)}, within ${usd(maxUsd)}`, details)
        : scored(0, `cost ${usd(c)}, over the limit of ${usd(maxUsd)}`, details);
    });
  },
};
