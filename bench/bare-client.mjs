// The practical floor of the whole-process bench: a bare node:http client (keep-alive, the same
// concurrency, the same request and JSON response as the bench suite) against the same target
// server, with nothing else — no suite, no store, no scoring. Node's own start-up and the
// server's timers and parsing are in it; whatever assay adds is the difference.
// Usage: node bench/bare-client.mjs PORT N CONCURRENCY
import http from "node:http";

const [port, nText, concurrencyText] = process.argv.slice(2);
const n = Number(nText);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrencyText) });
let next = 0;
let done = 0;
await new Promise((resolve, reject) => {
  const fire = () => {
    if (next >= n) return;
    const body = JSON.stringify({ text: `task ${next++} for bench` });
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => {
          JSON.parse(text);
          if (++done === n) resolve();
          else fire();
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  };
  for (let i = 0; i < Number(concurrencyText); i++) fire();
});
agent.destroy();
