#!/usr/bin/env node
// Runs the built CLI: the bundle dist/cli/assay.cjs (made by `npm run build`, which `npm install`
// runs through `prepare`), compiled with a V8 code cache (src/cli/compile-cache.ts), else tsc's
// dist/cli/main.js. A checkout that was never built, or ASSAY_FROM_SOURCE=1, runs the TypeScript
// sources through tsx.
import { existsSync, readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

// V8 lets a small heap grow about fourfold before collecting its old space, so a long run's
// short-lived results pile up as garbage: 250 MB of RSS for 30 MB of live objects. A 20% growth
// step keeps the process near what it really holds, at no measurable CPU cost (issue 14).
setFlagsFromString("--heap-growing-percent=20");

// V8 doubles its young generation (up to 2 × 16 MB) while objects keep surviving its collections,
// and a run's results in flight always do. Past 2 × 4 MB it mostly costs memory: a 20k-case run
// measured (mean of 4) peak RSS 141 → 122 MB for some 7% more CPU in more young collections and
// the same wall time within noise (1%), so its growth stops there. Only a command-line flag can
// cap it from the start; this stops it when a collection finds it that large.
const YOUNG_GENERATION_CAP = 8 * 1024 * 1024;
/** the bundle, once loaded: its code cache is written before the flag below changes */
let bundle;
const young = new PerformanceObserver(() => {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  if (space && space.space_size >= YOUNG_GENERATION_CAP) {
    bundle?.saveCache();
    setFlagsFromString("--semi-space-growth-factor=1");
    young.disconnect();
  }
});
young.observe({ entryTypes: ["gc"] });

const args = process.argv.slice(2);
const fromSource = process.env.ASSAY_FROM_SOURCE === "1";
const bundleFile = new URL("../dist/cli/assay.cjs", import.meta.url);
const builtMain = new URL("../dist/cli/main.js", import.meta.url);
const bundled = !fromSource && existsSync(bundleFile);
let main;
if (bundled && args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // The version needs none of the CLI: it is package.json's.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
} else if (bundled) {
  const { loadBundle } = await import("../dist/cli/compile-cache.js");
  const debug = process.env.ASSAY_DEBUG ? (line) => process.stderr.write(`assay: ${line}\n`) : undefined;
  bundle = loadBundle(fileURLToPath(bundleFile), { command: args[0], log: debug });
  ({ main } = bundle.exports);
} else if (!fromSource && existsSync(builtMain)) {
  ({ main } = await import(builtMain.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
const code = await main(process.argv);
// Only after a command that ran (exit 0, or 1 for a failed gate): not a mistyped one (exit 2).
if (code === 0 || code === 1) bundle?.saveCache();
// Exit once output has drained, even if a user's module target left a handle open.
process.stdout.write("", () => process.exit(code));
