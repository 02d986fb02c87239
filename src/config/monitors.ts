import { z } from "zod";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";

/**
 * `monitors:` (issue 11): production records scored online with the suite's own dimensions (the
 * same definitions and versions as the gate), windowed, and watched for drift.
 */

/** `90s`, `30m`, `6h`, `1d` (or a bare number of seconds) → ms. */
export function parseCooldown(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) throw new Error(`expected a duration such as 30m, 6h or 1d (got "${text}")`);
  const unit = (m[2] ?? "s").toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] as number;
  return Math.round(Number(m[1]) * factor);
}

const duration = z.string().refine(
  (s) => {
    try {
      parseCooldown(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a duration such as 30m, 6h or 1d" },
);

const httpUrl = z
  .string()
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { message: "expected an http(s) URL" });

export const monitorSchema = z.strictObject({
  filter: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe("metadata equality: a record is watched when each key has this value"),
  sample: z
    .number()
    .gt(0)
    .max(1)
    .default(1)
    .describe(
      "the share of records scored (1 = all); the choice is a hash of the record id, so it is the same on every rerun",
    ),
  window: z
    .union([z.enum(["hour", "day"]), z.number().int().positive()])
    .default("hour")
    .describe("how scores are grouped in time: `hour`, `day` (UTC), or a whole number of records per window"),
  dimensions: z
    .array(z.string().min(1))
    .min(1)
    .describe(
      "names from `dimensions:` scored on each record (reference-free evaluators and judges: a record has no expected value)",
    ),
  reference: z
    .strictObject({
      windows: z
        .number()
        .int()
        .positive()
        .default(24)
        .describe("how many of the monitor's first windows set the baseline that drift is measured against"),
    })
    .default({ windows: 24 })
    .describe("the baseline: the monitor's first N windows"),
  drift: z
    .strictObject({
      arl0: z
        .number()
        .min(10)
        .default(500)
        .describe(
          "in-control average run length of the CUSUM, in windows: about one false alarm per this many windows",
        ),
      shift: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.1)
        .describe("the drop in pass rate the CUSUM is tuned to catch fastest (0.10 = 10 points)"),
      alpha: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.05)
        .describe("family-wise error rate of the two-window tests (KS, chi-square), Holm-corrected"),
    })
    .default({ arl0: 500, shift: 0.1, alpha: 0.05 })
    .describe("drift detection settings"),
  alert: z
    .strictObject({
      webhook: httpUrl.optional().describe("POSTed a JSON body per alert episode"),
      command: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("argv run per alert episode (no shell); the alert's JSON on stdin"),
      cooldown: duration.default("6h").describe("the least time between two notifications of one alert"),
    })
    .optional()
    .describe("where alerts go: a webhook, a command, or both"),
  review: z
    .strictObject({
      below: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe(
          "records whose mean score over the monitor's dimensions is below this go to review (default: a record failing any dimension's threshold)",
        ),
    })
    .default({})
    .describe("which scored records go to the review queue"),
  otlp: z
    .strictObject({
      endpoint: httpUrl.describe(
        "OTLP/HTTP logs endpoint (…/v1/logs) that receives one gen_ai.evaluation.result event per online score",
      ),
      headers: z
        .record(z.string(), z.string())
        .optional()
        .describe("extra request headers (for example an API key the collector asks for)"),
    })
    .optional()
    .describe("export online scores as OpenTelemetry evaluation events"),
  description: z.string().optional().describe("what the monitor watches, for people"),
});

export const monitorsSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "monitor names use letters, digits, '.', '_' and '-'"),
    monitorSchema,
  )
  .describe(
    "production monitors: name → {filter, sample, window, dimensions, reference, alert}; `assay monitor NAME` scores new records and checks for drift",
  );

export type MonitorConfig = z.output<typeof monitorSchema>;

/** Each monitor names dimensions the suite defines. */
export function checkMonitors(
  config: { dimensions: Record<string, unknown>; monitors?: Record<string, MonitorConfig> },
  errorAt: (path: Array<string | number>, message: string) => Error,
): void {
  for (const [name, m] of Object.entries(config.monitors ?? {})) {
    m.dimensions.forEach((d, i) => {
      if (!Object.hasOwn(config.dimensions, d)) {
        throw errorAt(
          ["monitors", name, "dimensions", i],
          `no dimension "${d}" in dimensions:${didYouMeanSuffix(d, Object.keys(config.dimensions))}`,
        );
      }
    });
  }
}
