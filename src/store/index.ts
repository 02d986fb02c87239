export { type MergedRun, type MergeSource, mergeStores } from "./merge.ts";
export { defaultStorePath, isPostgresUrl, openStore } from "./open.ts";
export { RunNotFoundError, resolveRun } from "./resolve.ts";
export { SqlStore } from "./sql-store.ts";
export { openSqliteStore } from "./sqlite/sqlite-store.ts";
export * from "./types.ts";
