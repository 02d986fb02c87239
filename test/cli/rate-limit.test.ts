import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { busiestWindow, countingServer, queueSuite } from "../queue/support.ts";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";

describe("rateLimit without a queue", () => {
  it("paces one process's calls to the target: at most perSecond per second in any window", async () => {
    const server = await countingServer({ delayMs: 2 });
    const suite = queueSuite(server.url, 130, {
      targetLines: ["    rateLimit: { perSecond: 20 }"],
      suiteLines: ["concurrency: 30"],
    });
    try {
      const run = await runCli(["run", suite.dir, "--db", suite.path("a.db"), "--quiet"]);
      expect(run.code, run.stderr).toBe(0);
      expect(server.total()).toBe(130);
      // one start per 50 ms however late the event loop runs: 100 in any 5 s; the slack is for
      // arrival jitter at the server (a call delayed on its way lands beside the next one)
      expect(busiestWindow(server.arrivals, 5000)).toBeLessThanOrEqual(105);
    } finally {
      await server.close();
      suite.remove();
    }
  }, 60_000);

  it("loads neither Redis nor BullMQ unless --queue is given", async () => {
    const server = await countingServer({ delayMs: 1 });
    const suite = queueSuite(server.url, 3);
    const probe = tempDir("assay-probe-");
    try {
      // A module hook that notes every import resolved in the CLI's process.
      probe.write(
        "hooks.mjs",
        [
          'import { appendFileSync } from "node:fs";',
          "export async function resolve(specifier, context, next) {",
          `  if (/^(bullmq|ioredis)(\\/|$)/.test(specifier)) appendFileSync(${JSON.stringify(probe.path("loaded.txt"))}, specifier + "\\n");`,
          "  return next(specifier, context);",
          "}",
        ].join("\n"),
      );
      probe.write(
        "register.mjs",
        `import { register } from "node:module";\nregister(${JSON.stringify(`file://${probe.path("hooks.mjs")}`)});\n`,
      );
      writeFileSync(probe.path("loaded.txt"), "");
      const env = { NODE_OPTIONS: `--import ${probe.path("register.mjs")}` };
      const run = await runCli(["run", suite.dir, "--db", suite.path("a.db"), "--quiet"], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(probe.read("loaded.txt")).toBe("");
      // the probe itself works: with --queue (an unreachable one) the packages are loaded
      const queued = await runCli(
        ["run", suite.dir, "--db", suite.path("a.db"), "--queue", "redis://127.0.0.1:1", "--quiet"],
        { env },
      );
      expect(queued.code).toBe(2);
      expect(probe.read("loaded.txt")).toMatch(/ioredis|bullmq/);
    } finally {
      await server.close();
      suite.remove();
      probe.remove();
    }
  }, 60_000);
});
