/**
 * `npm run bench`: the harness against the physical floor N·L/C (DESIGN.md §5 Performance).
 * A target process answers in a fixed 20 ms; each size runs in a fresh process so memory
 * figures are its own. Not a test: it prints figures.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { wholeProcessBench } from "./whole.ts";

const LATENCY_MS = 20;
const CONCURRENCY = 50;
const SIZES = (process.env.BENCH_SIZES ?? "2000,20000").split(",").map(Number);

const here = fileURLToPath(new URL(".", import.meta.url));
const RESULTS = join(here, "results.json");
/** the web figures kept last time (the whole-process bench rewrites the file before the UI bench) */
const previousWeb = existsSync(RESULTS)
  ? (
      JSON.parse(readFileSync(RESULTS, "utf8")) as {
        web?: { scorecardFirstVisitS: number; serverPeakRssMb: number };
      }
    ).web
  : undefined;
const server = spawn(process.execPath, [join(here, "target-server.mjs"), String(LATENCY_MS)], {
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<string>((resolve) => {
  createInterface({ input: server.stdout }).once("line", resolve);
});

interface Figures {
  n: number;
  wallMs: number;
  peakRssMb: number;
  runMaxRssMb: number;
  scorecardMs: number;
  totalMaxRssMb: number;
  errors: number;
  results: number;
}

const rows: Figures[] = [];
try {
  // ── Whole process, as users run it (bench/whole.ts): BENCH_WHOLE=0 skips it.
  if (process.env.BENCH_WHOLE !== "0") await wholeProcessBench(port, LATENCY_MS, CONCURRENCY);
  process.stdout.write("engine in-process (the requests phase alone):\n");
  for (const n of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), "assay-bench-"));
    try {
      const res = spawnSync(
        process.execPath,
        ["--import", "tsx", join(here, "engine-once.ts"), dir, String(n), port, String(CONCURRENCY)],
        { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      );
      if (res.status !== 0) throw new Error(`bench run failed: ${res.stderr}`);
      const figures = JSON.parse(res.stdout.trim().split("\n").pop() as string) as Figures;
      rows.push(figures);
      const floor = (n * LATENCY_MS) / CONCURRENCY;
      process.stdout.write(
        `engine  n=${String(n).padStart(6)}  wall ${(figures.wallMs / 1000).toFixed(2)} s  floor ${(floor / 1000).toFixed(2)} s  ` +
          `ratio ${(figures.wallMs / floor).toFixed(3)}  peak RSS ${figures.runMaxRssMb.toFixed(0)} MB  ` +
          `(scorecard ${figures.scorecardMs.toFixed(0)} ms, RSS with scorecard ${figures.totalMaxRssMb.toFixed(0)} MB)  ` +
          `errors ${figures.errors}/${figures.results}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (rows.length >= 2) {
    const first = rows[0];
    const last = rows[rows.length - 1];
    process.stdout.write(
      `memory growth n=${first.n}→${last.n}: ${(last.runMaxRssMb / first.runMaxRssMb).toFixed(2)}× peak RSS during the run\n`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "assay-bench-compare-"));
  try {
    const res = spawnSync(
      process.execPath,
      ["--import", "tsx", join(here, "compare-once.ts"), dir, "20000"],
      {
        encoding: "utf8",
      },
    );
    if (res.status !== 0) throw new Error(`compare bench failed: ${res.stderr}`);
    const f = JSON.parse(res.stdout.trim().split("\n").pop() as string) as {
      n: number;
      loadMs: number;
      compareMs: number;
      tests: number;
    };
    process.stdout.write(
      `compare n=${f.n} × 2 runs, 10,000 bootstrap resamples, ${f.tests} dimension/slice tests: ` +
        `read ${(f.loadMs / 1000).toFixed(2)} s + compare ${(f.compareMs / 1000).toFixed(2)} s = ${((f.loadMs + f.compareMs) / 1000).toFixed(2)} s (goal < 2 s)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  server.kill("SIGTERM");
}

// ── Start-up of the built CLI (bench/startup.ts), beside `node -e 0`.
{
  const startup = spawnSync(process.execPath, ["--import", "tsx", join(here, "startup.ts")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (startup.status !== 0) throw new Error("startup bench failed");
  process.stdout.write(startup.stdout);
}

// ── UI load (bench/ui-load.ts, the web app): 100,000 cases, time to the first case-table rows
// in Chromium and the server's peak RSS. In its own process; skipped without Debian's Chromium.
if (existsSync("/usr/bin/chromium")) {
  const figures = join(mkdtempSync(join(tmpdir(), "assay-bench-ui-")), "ui.json");
  const ui = spawnSync(process.execPath, ["--import", "tsx", join(here, "ui-load.ts")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_UI_JSON: figures },
  });
  if (ui.status !== 0) throw new Error("ui bench failed");
  process.stdout.write(ui.stdout);
  // the web figures join the whole-process ones, so a regression shows in review as a diff
  if (existsSync(figures) && existsSync(RESULTS)) {
    const kept = JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown>;
    const web = JSON.parse(readFileSync(figures, "utf8")) as {
      scorecardFirstVisitS: number;
      serverPeakRssMb: number;
    };
    const before = previousWeb;
    if (before) {
      process.stdout.write(
        `web (was): scorecard on the first visit ${before.scorecardFirstVisitS} s, server peak RSS ${before.serverPeakRssMb} MB (goal < 2 s, ≤ 300 MB)\n`,
      );
    }
    writeFileSync(RESULTS, `${JSON.stringify({ ...kept, web }, null, 2)}\n`);
  }
} else {
  process.stdout.write("ui      skipped: /usr/bin/chromium is not installed (apt-get install -y chromium)\n");
}

// ── Scale-out (bench/scale.ts): 100,000 cases through PostgreSQL and a Redis queue with 1, 2 and
// 4 workers. Skips itself when PostgreSQL or Redis does not answer; BENCH_SCALE=0 skips it.
if (process.env.BENCH_SCALE !== "0") {
  const scale = spawnSync(process.execPath, ["--import", "tsx", join(here, "scale.ts")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (scale.status !== 0) throw new Error("scale bench failed");
  process.stdout.write(scale.stdout);
}
