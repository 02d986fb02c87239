#!/usr/bin/env node
// Runs the built CLI: the bundle in dist/cli/bundle/ (made by `npm run build`, which `npm install`
// runs through `prepare`), else tsc's dist/cli/main.js. A checkout that was never built, or
// ASSAY_FROM_SOURCE=1, runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

// V8 lets a small heap grow about fourfold before collecting its old space, so a long run's
// short-lived results pile up as garbage: 250 MB of RSS for 30 MB of live objects. A 20% growth
// step keeps the process near what it really holds, at no measurable CPU cost (issue 14).
setFlagsFromString("--heap-growing-percent=20");

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
