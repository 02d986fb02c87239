#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx assay` needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv);
// Exit once output has drained, even if a user's module target left a handle open.
process.stdout.write("", () => process.exit(code));
