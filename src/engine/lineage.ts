import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { RunOrigin } from "../store/types.ts";

export { toolVersion } from "../util/version.ts";

const GIT_HEAD = ["rev-parse", "HEAD"];
const GIT_CHANGES = ["status", "--porcelain", "--", "."];
const GIT_OPTIONS = { stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"], timeout: 5000 };

function commitOf(head: string, changes: string): string {
  return changes.trim() !== "" ? `${head.trim()}+dirty` : head.trim();
}

/** The commit the suite's folder is at, with `+dirty` when it has uncommitted changes. */
export function gitCommit(dir: string): string | undefined {
  try {
    const opts = { ...GIT_OPTIONS, cwd: dir };
    return commitOf(
      execFileSync("git", GIT_HEAD, opts).toString(),
      execFileSync("git", GIT_CHANGES, opts).toString(),
    );
  } catch {
    return undefined;
  }
}

/**
 * gitCommit without blocking: both git commands run while the caller goes on (in a large
 * repository `git status` alone takes a while, and a run has other things to do meanwhile).
 */
export async function gitCommitAsync(dir: string): Promise<string | undefined> {
  const git = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile("git", args, { ...GIT_OPTIONS, cwd: dir }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
  try {
    const [head, changes] = await Promise.all([git(GIT_HEAD), git(GIT_CHANGES)]);
    return commitOf(head, changes);
  } catch {
    return undefined;
  }
}

/** Sortable, readable run ids: `20261128-123456-rules-v2-1a2b`. */
export function newRunId(target: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${target}-${randomBytes(2).toString("hex")}`;
}

/** The CI job's page, from the variables the common CI services set. */
export function ciJobUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ASSAY_ORIGIN_URL) return env.ASSAY_ORIGIN_URL;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return env.CI_JOB_URL ?? env.BUILDKITE_BUILD_URL ?? env.BUILD_URL;
}

/** Where this process runs: host, user and CI job (ASSAY_ORIGIN_HOST / ASSAY_ORIGIN_USER override). */
export function runOrigin(env: NodeJS.ProcessEnv = process.env): RunOrigin {
  let user = env.ASSAY_ORIGIN_USER ?? env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = env.USER ?? "unknown";
    }
  }
  const ciUrl = ciJobUrl(env);
  return { host: env.ASSAY_ORIGIN_HOST ?? hostname(), user, ...(ciUrl ? { ciUrl } : {}) };
}
