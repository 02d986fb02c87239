import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.ts";
import { CONTENT_SECURITY_POLICY, isLoopbackHost } from "../../src/server/security.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { runCliInProcess, startCli } from "../support/cli.ts";
import { makeRun } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";
import { ensureWebBuilt } from "./support/web.ts";

/** Who may reach `assay view`: loopback by default; any other host only with a token. */

const tmp = tempDir("assay-web-sec-");
const db = tmp.path("assay.db");
const TOKEN = "s3cret-token-for-tests";
let store: Store;

beforeAll(async () => {
  const built = ensureWebBuilt();
  store = openSqliteStore(db);
  await makeRun(store, { id: "r1", cases: [{ id: "a", scores: { ok: 1 } }] });
  await store.createQueue({
    id: "q1",
    runId: "r1",
    dimension: "ok",
    kind: "binary",
    labellers: ["ann"],
    createdAt: new Date().toISOString(),
    items: [{ caseId: "a", epoch: 0, labellers: ["ann"] }],
  });
  await built;
}, 120_000);

afterAll(async () => {
  await store.close();
  tmp.remove();
});

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
}

describe("assay view on a non-loopback host", () => {
  it("needs the token: 401 without it, 200 with it (header, or a ?token= query that sets a cookie)", async () => {
    const { child, done } = startCli([
      "--db",
      db,
      "view",
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--token",
      TOKEN,
    ]);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
        rl.on("line", (l) => {
          if (l.startsWith("assay view: ")) resolve(l);
        });
        child.once("exit", (code) => reject(new Error(`assay view exited ${code}`)));
      });
      const url = new URL(line.slice("assay view: ".length));
      expect(url.hostname).toBe("0.0.0.0");
      expect(url.searchParams.get("token")).toBe(TOKEN);
      const base = `http://127.0.0.1:${url.port}`;

      for (const path of ["/api/runs", "/", "/runs/r1", "/assets/nothing.js"]) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(401);
        expectSecurityHeaders(res);
      }
      expect(
        (await fetch(`${base}/api/runs`, { headers: { Authorization: "Bearer wrong-token-xx" } })).status,
      ).toBe(401);
      expect((await fetch(`${base}/api/runs?token=wrong-token-xx`)).status).toBe(401);

      const ok = await fetch(`${base}/api/runs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expectSecurityHeaders(ok);
      expect(((await ok.json()) as { runs: Array<{ id: string }> }).runs.map((r) => r.id)).toEqual(["r1"]);

      // the printed address: a page visit with ?token= sets the cookie and drops the token from the address
      const first = await fetch(`${base}/runs/r1?token=${TOKEN}`, { redirect: "manual" });
      expect(first.status).toBe(303);
      expect(first.headers.get("location")).toBe("/runs/r1");
      const cookie = first.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(TOKEN);
      const session = cookie.split(";")[0];
      const page = await fetch(`${base}/runs/r1`, { headers: { Cookie: session } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/text\/html/);
      expectSecurityHeaders(page);
      // the app ships no inline script: every script element loads a file
      const html = await page.text();
      const scripts = html.match(/<script\b[^>]*>[^<]*<\/script>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts)
        expect(tag).toMatch(/^<script\b[^>]*\ssrc="\/assets\/[^"]+"[^>]*><\/script>$/);
      const api = await fetch(`${base}/api/runs/r1/scorecard`, { headers: { Cookie: session } });
      expect(api.status).toBe(200);
      expect((await fetch(`${base}/api/runs`, { headers: { Cookie: "assay_token=forged" } })).status).toBe(
        401,
      );

      // any Host header is accepted with a token (it is the token that guards)
      const label = await fetch(`${base}/api/queues/q1/labels`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ caseId: "a", value: 1, labeller: "ann" }),
      });
      expect(label.status).toBe(201);
    } finally {
      child.kill("SIGINT");
    }
    const result = await done;
    expect(result.code).toBe(0);
  }, 60_000);

  it("refuses to start without a token (exit 2), and takes ASSAY_TOKEN", async () => {
    const refused = await runCliInProcess(["--db", db, "view", "--host", "0.0.0.0", "--port", "0"], {
      env: { ASSAY_TOKEN: "" },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
    expect(refused.stdout).toBe("");
    const short = await runCliInProcess([
      "--db",
      db,
      "view",
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--token",
      "short",
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 8 characters/);

    const { child, done } = startCli(["--db", db, "view", "--host", "0.0.0.0", "--port", "0"], {
      env: { ASSAY_TOKEN: TOKEN },
    });
    const line = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (l) => {
        if (l.startsWith("assay view: ")) resolve(l);
      });
      child.once("exit", () => resolve(""));
    });
    const port = new URL(line.slice("assay view: ".length)).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/runs`)).status).toBe(401);
    expect(
      (await fetch(`http://127.0.0.1:${port}/api/runs`, { headers: { Authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(200);
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  }, 60_000);
});

describe("the loopback default", () => {
  it("binds loopback hosts only without a token", () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("127.1.2.3")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("::")).toBe(false);
    expect(isLoopbackHost("192.168.1.4")).toBe(false);
    expect(isLoopbackHost("127.0.0.1.example.com")).toBe(false);
  });

  it("sends CSP and nosniff everywhere, refuses foreign Host headers (DNS rebinding) and cross-site writes", async () => {
    const { app } = createApp({ store });
    const home = await app.request("http://127.0.0.1:7411/");
    expect(home.status).toBe(200);
    expectSecurityHeaders(home);
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    const api = await app.request("http://127.0.0.1:7411/api/runs");
    expectSecurityHeaders(api);
    const missing = await app.request("http://localhost:7411/api/nope");
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing);

    const rebound = await app.request("http://attacker.example:7411/api/runs");
    expect(rebound.status).toBe(403);
    expectSecurityHeaders(rebound);

    const post = (headers: Record<string, string>) =>
      app.request("http://127.0.0.1:7411/api/queues/q1/labels", {
        method: "POST",
        headers,
        body: JSON.stringify({ caseId: "a", value: 0, labeller: "ann" }),
      });
    expect((await post({ "Content-Type": "text/plain" })).status).toBe(415);
    expect(
      (await post({ "Content-Type": "application/json", Origin: "http://attacker.example" })).status,
    ).toBe(403);
    expect((await post({ "Content-Type": "application/json", Origin: "http://127.0.0.1:7411" })).status).toBe(
      201,
    );

    // static files never come from outside web/dist
    const traversal = await app.request("http://127.0.0.1:7411/..%2f..%2fpackage.json");
    expect(traversal.status).not.toBe(200);
    expect(await traversal.text()).not.toContain('"name": "assay"');
  });
});
