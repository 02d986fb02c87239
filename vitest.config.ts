import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    // Integration tests spawn processes and servers; two cores, so keep the pool small.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Builds dist/ first: child-process CLI tests run the built code (see test/support/build.ts).
    globalSetup: ["./test/support/build.ts"],
    // The CLIs the tests spawn keep their code cache (src/cli/compile-cache.ts) out of the home folder.
    env: { ASSAY_COMPILE_CACHE: join(tmpdir(), "assay-test-compile-cache") },
  },
});
