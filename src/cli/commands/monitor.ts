import { loadSuite } from "../../config/load.ts";
import { parseCooldown } from "../../config/monitors.ts";
import { createLlmRuntime } from "../../llm/client.ts";
import { renderMonitorReport } from "../../monitor/render.ts";
import { type MonitorReport, monitorConfigOf, runMonitorPass } from "../../monitor/run.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, writeJson } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

export interface MonitorCommandOptions extends GlobalOptions, CacheFlags {
  suite?: string;
  once?: boolean;
  failOnAlert?: boolean;
  json?: string;
  interval?: string;
  concurrency?: number;
  quiet?: boolean;
}

/**
 * `assay monitor NAME [--once]`: score new production records with the monitor's dimensions, then
 * report the windows, drift and alerts. `--once` is one pass (for cron); without it, a pass every
 * `--interval` until Ctrl-C or SIGTERM.
 */
export async function monitorCommand(name: string, opts: MonitorCommandOptions): Promise<number> {
  const suite = await loadSuite(opts.suite);
  monitorConfigOf(suite, name); // an unknown monitor is a usage error before the store is opened
  let intervalMs = 60_000;
  if (opts.interval !== undefined) {
    try {
      intervalMs = parseCooldown(opts.interval);
    } catch (err) {
      throw new CliError(`--interval: ${(err as Error).message}`, EXIT.usage);
    }
  }
  const store = await openCliStore(opts, suite.file);
  const llm = createLlmRuntime({
    cacheMode: cacheModeOf(opts),
    cacheFile: cacheFileFor(opts, suite.file),
    env: process.env,
  });
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) {
      process.stderr.write("\nstopping: what was scored is kept; the next pass scores the rest\n");
    }
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let report: MonitorReport | undefined;
    for (;;) {
      report = await runMonitorPass({
        suite,
        store,
        name,
        llm,
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        signal: controller.signal,
        ...(opts.quiet
          ? {}
          : {
              onProgress: (n: number) => {
                if (process.stderr.isTTY) process.stderr.write(`\rvisited ${n} new records`);
              },
            }),
      });
      if (!opts.quiet && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
      for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
      if (opts.json) {
        const location = storeLocationOf(store);
        writeJson(opts.json, location ? { ...report, store: location } : report);
      }
      process.stdout.write(`${renderMonitorReport(report)}\n`);
      if (opts.once || controller.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        controller.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      if (controller.signal.aborted) break;
    }
    if (controller.signal.aborted && opts.once) return EXIT.incomplete;
    if (opts.failOnAlert && report && report.alerts.length > 0) return EXIT.gateFailed;
    return EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    llm.close();
    await store.close();
  }
}
