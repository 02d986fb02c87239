/**
 * UI load: a 100,000-case run in a store, the web app's server in its own process, and Chromium
 * opening /runs/:id. Prints the time from navigation to the first case-table rows on screen — on
 * the first visit (the server builds the run's case index then) and on a later one (index cached)
 * — plus a filter and a far scroll, and the server's peak RSS. Goal: first rows under 1.5 s.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openSqliteStore } from "../src/store/index.ts";
import { writeBigRun } from "../test/web/support/big-run.ts";
import { ensureWebBuilt, launchBrowser } from "../test/web/support/web.ts";

const N = Number(process.env.BENCH_UI_CASES ?? 100_000);
const here = fileURLToPath(new URL(".", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "assay-bench-ui-"));
const db = join(dir, "assay.db");

try {
  await ensureWebBuilt();
  const store = openSqliteStore(db);
  let t = performance.now();
  const run = await writeBigRun(store, { n: N });
  const writeMs = performance.now() - t;
  await store.close();

  const server = spawn(process.execPath, ["--import", "tsx", join(here, "ui-server.ts"), db], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: server.stdout });
  const next = () => new Promise<string>((resolve) => lines.once("line", resolve));
  const port = await next();
  const origin = `http://127.0.0.1:${port}`;
  const browser = await launchBrowser();
  try {
    const firstRows = async (path: string) => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const start = performance.now();
      await page.goto(`${origin}${path}`);
      await page.locator("tr[data-case]").first().waitFor({ timeout: 120_000 });
      const ms = performance.now() - start;
      return { page, ms };
    };
    const cold = await firstRows(`/runs/${run.id}`);
    // the scorecard arrives after the rows on a large run (it is built once, then cached)
    t = performance.now();
    await cold.page.getByTestId("heatmap").waitFor({ timeout: 120_000 });
    const scorecardMs = performance.now() - t + cold.ms;
    await cold.page.close();
    const warm = await firstRows(`/runs/${run.id}`);
    const p = warm.page;

    t = performance.now();
    await p.locator("[data-status=fail]").click();
    await p
      .getByTestId("case-count")
      .getByText(`${run.counts.status.fail.toLocaleString("en-US")} of`)
      .waitFor();
    await p.locator("tr.status-fail[data-case]").first().waitFor();
    const filterMs = performance.now() - t;

    t = performance.now();
    await p.getByTestId("case-table").evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    // rows from the middle of the filtered list are on screen once their page arrived
    for (;;) {
      const id = await p.locator("tr[data-case]").first().getAttribute("data-case");
      if (id && Number(id.slice("case-".length)) > 40_000) break;
      await p.waitForTimeout(5);
    }
    const scrollMs = performance.now() - t;
    await p.close();

    server.stdin.write("report\n");
    const { peakRssMb } = JSON.parse(await next()) as { peakRssMb: number };
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(
      `ui      n=${N}  first case rows: first visit ${s(cold.ms)} (builds the run's index), later visits ${s(warm.ms)} (goal < 1.5 s)  ` +
        `scorecard on the first visit ${s(scorecardMs)}  filter ${s(filterMs)}  scroll to middle ${s(scrollMs)}  ` +
        `server peak RSS ${peakRssMb.toFixed(0)} MB  (store written in ${s(writeMs)})\n`,
    );
    // bench/run.ts keeps these beside the whole-process figures in bench/results.json
    if (process.env.BENCH_UI_JSON) {
      const round = (ms: number) => Math.round(ms) / 1000;
      writeFileSync(
        process.env.BENCH_UI_JSON,
        JSON.stringify({
          n: N,
          firstRowsFirstVisitS: round(cold.ms),
          firstRowsLaterVisitS: round(warm.ms),
          scorecardFirstVisitS: round(scorecardMs),
          serverPeakRssMb: Math.round(peakRssMb),
        }),
      );
    }
  } finally {
    await browser.close();
    server.kill("SIGTERM");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
