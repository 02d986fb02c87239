import { loadSuite } from "../../config/load.ts";
import type { Case } from "../../core/case.ts";
import { readDataset, resolveDatasetFiles } from "../../dataset/dataset.ts";
import { buildTargets } from "../../engine/prepare.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import { DEFAULT_STEPS, parseDuration, parseSteps } from "../../probe/parse.ts";
import { runProbe } from "../../probe/ramp.ts";
import { saveProbeReport } from "../../probe/record.ts";
import { renderProbe } from "../../probe/render.ts";
import type { ProbeOptions } from "../../probe/types.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";

export interface ProbeCommandOptions extends GlobalOptions {
  suite?: string;
  steps?: string;
  duration?: string;
  maxRequests?: number;
  rate?: boolean;
  maxErrorRate?: number;
  latencyFactor?: number;
  latencyFloor?: string;
  timeout?: string;
  stopErrorRate?: number;
  json?: string;
  quiet?: boolean;
}

export const PROBE_DEFAULTS = {
  duration: "20s",
  maxRequests: 2000,
  maxErrorRate: 0.01,
  latencyFactor: 3,
  latencyFloor: "250ms",
  stopErrorRate: 0.9,
};
/** Cases read from the dataset at most: the probe cycles through them. */
const MAX_CASES = 10_000;

function usage<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError(`${what}: ${(err as Error).message}`, EXIT.usage);
  }
}

/**
 * `assay probe TARGET`: a load ramp against one target, with cases from the suite. The report is
 * saved to the store (the web app charts it) and, with --json, written to a file.
 */
export async function probeCommand(targetId: string, opts: ProbeCommandOptions): Promise<number> {
  const steps = opts.steps === undefined ? DEFAULT_STEPS : usage("--steps", () => parseSteps(opts.steps!));
  const durationMs = usage("--duration", () => parseDuration(opts.duration ?? PROBE_DEFAULTS.duration));
  const suite = await loadSuite(opts.suite);
  const spec = suite.config.targets.find((t) => t.id === targetId);
  if (!spec) {
    throw new CliError(
      `no target "${targetId}" in ${suite.file} (targets: ${suite.config.targets.map((t) => t.id).join(", ")})`,
      EXIT.usage,
    );
  }
  if (spec.replay !== undefined) {
    throw new CliError(`target "${targetId}" replays recorded outputs: there is no API to probe`, EXIT.usage);
  }
  const suiteTimeout = spec.timeoutMs ?? suite.config.timeoutMs;
  const timeoutMs =
    opts.timeout !== undefined
      ? usage("--timeout", () => parseDuration(opts.timeout!))
      : Math.min(suiteTimeout, durationMs);
  const options: ProbeOptions = {
    mode: opts.rate ? "rate" : "concurrency",
    steps,
    durationMs,
    maxRequests: opts.maxRequests ?? PROBE_DEFAULTS.maxRequests,
    maxErrorRate: opts.maxErrorRate ?? PROBE_DEFAULTS.maxErrorRate,
    latencyFactor: opts.latencyFactor ?? PROBE_DEFAULTS.latencyFactor,
    latencyFloorMs: usage("--latency-floor", () =>
      parseDuration(opts.latencyFloor ?? PROBE_DEFAULTS.latencyFloor),
    ),
    timeoutMs,
    stopErrorRate: opts.stopErrorRate ?? PROBE_DEFAULTS.stopErrorRate,
  };

  const cases: Case[] = [];
  for await (const sc of readDataset(resolveDatasetFiles(suite.config.dataset, suite.baseDir))) {
    cases.push(sc.case);
    if (cases.length >= MAX_CASES) break;
  }
  if (cases.length === 0) throw new CliError(`the dataset of ${suite.file} has no cases`, EXIT.usage);

  // The store is opened before the ramp, so one that cannot be opened costs the API no calls.
  const store = await openCliStore(opts, suite.file);
  // The response cache is off (a cached answer would measure the disk, not the API), and so is the
  // LLM clients' limiter (its adaptive back-off would hide the 429s the probe is looking for).
  const llm = { ...createLlmRuntime({ cacheMode: "off", env: process.env }), direct: true };
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write("\ninterrupted: stopping the probe\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // (a `replay:` target, the only kind that reads the store, was refused above)
    const [target] = await buildTargets(suite, [targetId], store, llm);
    try {
      const report = await runProbe(target!, cases, options, {
        signal: controller.signal,
        onStep: opts.quiet
          ? undefined
          : (s, i) =>
              process.stderr.write(
                `step ${i + 1}/${steps.length}: ${options.mode === "rate" ? `${s.rate}/s` : `concurrency ${s.concurrency}`}: ` +
                  `${s.requests} calls, ${s.throughput.toFixed(1)} ok/s, errors ${(s.errorRate * 100).toFixed(1)}%\n`,
              ),
      });
      process.stdout.write(renderProbe(report));
      if (opts.json) writeJson(opts.json, report);
      const record = await saveProbeReport(store, report, suite.config.suite);
      process.stdout.write(`probe ${record.id} saved (assay view: Probes)\n`);
      const anyOk = report.steps.some((s) => s.ok > 0);
      return anyOk ? EXIT.ok : EXIT.incomplete;
    } finally {
      await target!.close?.();
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    llm.close();
    await store.close();
  }
}
