import { type CacheMode, defaultCachePath } from "../../llm/cache.ts";
import { defaultStorePath } from "../../store/open.ts";
import { CliError, EXIT } from "../exit.ts";

/** `--no-cache` / `--cache-only` / `--refresh-cache`, shared by every command that calls LLMs. */
export interface CacheFlags {
  /** commander turns `--no-cache` into cache: false */
  cache?: boolean;
  cacheOnly?: boolean;
  /** call again and overwrite the entries the cache would have answered */
  refreshCache?: boolean;
  db?: string;
}

export function cacheModeOf(flags: CacheFlags): CacheMode {
  const chosen = [
    flags.cacheOnly ? "--cache-only" : undefined,
    flags.cache === false ? "--no-cache" : undefined,
    flags.refreshCache ? "--refresh-cache" : undefined,
  ].filter((f) => f !== undefined);
  if (chosen.length > 1) {
    throw new CliError(`${chosen.join(" and ")} contradict each other: choose one`, EXIT.usage);
  }
  if (flags.cacheOnly) return "only";
  if (flags.cache === false) return "off";
  if (flags.refreshCache) return "refresh";
  return "default";
}

/**
 * The response cache lives beside an SQLite store (`.assay/cache.db`), in ./.assay/ for a
 * PostgreSQL URL (never a folder named after the URL); ASSAY_CACHE overrides.
 */
export function cacheFileFor(flags: CacheFlags, suiteFile?: string): string {
  if (process.env.ASSAY_CACHE) return process.env.ASSAY_CACHE;
  return defaultCachePath(flags.db ?? defaultStorePath(suiteFile));
}
