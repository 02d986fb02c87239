import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { TargetFailure } from "../core/output.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256 } from "../util/hash.ts";
import { isRecord } from "./shared.ts";
import type { ChatCallOptions, ChatClient, ChatRequest, ChatResponse } from "./types.ts";

/**
 * The response cache: one SQLite file of its own (default `.assay/cache.db`, beside the store),
 * keyed by the sha256 of the canonical JSON of {provider, model, baseUrl, the full request, epoch}
 * — never by the prompt alone, so two models, servers, parameter sets or epochs never share an
 * entry. Only successful responses are written. API keys are never part of a key or a value.
 */

/**
 * default: read and write (judges always, targets when their spec says `cache: true`); off
 * (`--no-cache`): neither; only (`--cache-only`): read only, a miss fails; refresh
 * (`--refresh-cache`): call again everything default would read, and overwrite the entries.
 */
export type CacheMode = "default" | "off" | "only" | "refresh";

export const DEFAULT_CACHE_FILE = ".assay/cache.db";

/**
 * Where the cache lives: `cache.db` beside a SQLite store file (`.assay/assay.db` →
 * `.assay/cache.db`), else `.assay/cache.db` in the current folder (also for a PostgreSQL store).
 */
export function defaultCachePath(storePath?: string): string {
  if (storePath && !/^[a-z][a-z0-9+.-]*:\/\//i.test(storePath) && storePath !== ":memory:") {
    return join(dirname(resolve(storePath)), "cache.db");
  }
  return resolve(DEFAULT_CACHE_FILE);
}

export interface CacheKeyParts {
  provider: string;
  model: string;
  baseUrl?: string;
  request: ChatRequest;
  /** undefined (a call outside any epoch) is its own value */
  epoch?: number;
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha256(
    canonicalJson({
      v: 1,
      provider: parts.provider,
      model: parts.model,
      baseUrl: parts.baseUrl ?? null,
      request: parts.request,
      epoch: parts.epoch ?? null,
    }),
  );
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** reads or writes that failed (a busy or broken file): a read counts as a miss, a write is skipped */
  errors: number;
}

export class ResponseCache {
  readonly file: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, errors: 0 };
  private readonly db: BetterSqlite3.Database;
  private readonly getStmt: BetterSqlite3.Statement<[string], { response: string }>;
  private readonly putStmt: BetterSqlite3.Statement<[string, string, string, string, string]>;

  /** Opens (creating when needed) the cache file; `:memory:` works for tests. */
  constructor(file: string) {
    this.file = file;
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    this.db = new BetterSqlite3(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS responses (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
    );
    this.getStmt = this.db.prepare("SELECT response FROM responses WHERE key = ?");
    this.putStmt = this.db.prepare(
      "INSERT OR REPLACE INTO responses (key, provider, model, response, created_at) VALUES (?, ?, ?, ?, ?)",
    );
  }

  /** The stored response, or undefined (an unreadable entry counts as absent). Counts a hit or a miss. */
  get(key: string): ChatResponse | undefined {
    let value: ChatResponse | undefined;
    try {
      const row = this.getStmt.get(key);
      if (row) {
        const parsed: unknown = JSON.parse(row.response);
        if (isChatResponse(parsed)) value = parsed;
      }
    } catch {
      this.stats.errors++;
      value = undefined;
    }
    if (value) this.stats.hits++;
    else this.stats.misses++;
    return value;
  }

  /** Stores a response; a failed write is counted and skipped (the call's answer is not lost for it). */
  set(key: string, response: ChatResponse, meta: { provider: string; model: string }): void {
    // A cached answer is replayed later: the quota headers of the day it was made would mislead.
    const { cached: _cached, headers: _headers, ...stored } = response;
    try {
      this.putStmt.run(key, meta.provider, meta.model, JSON.stringify(stored), new Date().toISOString());
      this.stats.writes++;
    } catch {
      this.stats.errors++;
    }
  }

  /** Entries stored (for tests and `assay cache` reporting). */
  size(): number {
    const row = this.db.prepare("SELECT count(*) AS n FROM responses").get() as { n: number };
    return row.n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function isChatResponse(v: unknown): v is ChatResponse {
  return (
    isRecord(v) &&
    isRecord(v.message) &&
    typeof v.message.content === "string" &&
    isRecord(v.usage) &&
    typeof v.finishReason === "string" &&
    typeof v.latencyMs === "number"
  );
}

export interface CachedChatClientOptions {
  /** default: read and write when `enabled`; off: never; only: read only, a miss fails */
  mode: CacheMode;
  /** the spec's `cache` (judges true, targets false by default); decides the default mode */
  enabled: boolean;
  /** part of the key (credentials redacted) */
  baseUrl?: string;
}

/**
 * A ChatClient in front of another with the response cache. A served entry is marked
 * `cached: true` and keeps the original's latency (and cost: what the call cost when it was made).
 * `noCache` calls skip the cache (in `only` mode they fail like a miss: nothing may be called).
 */
export class CachedChatClient implements ChatClient {
  readonly provider: string;
  readonly model: string;
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    readonly inner: ChatClient,
    private readonly cache: ResponseCache | undefined,
    private readonly opts: CachedChatClientOptions,
  ) {
    this.provider = inner.provider;
    this.model = inner.model;
    if (opts.mode === "only" && !cache) {
      throw new Error("cache-only mode needs a response cache (open one with createLlmRuntime)");
    }
  }

  describe(): Record<string, unknown> {
    return this.inner.describe();
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    const mode = this.opts.mode;
    const cache = this.cache;
    const cached =
      cache !== undefined &&
      (mode === "only" || ((mode === "default" || mode === "refresh") && this.opts.enabled));
    if (!cached || !cache) return this.inner.complete(request, opts);
    const key = cacheKey({
      provider: this.provider,
      model: this.model,
      baseUrl: this.opts.baseUrl,
      request,
      epoch: opts.epoch,
    });
    // refresh never reads: the call is made again and its answer replaces the entry
    const hit = opts.noCache || mode === "refresh" ? undefined : cache.get(key);
    if (hit) {
      this.stats.hits++;
      return { ...hit, cached: true };
    }
    this.stats.misses++;
    if (mode === "only") {
      throw new TargetFailure(
        "client-error",
        `cache miss for ${this.provider}:${this.model}${opts.noCache ? " (the call asked to skip the cache)" : ""} (--cache-only)`,
      );
    }
    const response = await this.inner.complete(request, opts);
    if (!opts.noCache) cache.set(key, response, { provider: this.provider, model: this.model });
    return response;
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

// ---------------------------------------------------------------------------------------------
// `assay cache stats | clear`: reading and pruning a cache file without creating one.

/** A cache file that is missing or is not a response cache: a usage error (exit 2). */
export class CacheFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** there is no file at all (not a broken one) */
    readonly missing = false,
  ) {
    super(message);
    this.name = "CacheFileError";
  }
}

export interface CacheModelSummary {
  provider: string;
  model: string;
  entries: number;
  /** bytes of the stored responses (JSON text) */
  bytes: number;
  oldest: string;
  newest: string;
}

export interface CacheSummary {
  file: string;
  entries: number;
  /** bytes on disk: the database file and its write-ahead log */
  bytes: number;
  oldest: string | null;
  newest: string | null;
  byModel: CacheModelSummary[];
}

/** Opens an existing cache file; never creates one (a read-only command must not leave a file behind). */
function openExisting(file: string, readonly: boolean): BetterSqlite3.Database {
  if (!existsSync(file)) throw new CacheFileError(`no response cache at ${file}`, file, true);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    const table = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'responses'")
      .get();
    if (!table) throw new Error("it has no responses table");
    return db;
  } catch (err) {
    db?.close();
    throw new CacheFileError(`${file} is not an assay response cache: ${(err as Error).message}`, file);
  }
}

function bytesOnDisk(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += statSync(f).size;
    } catch {
      // no write-ahead log: nothing to add
    }
  }
  return total;
}

/** Entries, size, and per provider/model counts and dates of a cache file. */
export function summarizeCache(file: string): CacheSummary {
  const db = openExisting(file, true);
  try {
    const byModel = db
      .prepare(
        `SELECT provider, model, count(*) AS entries, coalesce(sum(length(response)), 0) AS bytes,
           min(created_at) AS oldest, max(created_at) AS newest
         FROM responses GROUP BY provider, model ORDER BY entries DESC, provider, model`,
      )
      .all() as CacheModelSummary[];
    const entries = byModel.reduce((n, m) => n + m.entries, 0);
    const dates = byModel.flatMap((m) => [m.oldest, m.newest]).sort();
    return {
      file,
      entries,
      bytes: bytesOnDisk(file),
      oldest: dates[0] ?? null,
      newest: dates.at(-1) ?? null,
      byModel,
    };
  } finally {
    db.close();
  }
}

export interface CacheClearFilter {
  /** only entries stored more than this many days ago */
  olderThanDays?: number;
  /** only this model: `provider:model` or the bare model name */
  model?: string;
  /** the present, for `olderThanDays` (tests) */
  now?: Date;
}

/** Deletes the entries the filter selects (all by default); returns how many went and how many are left. */
export function clearCache(
  file: string,
  filter: CacheClearFilter = {},
): { deleted: number; remaining: number } {
  const db = openExisting(file, false);
  try {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.olderThanDays !== undefined) {
      const now = filter.now ?? new Date();
      where.push("created_at < ?");
      params.push(new Date(now.getTime() - filter.olderThanDays * 86_400_000).toISOString());
    }
    if (filter.model !== undefined) {
      where.push("(model = ? OR provider || ':' || model = ?)");
      params.push(filter.model, filter.model);
    }
    const sql = `DELETE FROM responses${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
    const deleted = db.prepare(sql).run(...params).changes;
    const { n } = db.prepare("SELECT count(*) AS n FROM responses").get() as { n: number };
    if (deleted > 0) {
      try {
        // give the space back; a reader holding the file makes this fail, which loses nothing
        db.pragma("wal_checkpoint(TRUNCATE)");
        db.exec("VACUUM");
      } catch {
        // the rows are gone either way
      }
    }
    return { deleted, remaining: n };
  } finally {
    db.close();
  }
}
