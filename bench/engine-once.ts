/**
 * One measured run in a fresh process: N cases through an HTTP target at concurrency C, two
 * deterministic evaluators, SQLite store. Prints one JSON line of figures.
 */
import { join } from "node:path";
import { loadSuite } from "../src/config/load.ts";
import { runSuite } from "../src/engine/run-suite.ts";
import { loadScorecard } from "../src/scorecard/load.ts";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { writeBenchSuite } from "./measure.ts";

const [dir, nText, port, concurrencyText] = process.argv.slice(2);
const n = Number(nText);
const concurrency = Number(concurrencyText);

writeBenchSuite(dir, n, port, concurrency);

const suite = await loadSuite(join(dir, "assay.yaml"));
const store = openSqliteStore(join(dir, "assay.db"));
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const t0 = performance.now();
const result = await runSuite(suite, { store });
const wallMs = performance.now() - t0;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const runMaxRssMb = process.resourceUsage().maxRSS / 1024;
const t1 = performance.now();
const card = await loadScorecard(store, result.runs[0].run);
const scorecardMs = performance.now() - t1;
await store.close();
process.stdout.write(
  `${JSON.stringify({
    n,
    wallMs,
    peakRssMb: peakRss / 1024 / 1024,
    runMaxRssMb,
    scorecardMs,
    totalMaxRssMb: process.resourceUsage().maxRSS / 1024,
    errors: card.errors.count,
    results: card.results,
    actionMean: card.dimensions.action.mean,
  })}\n`,
);
