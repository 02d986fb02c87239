// Bundles the CLI (src/cli/main.ts and everything it imports, lazily loaded commands as separate
// chunks) into dist/cli/bundle/, which bin/assay.js runs. Loading some 740 files one by one
// (kysely alone is 265, zod 99) cost a run 200–350 ms before its first request; a bundle loads a
// handful (issue 14). The library (dist/index.js) stays unbundled, emitted by tsc.
//
// Left out of the bundle, loaded from node_modules as usual: better-sqlite3 (a native addon),
// tsx (a loader, for TypeScript module targets), and what only some runs need and is large:
// the PostgreSQL, Redis/BullMQ and provider SDK clients.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const outdir = `${root}dist/cli/bundle`;

const EXTERNAL = [
  "better-sqlite3",
  "tsx",
  "tsx/*",
  "pg",
  "pg-native",
  "ioredis",
  "bullmq",
  "openai",
  "@anthropic-ai/sdk",
  "playwright-core",
];

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  chunkNames: "chunk-[hash]",
  // CommonJS dependencies bundled into ESM call require() for node built-ins: give them one.
  banner: {
    js: 'import { createRequire as __assayRequire } from "node:module"; const require = __assayRequire(import.meta.url);',
  },
  logLevel: "warning",
});
