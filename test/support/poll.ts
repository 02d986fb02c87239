import type { ChildProcess } from "node:child_process";
import BetterSqlite3 from "better-sqlite3";

/**
 * Polls until `cond` holds, for conditions no event announces (a file or a row appearing in
 * another process). Bounded: fails naming `what` after `timeoutMs`, which is only a backstop for
 * a broken test, not a timing assertion (the poll returns as soon as the condition holds).
 */
export async function pollUntil(
  cond: () => boolean | Promise<boolean>,
  what: string,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 20));
  }
}

/**
 * Polls a SQLite file (through a second, read-only connection) until `query`'s `n` column reaches
 * `atLeast`. With `writer`, the process expected to write it: fails at once if it exits first.
 */
export function waitForCount(
  file: string,
  query: string,
  atLeast: number,
  writer?: ChildProcess,
): Promise<void> {
  return pollUntil(() => {
    if (writer && (writer.exitCode !== null || writer.signalCode !== null)) {
      throw new Error(
        `the writer exited (${writer.exitCode ?? writer.signalCode}) before ${query} reached ${atLeast}`,
      );
    }
    try {
      const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(query).get() as { n: number }).n >= atLeast;
      } finally {
        db.close();
      }
    } catch {
      return false; // no store file (or table) yet
    }
  }, `${query} to reach ${atLeast} in ${file}`);
}

/** Waits until the store file holds at least `n` outputs (see waitForCount). */
export function waitForStoredOutputs(file: string, n: number, writer?: ChildProcess): Promise<void> {
  return waitForCount(file, "SELECT count(*) AS n FROM outputs", n, writer);
}
