import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: builds dist/ from the current sources once before the tests — tsc's
 * output, then the CLI's bundle that bin/assay.js runs — so every test that runs the real CLI as
 * a child process tests what is in src/ now, never a stale build, and without paying tsx's
 * start-up on every spawn.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  } catch (err) {
    // Exit 2 is type errors with the JavaScript still emitted: `npm test` type-checks apart and fails
    // on them there; the tests run against what was emitted. Anything else is a broken build.
    if ((err as { status?: number }).status !== 2) throw err;
  }
  execFileSync(process.execPath, ["scripts/bundle-cli.mjs"], { cwd: root, stdio: "inherit" });
}
