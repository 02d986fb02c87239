#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm run build`, which `npm install` runs through `prepare`).
// A checkout that was never built, or ASSAY_FROM_SOURCE=1, runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
let main;
if (process.env.ASSAY_FROM_SOURCE !== "1" && existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
const code = await main(process.argv);
// Exit once output has drained, even if a user's module target left a handle open.
process.stdout.write("", () => process.exit(code));
