import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";

/**
 * Loads the CLI's bundle (dist/cli/assay.cjs, made by scripts/bundle-cli.mjs) with a V8 code
 * cache: compiling the 2.6 MB bundle cost a run ~120 ms before its first request, and Node 20
 * keeps no compile cache for ES modules, only for scripts (issue 14). The cache holds the bytecode
 * of what a command ran, so there is one file per command, per build of the bundle, per Node
 * version. It is an optimisation only: anything wrong with it (no home, a read-only disk, a file
 * V8 refuses) means compiling as before, never a failed command.
 *
 * Imports only node built-ins: bin/assay.js loads it before anything else.
 */

/** What the cache did on this start, for ASSAY_DEBUG and the tests. */
export type CacheOutcome = "off" | "miss" | "hit" | "rejected" | "untrusted";

export interface LoadedBundle {
  exports: Record<string, unknown>;
  outcome: CacheOutcome;
  /** the cache file of this command, when caching is on */
  cacheFile?: string;
  /**
   * Writes the cache when this start had none or V8 refused it; at most once, never throws. Call
   * it before V8 flags change (bin/assay.js changes one mid-run): V8 refuses a cache made under
   * other flags.
   */
  saveCache(): void;
}

/**
 * Where the caches live: ASSAY_COMPILE_CACHE (a folder, or `0`/`off` for none), else
 * $XDG_CACHE_HOME/assay/compile, else ~/.cache/assay/compile.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.ASSAY_COMPILE_CACHE;
  if (chosen !== undefined && chosen !== "") {
    return chosen === "0" || chosen.toLowerCase() === "off" ? undefined : chosen;
  }
  const base = env.XDG_CACHE_HOME || safeHomedir();
  if (!base) return undefined;
  return env.XDG_CACHE_HOME ? join(base, "assay", "compile") : join(base, ".cache", "assay", "compile");
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** The build id scripts/bundle-cli.mjs writes on the bundle's first line (`// assay-bundle <id>`). */
export function bundleBuildId(source: string): string | undefined {
  return /^\/\/ assay-bundle ([0-9a-f]{8,64})\n/.exec(source.slice(0, 100))?.[1];
}

/** One cache file per command: what `assay run` compiles is not what `assay compare` does. */
export function cacheFileName(buildId: string, command: string | undefined): string {
  const name = command && /^[a-z][a-z0-9-]{0,31}$/.test(command) ? command : "other";
  return `${buildId}-node${process.versions.node}-${process.arch}-${name}.bin`;
}

/**
 * A cache is code this process will run, so only one that no other user could have written is
 * read: a file (and folder) owned by this user, writable by no one else. Where there are no
 * uids (Windows), the folder's place in the user's profile is the protection.
 */
function trusted(stats: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  return stats.uid === uid && (stats.mode & 0o022) === 0;
}

function readTrustedCache(file: string): Buffer | "untrusted" | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    if (!trusted(statSync(dirname(file))) || !trusted(fstatSync(fd))) return "untrusted";
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Written to a temporary name and renamed, so a process starting meanwhile (a shard, a worker)
 * reads the old file or the new one, never half of one. The caches of other builds go: a cache
 * only ever serves the build it was made from.
 */
function writeCache(file: string, data: Buffer, buildId: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!trusted(statSync(dir))) return;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, file);
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".bin") && !name.startsWith(`${buildId}-`)) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another process removed it first
      }
    }
  }
}

/**
 * Compiles and runs the CommonJS bundle at `file` as Node would (the same wrapper and
 * arguments), with its code cache when there is a trusted one. The bundle's `import()` (module
 * targets, optional packages) is this module's, passed in (src/util/native-import.ts).
 */
export function loadBundle(
  file: string,
  opts: { command?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): LoadedBundle {
  // The bundle is ASCII (scripts/bundle-cli.mjs escapes the rest): latin1 reads it 50× faster
  // than UTF-8 does a file with a few non-ASCII characters.
  const source = readFileSync(file, "latin1");
  const buildId = bundleBuildId(source);
  const dir = compileCacheDir(opts.env ?? process.env);
  const cacheFile = dir && buildId ? join(dir, cacheFileName(buildId, opts.command)) : undefined;
  const cached = cacheFile ? readTrustedCache(cacheFile) : undefined;
  const cachedData = cached instanceof Buffer ? cached : undefined;
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __assayImport) {${source}\n})`,
    {
      filename: file,
      cachedData,
    },
  );
  const outcome: CacheOutcome =
    cacheFile === undefined
      ? "off"
      : cached === "untrusted"
        ? "untrusted"
        : cachedData === undefined
          ? "miss"
          : script.cachedDataRejected
            ? "rejected"
            : "hit";
  opts.log?.(`compile cache: ${outcome}${cacheFile ? ` (${cacheFile})` : ""}`);

  const module = { exports: {} as Record<string, unknown>, filename: file, id: file, loaded: false };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  // the bundle's import() (src/util/native-import.ts): this module's, which Node's loader serves
  const importer = (specifier: string) => import(specifier);
  wrapper(module.exports, createRequire(pathToFileURL(file)), module, file, dirname(file), importer);
  module.loaded = true;

  let saved = outcome === "hit" || outcome === "off" || outcome === "untrusted";
  return {
    exports: module.exports,
    outcome,
    ...(cacheFile ? { cacheFile } : {}),
    saveCache() {
      if (saved || cacheFile === undefined || buildId === undefined) return;
      saved = true;
      try {
        writeCache(cacheFile, script.createCachedData(), buildId);
        opts.log?.(`compile cache: written (${cacheFile})`);
      } catch (err) {
        opts.log?.(`compile cache: not written: ${(err as Error).message}`);
      }
    },
  };
}
