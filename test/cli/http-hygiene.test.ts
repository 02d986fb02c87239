import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import { streamBigBody } from "../support/big-body.ts";
import { runCli, runCliInProcess } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

const SECRET = "sk-hygiene-9d2f6b0c1e7a4358";
const KEY_VAR = "ASSAY_HYGIENE_API_KEY";

/** Every 8-character piece of the secret found in the text: whole or cut, it must appear nowhere. */
function leaksOf(text: string | Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 8 <= SECRET.length; i++) {
    const piece = SECRET.slice(i, i + 8);
    if (text.includes(piece)) out.push(piece);
  }
  return out;
}

function suiteYaml(url: string, extra: string[] = []): string {
  return [
    "suite: hygiene",
    "dataset: cases.jsonl",
    "targets:",
    "  - id: svc",
    "    http:",
    `      url: "${url}"`,
    `      headers: { Authorization: "Bearer \${${KEY_VAR}}" }`,
    '      body: { id: "{{ case.id }}" }',
    '      output: "$.result"',
    "    timeoutMs: 60000",
    "    retries: 2",
    ...extra,
    "dimensions:",
    "  answer: { evaluator: json-field, with: { field: answer } }",
  ].join("\n");
}

/**
 * HTTP hygiene end to end (issue 8, item 6): a hostile service echoes the key in error bodies
 * (after 300 characters of padding, where the old cut-then-scrub left its prefix) and in an
 * output, sends a 70 MB body, and redirects to another origin. The key must appear nowhere:
 * not in the store's bytes, the exports, or the web API.
 */
describe("http hygiene, end to end", () => {
  let tmp: ReturnType<typeof tempDir>;
  let service: TestServer;
  let elsewhere: TestServer;
  const headersElsewhere: unknown[] = [];
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    tmp = tempDir();
    elsewhere = await startServer((req, res) => {
      headersElsewhere.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ result: { answer: "yes" } }));
    });
    service = await startServer((req, res, body) => {
      const { id } = JSON.parse(body) as { id: string };
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      switch (id) {
        case "ok":
          return json(200, { result: { answer: "yes" } });
        case "pad300": // the brief's body: the key after 300 characters of padding
          res.writeHead(500, { "content-type": "text/plain" });
          return res.end(`${"x".repeat(300)} key=${SECRET}`);
        case "pad-cut": // padded so that a 300-character cut lands inside the key
          res.writeHead(500, { "content-type": "text/plain" });
          return res.end(`${"x".repeat(285)} key=${SECRET}`);
        case "echo": // a 200 whose output echoes the credential it was sent
          return json(200, { result: { answer: "yes", echo: `you sent ${req.headers.authorization}` } });
        case "big":
          return streamBigBody(res, 70);
        case "redirect":
          res.writeHead(307, { location: `${elsewhere.url}/landing` });
          return res.end();
      }
    });
    const ids = ["ok", "pad300", "pad-cut", "echo", "big", "redirect"];
    tmp.write("cases.jsonl", jsonl(ids.map((id) => ({ id, input: id, expected: { answer: "yes" } }))));
    tmp.write("assay.yaml", suiteYaml(`${service.url}/answer`, ["concurrency: 6"]));
  }, 30_000);

  afterAll(async () => {
    await service.close();
    await elsewhere.close();
    tmp.remove();
  });

  it("keeps the key out of the store, the exports and the web API", async () => {
    const env = { [KEY_VAR]: SECRET, ASSAY_DB: tmp.path("store/assay.db") };
    const res = await runCliInProcess(["run", tmp.dir, "--json", tmp.path("card.json")], { env });
    expect(res.code, res.stderr).toBe(0);

    const card = JSON.parse(readFileSync(tmp.path("card.json"), "utf8"));
    expect(card.errors.byClass).toEqual({ "server-error": 2, "response-too-large": 1, "client-error": 1 });
    expect(attempts.get("pad300")).toBe(3);
    expect(attempts.get("big")).toBe(1); // response-too-large is not retried
    expect(attempts.get("redirect")).toBe(1);
    // the other origin was never called (followRedirects defaults to same-origin) and saw nothing
    expect(headersElsewhere).toEqual([]);

    const texts: Array<[string, string | Buffer]> = [
      ["stdout", res.stdout],
      ["stderr", res.stderr],
      ["card", readFileSync(tmp.path("card.json"))],
    ];
    const storeBytes = () => {
      const dir = tmp.path("store");
      for (const f of readdirSync(dir)) texts.push([`store ${f}`, readFileSync(join(dir, f))]);
    };
    storeBytes(); // as the run left them (main file and WAL)

    for (const format of ["jsonl", "csv", "md", "junit", "json"]) {
      const out = await runCliInProcess(["export", card.run.id, "--format", format], { env });
      expect(out.code, out.stderr).toBe(0);
      texts.push([`export ${format}`, out.stdout], [`export ${format} stderr`, out.stderr]);
    }
    const records = (texts.find(([n]) => n === "export jsonl")![1] as string)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const byId = new Map(records.map((r) => [r.id, r]));
    // the errors are still there, classified, with the key scrubbed out (the padding is kept)
    expect(byId.get("pad300").error).toMatchObject({ class: "server-error", status: 500 });
    expect(byId.get("pad-cut").error.message).toContain("xxxxx key=");
    expect(byId.get("big").error.class).toBe("response-too-large");
    expect(byId.get("redirect").error.message).toContain(elsewhere.url);
    // the echoing output is stored, scrubbed, and still scored
    expect(JSON.stringify(byId.get("echo"))).toContain("you sent Bearer [redacted]");

    const store = openSqliteStore(tmp.path("store/assay.db"));
    try {
      const { app } = createApp({ store, webDir: tmp.path("no-web") });
      const get = async (path: string) => {
        const r = await app.request(path);
        const body = await r.text();
        expect(r.status, `${path}: ${body.slice(0, 200)}`).toBe(200);
        texts.push([`GET ${path}`, body]);
        return JSON.parse(body);
      };
      const list = await get(`/api/runs/${card.run.id}/cases?limit=100`);
      expect(list.rows).toHaveLength(6);
      // again once the run's index is built (the first page is answered from the store directly)
      await get(`/api/runs/${card.run.id}/cases?limit=100&status=error`);
      for (const id of byId.keys()) {
        const detail = await get(`/api/runs/${card.run.id}/cases/${id}`);
        if (id === "pad-cut") expect(JSON.stringify(detail.outputs)).toContain("server-error");
      }
      await get(`/api/runs/${card.run.id}/scorecard`);
    } finally {
      await store.close();
    }
    storeBytes(); // and after the web app read them

    for (const [name, text] of texts) expect(leaksOf(text), name).toEqual([]);
  }, 180_000);

  it("peaks under 300 MB of RSS with 8 concurrent 50 MB bodies", async () => {
    const bodies = await startServer((_req, res) => {
      streamBigBody(res, 50);
    });
    const run = tempDir();
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `big-${i}`);
      run.write("cases.jsonl", jsonl(ids.map((id) => ({ id, input: id, expected: { answer: "yes" } }))));
      run.write("assay.yaml", suiteYaml(bodies.url, ["    maxResponseBytes: 16777216", "concurrency: 8"]));
      // The CLI's own peak RSS, written by a module preloaded into it as it exits.
      const probe = run.write(
        "rss-probe.mjs",
        [
          'import { writeFileSync } from "node:fs";',
          'process.on("exit", () => writeFileSync(process.env.ASSAY_RSS_FILE, String(process.resourceUsage().maxRSS)));',
        ].join("\n"),
      );
      const rssFile = run.path("max-rss-kib");
      const env = {
        [KEY_VAR]: SECRET,
        ASSAY_DB: run.path("store/assay.db"),
        ASSAY_RSS_FILE: rssFile,
        NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`,
      };
      const res = await runCli(["run", run.dir, "--json", run.path("card.json")], { env });
      // every call failed (each body was cut off), so the run could not complete: exit 3
      expect(res.code, res.stderr).toBe(3);
      const card = JSON.parse(readFileSync(run.path("card.json"), "utf8"));
      expect(card.errors.byClass).toEqual({ "response-too-large": 8 });
      const maxRssMiB = Number(readFileSync(rssFile, "utf8")) / 1024;
      expect(maxRssMiB).toBeGreaterThan(0);
      expect(maxRssMiB, `peak RSS ${maxRssMiB.toFixed(0)} MiB`).toBeLessThan(300);
    } finally {
      await bodies.close();
      run.remove();
    }
  }, 180_000);
});
