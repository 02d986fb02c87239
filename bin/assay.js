#!/usr/bin/env node
// Runs the built CLI: the bundle in dist/cli/bundle/ (made by `npm run build`, which `npm install`
// runs through `prepare`), else tsc's dist/cli/main.js. A checkout that was never built, or
// ASSAY_FROM_SOURCE=1, runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
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
const young = new PerformanceObserver(() => {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  if (space && space.space_size >= YOUNG_GENERATION_CAP) {
    setFlagsFromString("--semi-space-growth-factor=1");
    young.disconnect();
  }
});
young.observe({ entryTypes: ["gc"] });

const built = ["../dist/cli/bundle/main.js", "../dist/cli/main.js"]
  .map((path) => new URL(path, import.meta.url))
  .find((url) => existsSync(url));
let main;
if (process.env.ASSAY_FROM_SOURCE !== "1" && built) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
const code = await main(process.argv);
// Exit once output has drained, even if a user's module target left a handle open.
process.stdout.write("", () => process.exit(code));
