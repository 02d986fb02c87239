import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, expect } from "vitest";
import { type RunningServer, startServer } from "../../../src/server/serve.ts";
import type { Store } from "../../../src/store/types.ts";
import { REPO_ROOT } from "../../support/cli.ts";

/** Debian's Chromium; playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const WEB = join(REPO_ROOT, "web");
const DIST_INDEX = join(WEB, "dist", "index.html");
const LOCK = join(WEB, ".build-lock");

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (name.name === "dist" || name.name === "node_modules" || name.name.startsWith(".")) continue;
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  return existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= newestSource(WEB);
}

/**
 * Builds web/dist when it is missing or older than its sources (`npm ci` builds it; this covers a
 * checkout that changed since). Test files run in parallel, so one builds and the others wait.
 */
export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!upToDate()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // another worker is building; a lock older than two minutes is left from a crash
      if (Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000)
        rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for the web build");
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    try {
      if (upToDate()) break;
      const res = spawnSync(
        process.execPath,
        [join(REPO_ROOT, "node_modules/vite/bin/vite.js"), "build", "web", "--logLevel", "warn"],
        {
          cwd: REPO_ROOT,
          encoding: "utf8",
          // vitest sets NODE_ENV=test, which would bundle React's development build
          env: { ...process.env, NODE_ENV: "production" },
        },
      );
      if (res.status !== 0) throw new Error(`web build failed:\n${res.stdout}\n${res.stderr}`);
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Console messages about Content-Security-Policy violations and uncaught page errors. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return { problems };
}

/**
 * One server and one browser for a browser test file: `start` serves the store, `open` gives a
 * fresh page watched for CSP violations and page errors, and after each test the page must have
 * had none. Registers its own afterEach/afterAll hooks.
 */
export function webSession(viewport: { width: number; height: number }) {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let problems: string[] = [];
  afterEach(async () => {
    expect(problems, "no CSP violations or page errors").toEqual([]);
    await page?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    async start(store: Store): Promise<void> {
      server = await startServer({ store, port: 0 });
      browser = await launchBrowser();
    },
    get origin(): string {
      if (!server) throw new Error("webSession: start() first");
      return server.origin;
    },
    async open(path: string): Promise<Page> {
      if (!browser) throw new Error("webSession: start() first");
      page = await browser.newPage({ viewport });
      problems = watchPage(page).problems;
      await page.goto(`${this.origin}${path}`);
      return page;
    },
  };
}
