// A stand-in for a model service: answers every POST after a fixed delay, in its own process so
// its work does not count against the harness. Prints its port on stdout.
// GET /first-request answers {"atMs", "lastAtMs", "count"}: the epoch ms of the first and of the
// last POST since the last such GET (null if none) and how many came, and starts over. The bench
// splits a run's wall time with them: spawn → first call, first → last call, last call → exit.
import { createServer } from "node:http";

const delayMs = Number(process.argv[2] ?? 20);
let firstRequestAtMs = null;
let lastRequestAtMs = null;
let requests = 0;
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/first-request") {
    const payload = JSON.stringify({ atMs: firstRequestAtMs, lastAtMs: lastRequestAtMs, count: requests });
    firstRequestAtMs = null;
    lastRequestAtMs = null;
    requests = 0;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(payload);
    return;
  }
  // taken on arrival, before the body is read: the moment the client's request reached us
  lastRequestAtMs = Date.now();
  firstRequestAtMs ??= lastRequestAtMs;
  requests++;
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    setTimeout(() => {
      let text = "";
      try {
        text = JSON.parse(body).text ?? "";
      } catch {}
      const payload = JSON.stringify({ result: { action: "create", title: String(text).slice(5) } });
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      });
      res.end(payload);
    }, delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
