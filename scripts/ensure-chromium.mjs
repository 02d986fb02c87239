#!/usr/bin/env node
// The browser tests drive Debian's Chromium (playwright-core never downloads a browser).
// Runs before `npm test`: nothing to do when it is installed; installs it with apt when this
// is a Debian machine and we are root (CI, fresh dev containers); otherwise says how.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = existsSync("/usr/bin/apt-get");
if (!isRoot || !hasApt) {
  process.stderr.write(
    `The browser tests need Chromium at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium)\n` +
      "or point ASSAY_CHROMIUM at a Chromium binary.\n",
  );
  process.exit(1);
}
process.stderr.write("installing Debian's chromium for the browser tests…\n");
for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
  const res = spawnSync("apt-get", args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (res.status !== 0) {
    process.stderr.write(`apt-get ${args.join(" ")} failed (exit ${res.status})\n`);
    process.exit(1);
  }
}
