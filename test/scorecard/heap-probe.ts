/**
 * Run as a child process with --expose-gc (test/scorecard/stream.test.ts): writes a run of N
 * cases into a real SQLite store, then builds its scorecard by streaming, collecting garbage at
 * every page so what is measured is live heap, not garbage the collector has not reached yet.
 * Prints {baseline, peak, growthMb, cases, results} as JSON.
 */
import { streamScorecard } from "../../src/scorecard/stream.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { writeScorecardRun } from "../support/scorecard-rows.ts";

const [file, n] = [process.argv[2], Number(process.argv[3])];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const store = openSqliteStore(file);
const run = await writeScorecardRun(store, { n, rich: false, id: "heap" });
gc();
gc();
const baseline = process.memoryUsage().heapUsed;
let peak = baseline;
const sample = () => {
  gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed);
};
const card = await streamScorecard(store, run, { onPage: sample });
sample();
await store.close();
process.stdout.write(
  `${JSON.stringify({ baseline, peak, growthMb: (peak - baseline) / 2 ** 20, cases: card.cases, results: card.results })}\n`,
);
