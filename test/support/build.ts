import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: builds dist/ from the current sources once before the tests, so every test
 * that runs the real CLI as a child process (bin/assay.js runs the built code) tests what is in
 * src/ now, never a stale build — and without paying tsx's start-up on every spawn.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
