/**
 * Start-up of the built CLI as a user runs it (`node bin/assay.js …`), side by side with `node -e 0`:
 * the median of several spawns each. Goals (adoption issue): `assay --version` ≤ 0.15 s and
 * `assay runs` ≤ 0.4 s. Needs dist/ (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const bin = join(root, "bin/assay.js");
const REPEATS = Number(process.env.BENCH_STARTUP_REPEATS ?? 9);

function medianMs(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: "ignore" });
    times.push(performance.now() - t0);
    if (res.status !== 0) throw new Error(`${args.join(" ")} exited ${res.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

if (!existsSync(join(root, "dist/cli/main.js"))) {
  process.stdout.write("startup skipped: dist/ is not built (npm run build)\n");
} else {
  const dir = mkdtempSync(join(tmpdir(), "assay-bench-startup-"));
  try {
    // a store with one run, so `runs` has something to list
    const db = join(dir, "assay.db");
    const init = spawnSync(process.execPath, [bin, "init", dir], { stdio: "ignore" });
    const run = spawnSync(process.execPath, [bin, "run", dir, "--quiet", "--db", db], { stdio: "ignore" });
    if (init.status !== 0 || run.status !== 0) throw new Error("startup bench: could not make a store");
    const node = medianMs(["-e", "0"]);
    const version = medianMs([bin, "--version"]);
    const runs = medianMs([bin, "runs", "--db", db]);
    process.stdout.write(
      `startup (median of ${REPEATS})  node -e 0 ${(node / 1000).toFixed(3)} s · assay --version ${(version / 1000).toFixed(3)} s (goal ≤ 0.15) · ` +
        `assay runs ${(runs / 1000).toFixed(3)} s (goal ≤ 0.4)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
