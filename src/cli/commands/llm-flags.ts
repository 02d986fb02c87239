import { dirname, join, resolve } from "node:path";
import { defaultStorePath } from "../../store/open.ts";

/** `--no-cache` / `--cache-only`, shared by every command that calls LLMs. */
export interface CacheFlags {
  /** commander turns `--no-cache` into cache: false */
  cache?: boolean;
  cacheOnly?: boolean;
  db?: string;
}

export function cacheModeOf(flags: CacheFlags): "default" | "off" | "only" {
  if (flags.cacheOnly) return "only";
  if (flags.cache === false) return "off";
  return "default";
}

/** The response cache lives beside the store: `.assay/cache.db` (ASSAY_CACHE overrides). */
export function cacheFileFor(flags: CacheFlags, suiteFile?: string): string {
  if (process.env.ASSAY_CACHE) return process.env.ASSAY_CACHE;
  const store = flags.db ?? defaultStorePath(suiteFile);
  return join(dirname(resolve(store)), "cache.db");
}
