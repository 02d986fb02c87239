import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { findSuiteFile } from "../config/find.ts";
import { defaultStorePath, openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import { CliError, EXIT } from "./exit.ts";

export interface GlobalOptions {
  db?: string;
}

/** Writes a report file, creating its folder. */
export function writeOutput(file: string, text: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function writeJson(file: string, value: unknown): void {
  writeOutput(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The suite file a store is looked up beside: the one named (a file or a folder holding one; a
 * missing one is an input error), else the one in this folder, if any.
 */
export function suiteFileFor(arg?: string): string | undefined {
  if (arg !== undefined) return findSuiteFile(arg);
  try {
    return findSuiteFile(undefined);
  } catch {
    return undefined;
  }
}

const isUrl = (location: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(location);

/**
 * Where the CLI's store is: --db, else ASSAY_DB, else `.assay/assay.db` beside the suite (the one
 * given, else the one in this folder), else ./.assay/assay.db. File paths come back absolute.
 */
export function cliStoreLocation(opts: GlobalOptions, suiteFile?: string): string {
  let location: string;
  if (opts.db) location = opts.db;
  else {
    let file = suiteFile;
    if (!file && !process.env.ASSAY_DB) file = suiteFileFor(undefined);
    location = defaultStorePath(file);
  }
  return location === ":memory:" || isUrl(location) ? location : resolve(location);
}

/** How a store is named to a person: a URL loses its password (it would end up in CI logs). */
export function displayStore(location: string): string {
  if (!isUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return location.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

export interface OpenStoreHow {
  /**
   * The command only reads: a missing store is a usage error naming the path, and nothing is
   * created (no file, no folder) — an empty store would only hide a wrong folder or a typo.
   */
  mustExist?: boolean;
}

const opened = new WeakMap<Store, string>();

/**
 * Opens the store (see cliStoreLocation) and says which one on stderr (`store: PATH`), so output
 * from the wrong folder is never mistaken for an empty history.
 */
export async function openCliStore(
  opts: GlobalOptions,
  suiteFile?: string,
  how: OpenStoreHow = {},
): Promise<Store> {
  const location = cliStoreLocation(opts, suiteFile);
  if (how.mustExist && location !== ":memory:" && !isUrl(location) && !existsSync(location)) {
    throw new CliError(
      `no store at ${location}: run \`assay run\` first, or pass --db (or name the suite folder whose .assay/assay.db to read)`,
      EXIT.usage,
    );
  }
  const store = await openStore(location);
  opened.set(store, displayStore(location));
  process.stderr.write(`store: ${displayStore(location)}\n`);
  return store;
}

/** The location a store opened by openCliStore was shown as (for a `store` field in JSON output). */
export function storeLocationOf(store: Store): string | undefined {
  return opened.get(store);
}

/** Resolves on the first Ctrl-C or SIGTERM (a service manager stopping a long-running command). */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
