// A stand-in for a model service: answers every POST after a fixed delay, in its own process so
// its work does not count against the harness. Prints its port on stdout.
import { createServer } from "node:http";

const delayMs = Number(process.argv[2] ?? 20);
const server = createServer((req, res) => {
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
