// Bundles the CLI (src/cli/main.ts and everything it imports) into one CommonJS file,
// dist/cli/assay.cjs, which bin/assay.js compiles with a V8 code cache (src/cli/compile-cache.ts).
// Loading ~740 files one by one (kysely alone is 265, zod 99) cost a run 200–350 ms before its
// first request, and compiling even a bundle of them ~120 ms more; a code cache only exists for
// scripts, not ES modules, in Node 20 (issue 14). The library (dist/index.js) stays unbundled,
// emitted by tsc.
//
// Modules a command imports lazily stay lazy inside the bundle (esbuild wraps each in an
// initialiser run on first import), so a command evaluates only its own code.
//
// Left out of the bundle, loaded from node_modules as usual: better-sqlite3 (a native addon),
// tsx (a loader, for TypeScript module targets), and what only some runs need and is large:
// the PostgreSQL, Redis/BullMQ and provider SDK clients.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const outfile = `${root}dist/cli/assay.cjs`;

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

/**
 * zod's classic API re-exports every locale's error messages (370 KB, half of zod) as
 * `z.locales`; assay reports in English only and never reads it, so the namespace holds `en`.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: "zod-locales-en", namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
    }));
  },
};

/**
 * Non-ASCII characters (in comments and regular expressions esbuild leaves as they are) make
 * Node read the file as two-byte UTF-16: 55 ms instead of 1 ms for 4 MB here. Escaped, the file
 * is ASCII; `\uXXXX` means the same character in a string, a regular expression, a template
 * or a comment.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

mkdirSync(`${root}dist/cli`, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outfile,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  // Whitespace and comments are a third of the file; names stay, so stack traces read as before.
  minifyWhitespace: true,
  // Every module's import.meta.url is the bundle's: files of the package are found from there by
  // walking up to package.json (src/util/package-root.ts).
  define: { "import.meta.url": "__assayBundleUrl" },
  banner: { js: 'var __assayBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [zodEnglishOnly],
  logLevel: "warning",
});
const code = asciiOnly(readFileSync(outfile, "utf8"));
// The first line names the build: the code cache of one build is never used for another.
const buildId = createHash("sha256").update(code).digest("hex").slice(0, 16);
writeFileSync(outfile, `// assay-bundle ${buildId}\n${code}`);
