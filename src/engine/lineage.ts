import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

let cachedToolVersion: string | undefined;

export function toolVersion(): string {
  if (cachedToolVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    cachedToolVersion = pkg.version;
  }
  return cachedToolVersion;
}

/** The commit the suite's folder is at, with `+dirty` when it has uncommitted changes. */
export function gitCommit(dir: string): string | undefined {
  try {
    const opts = {
      cwd: dir,
      stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"],
      timeout: 5000,
    };
    const head = execFileSync("git", ["rev-parse", "HEAD"], opts).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "."], opts).toString().trim() !== "";
    return dirty ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
}

/** Sortable, readable run ids: `20261128-123456-rules-v2-1a2b`. */
export function newRunId(target: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${target}-${randomBytes(2).toString("hex")}`;
}
