/**
 * The web app's server over one store, in its own process so its memory is measured alone.
 * Prints its port; on a line "report" on stdin prints {"peakRssMb"} and exits.
 */
import { createInterface } from "node:readline";
import { startServer } from "../src/server/serve.ts";
import { openSqliteStore } from "../src/store/index.ts";

const [db] = process.argv.slice(2);
const store = openSqliteStore(db);
const server = await startServer({ store, port: 0 });
process.stdout.write(`${server.port}\n`);
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line.trim() !== "report") return;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ peakRssMb })}\n`);
  await server.close();
  await store.close();
  process.exit(0);
});
