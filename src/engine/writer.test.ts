import { describe, expect, it } from "vitest";
import { isTransientWriteError, withWriteRetry } from "./writer.ts";

function coded(code: string, message = "failed"): Error {
  return Object.assign(new Error(message), { code });
}

describe("write retries", () => {
  it("treats a busy SQLite file and PostgreSQL's transient failures as worth another try, nothing else", () => {
    for (const code of [
      "SQLITE_BUSY",
      "SQLITE_BUSY_SNAPSHOT",
      "SQLITE_LOCKED",
      "40001",
      "40P01",
      "57P01",
      "ECONNRESET",
    ]) {
      expect(isTransientWriteError(coded(code)), code).toBe(true);
    }
    expect(isTransientWriteError(new Error("database is locked"))).toBe(true);
    for (const code of ["SQLITE_CONSTRAINT_PRIMARYKEY", "23505", "42P01", "SQLITE_CORRUPT"]) {
      expect(isTransientWriteError(coded(code)), code).toBe(false);
    }
  });

  it("retries a transient failure until it succeeds, and gives up at once on any other", async () => {
    let calls = 0;
    const ok = await withWriteRetry(async () => {
      calls++;
      if (calls < 3) throw coded("40001");
      return "written";
    }, 10_000);
    expect(ok).toBe("written");
    expect(calls).toBe(3);

    let constraint = 0;
    await expect(
      withWriteRetry(async () => {
        constraint++;
        throw coded("23505", "duplicate key");
      }, 10_000),
    ).rejects.toThrow("duplicate key");
    expect(constraint).toBe(1);
  });

  it("stops retrying once the window has passed", async () => {
    let calls = 0;
    await expect(
      withWriteRetry(async () => {
        calls++;
        throw coded("SQLITE_BUSY", "database is locked");
      }, 0),
    ).rejects.toThrow("database is locked");
    expect(calls).toBe(1);
  });
});
