import { findSuiteFile } from "../../config/load.ts";
import { CacheFileError, type CacheSummary, clearCache, summarizeCache } from "../../llm/cache.ts";
import { safeLine, table } from "../../report/format.ts";
import { CliError, EXIT } from "../exit.ts";
import type { GlobalOptions } from "../io.ts";
import { cacheFileFor } from "./llm-flags.ts";

/** `assay cache stats|clear`: the LLM response cache beside the store (ASSAY_CACHE overrides). */

export interface CacheStatsOptions extends GlobalOptions {
  json?: boolean;
}

export interface CacheClearOptions extends GlobalOptions {
  /** only entries stored more than this many days ago */
  olderThan?: number;
  /** only this model (`provider:model` or the bare name) */
  model?: string;
}

/** The cache file the other commands would use here: beside --db, ASSAY_DB, or the suite in this folder. */
function cacheFile(opts: GlobalOptions): string {
  let suiteFile: string | undefined;
  if (!opts.db && !process.env.ASSAY_DB && !process.env.ASSAY_CACHE) {
    try {
      suiteFile = findSuiteFile(undefined);
    } catch {
      suiteFile = undefined;
    }
  }
  const file = cacheFileFor(opts, suiteFile);
  process.stderr.write(`store: ${file}\n`);
  return file;
}

function usageError(err: unknown): never {
  if (err instanceof CacheFileError) throw new CliError(err.message, EXIT.usage);
  throw err;
}

/** `assay cache stats`: entries, size, by provider and model, oldest and newest. Never creates the file. */
export async function cacheStatsCommand(opts: CacheStatsOptions): Promise<number> {
  const file = cacheFile(opts);
  let summary: CacheSummary;
  try {
    summary = summarizeCache(file);
  } catch (err) {
    usageError(err);
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ store: file, ...summary }, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [
    `entries  ${summary.entries}`,
    `size     ${formatBytes(summary.bytes)}`,
    `oldest   ${summary.oldest ?? "—"}`,
    `newest   ${summary.newest ?? "—"}`,
  ];
  if (summary.byModel.length > 0) {
    lines.push("");
    lines.push(
      table(
        summary.byModel.map((m) => [
          safeLine(m.provider, 40),
          safeLine(m.model, 60),
          String(m.entries),
          formatBytes(m.bytes),
          m.oldest,
          m.newest,
        ]),
        ["provider", "model", "entries", "responses", "oldest", "newest"],
      ),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return EXIT.ok;
}

/** `assay cache clear [--older-than DAYS] [--model M]`. A missing cache file has nothing to clear (exit 0). */
export async function cacheClearCommand(opts: CacheClearOptions): Promise<number> {
  const file = cacheFile(opts);
  const what: string[] = [];
  if (opts.olderThan !== undefined)
    what.push(`older than ${opts.olderThan} day${opts.olderThan === 1 ? "" : "s"}`);
  if (opts.model !== undefined) what.push(`of model ${safeLine(opts.model, 80)}`);
  let result: { deleted: number; remaining: number };
  try {
    result = clearCache(file, { olderThanDays: opts.olderThan, model: opts.model });
  } catch (err) {
    if (err instanceof CacheFileError && err.missing) {
      process.stdout.write(`${err.message}: nothing to clear\n`);
      return EXIT.ok;
    }
    usageError(err);
  }
  process.stdout.write(
    `cleared ${result.deleted} entr${result.deleted === 1 ? "y" : "ies"}${what.length > 0 ? ` (${what.join(", ")})` : ""}; ${result.remaining} left\n`,
  );
  return EXIT.ok;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
