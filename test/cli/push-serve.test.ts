import type { ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baselineLines, collectBaseline } from "../../src/baseline/export.ts";
import type { PushResponse, RunsResponse } from "../../src/server/api-types.ts";
import { type RunningServer, startServer } from "../../src/server/serve.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { RunOrigin, Store } from "../../src/store/types.ts";
import { type CliResult, runCli, runCliInProcess, startCli, unlessExited } from "../support/cli.ts";
import { freshSchemaPerFile } from "../support/postgres.ts";
import { makeRun } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * A team server: `assay serve` over PostgreSQL in a child process, runs made on "other machines"
 * (SQLite stores here) and uploaded with `assay push`; what the server then shows must be what the
 * machine that made the run shows.
 */

describe("a team server: assay serve, assay push", () => {
  const pg = freshSchemaPerFile();
  const tmp = tempDir("assay-push-");
  const TOKEN = "team-token-6f1c2a9e4b7d";
  const CASES = 3000;
  const LAPTOP: RunOrigin = { host: "laptop-7", user: "ann", ciUrl: "https://ci.example.com/job/42" };
  const originEnv = (o: RunOrigin) => ({
    ASSAY_ORIGIN_HOST: o.host,
    ASSAY_ORIGIN_USER: o.user,
    ASSAY_ORIGIN_URL: o.ciUrl,
  });

  let serve: { child: ChildProcess; done: Promise<CliResult> } | undefined;
  let base = "";
  let runId = "";

  const tokenFile = () => tmp.path("assay.token");
  const api = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...init.headers },
    });
  const serverRuns = async () => ((await (await api("/api/runs")).json()) as RunsResponse).runs;

  beforeAll(async () => {
    tmp.write(
      "cases.jsonl",
      jsonl(
        Array.from({ length: CASES }, (_, i) => ({
          id: `c${i}`,
          input: `question ${i}`,
          expected: i % 4 === 0 ? "no" : "yes",
          tags: { part: i % 2 === 0 ? "even" : "odd" },
        })),
      ),
    );
    tmp.write(
      "target.mjs",
      "export default async (input, ctx) => (ctx.case.id.endsWith('7') ? 'no' : 'yes');\n",
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: team",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t",
        "    module: target.mjs",
        "dimensions:",
        "  answer: { evaluator: equals }",
        "  short: { evaluator: length, with: { max: 2 } }",
      ].join("\n"),
    );
    // as an editor or `openssl rand -hex 32 > F` leaves it: with a trailing newline
    tmp.write("assay.token", `${TOKEN}\n`);

    const local = await runCliInProcess(
      ["run", tmp.dir, "--db", tmp.path("laptop.db"), "--json", tmp.path("laptop-run.json"), "--quiet"],
      { env: originEnv(LAPTOP) },
    );
    expect(local.code, local.stderr).toBe(0);
    runId = JSON.parse(tmp.read("laptop-run.json")).run.id;

    serve = startCli([
      "serve",
      "--db",
      pg.url,
      "--token-file",
      tokenFile(),
      "--host",
      "127.0.0.1",
      "--port",
      "0",
    ]);
    const line = await unlessExited(
      new Promise<string>((resolve) => {
        const rl = createInterface({ input: serve?.child.stdout as NodeJS.ReadableStream });
        rl.on("line", (l) => {
          if (l.startsWith("assay serve: listening on ")) resolve(l);
        });
      }),
      serve.done,
    );
    base = line.slice("assay serve: listening on ".length).replace(/\/$/, "");
  }, 120_000);

  afterAll(async () => {
    if (serve) {
      serve.child.kill("SIGTERM");
      expect((await serve.done).code).toBe(0);
    }
    tmp.remove();
  });

  const push = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCliInProcess(["push", ...args], { env: { ASSAY_TOKEN: undefined, ...env } });

  describe("assay serve", () => {
    it("prints its address without the token", () => {
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("refuses to start without a token file, with an empty one, or without an explicit host; nothing listens", async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      const noToken = await runCli(["serve", "--db", pg.url, "--host", "127.0.0.1", "--port", String(port)]);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toMatch(/--token-file is required/);

      tmp.write("empty.token", "\n");
      const empty = await runCliInProcess([
        "serve",
        "--db",
        pg.url,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--token-file",
        tmp.path("empty.token"),
      ]);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/--token-file .*empty\.token: the token file is empty/);

      const missing = await runCliInProcess([
        "serve",
        "--db",
        pg.url,
        "--host",
        "127.0.0.1",
        "--token-file",
        tmp.path("nope"),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--token-file .*nope: cannot read the token file \(ENOENT\)/);

      const noHost = await runCliInProcess([
        "serve",
        "--db",
        pg.url,
        "--port",
        String(port),
        "--token-file",
        tokenFile(),
      ]);
      expect(noHost.code).toBe(2);
      expect(noHost.stderr).toMatch(/--host is required: the bind address must be explicit/);
      for (const r of [noToken, empty, missing, noHost]) expect(r.stderr + r.stdout).not.toContain(TOKEN);

      const refused = await new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
      });
      expect(refused).toBe("ECONNREFUSED");
    });
  });

  describe("assay push", () => {
    it("is refused with a wrong token (exit 2, the server's message), and nothing is written", async () => {
      tmp.write("wrong.token", "not-the-team-token\n");
      const wrong = await push([
        runId,
        "--to",
        base,
        "--token-file",
        tmp.path("wrong.token"),
        "--db",
        tmp.path("laptop.db"),
      ]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/refused the token \(HTTP 401\): unauthorized/);
      expect(wrong.stderr).not.toContain("not-the-team-token");
      expect(await serverRuns()).toEqual([]);
      expect((await api("/api/runs", {}, null)).status).toBe(401);

      const none = await push([runId, "--to", base, "--db", tmp.path("laptop.db")]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/--token-file FILE, or set ASSAY_TOKEN/);
    });

    it("uploads a run that the server then shows as the machine that made it does, with its origin; again, once", async () => {
      const first = await push([
        runId,
        "--to",
        base,
        "--token-file",
        tokenFile(),
        "--db",
        tmp.path("laptop.db"),
      ]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(
        `pushed ${runId} (suite team, target t): ${CASES} results, ${2 * CASES} scores, score set @1`,
      );
      expect(first.stdout).toContain("from ann@laptop-7 (https://ci.example.com/job/42)");
      expect(first.stdout).toContain(`view it at ${base}/runs/${runId}`);

      const [local, remote] = await Promise.all(
        [tmp.path("laptop.db"), pg.url].map(async (db, i) => {
          const out = tmp.path(`card-${i}.json`);
          const r = await runCli(["show", runId, "--db", db, "--json", out]);
          expect(r.code, r.stderr).toBe(0);
          const { store: _where, ...card } = JSON.parse(tmp.read(`card-${i}.json`));
          return card;
        }),
      );
      expect(remote.results).toBe(CASES);
      expect(remote).toEqual(local);

      const runs = await serverRuns();
      expect(runs.map((r) => r.id)).toEqual([runId]);
      expect(runs[0].lineage.origin).toEqual(LAPTOP);
      expect(runs[0].status).toBe("completed");

      const again = await push([
        runId,
        "--to",
        base,
        "--token-file",
        tokenFile(),
        "--db",
        tmp.path("laptop.db"),
      ]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`already on the server, nothing written: ${runId}`);
      expect((await serverRuns()).map((r) => r.id)).toEqual([runId]);
      const card = await api(`/api/runs/${runId}/summary`);
      expect(((await card.json()) as { cases: number }).cases).toBe(CASES);
    });

    it("refuses another run under an id the server holds (409, exit 2) and leaves the stored one alone", async () => {
      const other = await runCliInProcess(
        ["run", tmp.dir, "--db", tmp.path("desktop.db"), "--run-id", runId, "--quiet"],
        { env: originEnv({ host: "desktop", user: "bob" }) },
      );
      expect(other.code, other.stderr).toBe(0);
      const clash = await push([
        runId,
        "--to",
        base,
        "--token-file",
        tokenFile(),
        "--db",
        tmp.path("desktop.db"),
      ]);
      expect(clash.code).toBe(2);
      expect(clash.stderr).toMatch(
        /refused the run \(HTTP 409\): the server already holds a run .* that differs from this one \(started/,
      );
      const [stored] = await serverRuns();
      expect(stored.lineage.origin).toEqual(LAPTOP);
    });

    it("gives a run that does not say where it was made the pusher's origin, takes ASSAY_TOKEN, and leaves tags behind", async () => {
      const store = openSqliteStore(tmp.path("old.db"));
      try {
        const run = await makeRun(store, {
          id: "made-before-origins",
          suite: "old",
          tags: ["main"],
          cases: [
            { id: "a", scores: { ok: 1 } },
            { id: "b", scores: { ok: 0 } },
          ],
        });
        expect(run.lineage.origin).toBeUndefined();
      } finally {
        await store.close();
      }
      const ci: RunOrigin = { host: "ci-box", user: "robot", ciUrl: "https://ci.example.com/job/43" };
      const r = await push(
        ["made-before-origins", "--to", `${base}/`, "--db", tmp.path("old.db"), "--json"],
        {
          ASSAY_TOKEN: TOKEN,
          ...originEnv(ci),
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const answer = JSON.parse(r.stdout) as PushResponse;
      expect(answer).toMatchObject({
        status: "imported",
        run: "made-before-origins",
        results: 2,
        scoreSets: [1],
      });
      const stored = (await serverRuns()).find((x) => x.id === "made-before-origins");
      expect(stored?.lineage.origin).toEqual(ci);
      expect(stored?.tags).toEqual([]);
    });

    it("names the URL, never the token, when the server cannot be reached (exit 3); a missing run is exit 2", async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      const down = await push([
        runId,
        "--to",
        `http://127.0.0.1:${port}`,
        "--token-file",
        tokenFile(),
        "--db",
        tmp.path("laptop.db"),
      ]);
      expect(down.code).toBe(3);
      expect(down.stderr).toContain(`cannot reach http://127.0.0.1:${port}/api/push: ECONNREFUSED`);
      expect(down.stderr).not.toContain(TOKEN);

      const missing = await push([
        "no-such-run",
        "--to",
        base,
        "--token-file",
        tokenFile(),
        "--db",
        tmp.path("laptop.db"),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no-such-run/);
    });
  });

  describe("POST /api/push", () => {
    /** The body `assay push` sends for the laptop's run, as lines, to break one of them. */
    async function lines(): Promise<string[]> {
      const store = openSqliteStore(tmp.path("laptop.db"));
      try {
        return [...baselineLines(await collectBaseline(store, runId))].map((l) => l.trimEnd());
      } finally {
        await store.close();
      }
    }
    const post = (
      body: string | Uint8Array,
      headers: Record<string, string> = {},
      token: string | null = TOKEN,
    ) =>
      api(
        "/api/push",
        { method: "POST", body, headers: { "Content-Type": "application/x-ndjson", ...headers } },
        token,
      );

    it("answers 400 naming the line and field of a malformed body, and writes nothing", async () => {
      const pristine = await lines();
      const header = JSON.parse(pristine[0]);
      header.run.id = "broken-run";
      const body = [JSON.stringify(header), ...pristine.slice(1)];
      const n = body.findIndex((l) => l.startsWith('{"output"'));
      const bad = JSON.parse(body[n]);
      bad.output.epoch = "zero";
      body[n] = JSON.stringify(bad);
      const res = await post(body.join("\n"));
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { error: string; line: number; field: string };
      expect(answer).toMatchObject({ line: n + 1, field: "output.epoch" });
      expect(answer.error).toMatch(new RegExp(`^body:${n + 1} output\\.epoch: `));
      expect(answer.error).not.toMatch(/assay-push-/);

      delete header.run.lineage.origin;
      const unsigned = await post([JSON.stringify(header), ...pristine.slice(1)].join("\n"));
      expect(unsigned.status).toBe(400);
      expect(await unsigned.json()).toMatchObject({ field: "run.lineage.origin" });

      const notGzip = await post("plain text", { "Content-Encoding": "gzip" });
      expect(notGzip.status).toBe(400);
      expect((await serverRuns()).map((r) => r.id)).not.toContain("broken-run");
    });

    it("writes one copy when the same run arrives twice at once (a CI retry racing the first try)", async () => {
      const [first, ...rest] = await lines();
      const header = JSON.parse(first);
      header.run.id = "raced-run";
      const body = gzipSync([JSON.stringify(header), ...rest].join("\n"));
      const answers = await Promise.all([1, 2].map(() => post(body, { "Content-Encoding": "gzip" })));
      expect(answers.map((r) => r.status).sort()).toEqual([200, 201]);
      const raced = (await serverRuns()).filter((r) => r.id === "raced-run");
      expect(raced.map((r) => r.status)).toEqual(["completed"]);
      const summary = (await (await api("/api/runs/raced-run/summary")).json()) as { cases: number };
      expect(summary.cases).toBe(CASES);
    });

    it("takes the token only as a Bearer header", async () => {
      const body = (await lines()).join("\n");
      expect((await post(body, {}, null)).status).toBe(401);
      expect((await post(body, {}, "wrong-token-123")).status).toBe(401);
      // a browser session (the ?token= cookie) may read, but not push
      const viaQuery = await fetch(`${base}/api/push?token=${TOKEN}`, {
        method: "POST",
        body,
        headers: { "Content-Type": "application/x-ndjson" },
      });
      expect(viaQuery.status).toBe(401);
      expect((await post(gzipSync(body), { "Content-Encoding": "gzip" })).status).toBe(200);
    });
  });

  describe("the upload bound", () => {
    let store: Store;
    let server: RunningServer;
    beforeAll(async () => {
      store = openSqliteStore(":memory:");
      server = await startServer({ store, port: 0, token: TOKEN, push: { maxBytes: 64 * 1024 } });
    });
    afterAll(async () => {
      await server.close();
      await store.close();
    });

    it("refuses a body over the limit with 413, also when it is small compressed and large expanded", async () => {
      const send = (body: Uint8Array, headers: Record<string, string>) =>
        fetch(`${server.origin}/api/push`, {
          method: "POST",
          body,
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/x-ndjson", ...headers },
        });
      const big = Buffer.alloc(200 * 1024, "x");
      const plain = await send(big, {});
      expect(plain.status).toBe(413);
      expect(((await plain.json()) as { error: string }).error).toMatch(/--max-upload-mb/);
      const bomb = await buffer(Readable.from([big, big, big]).pipe(createGzip()));
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect((await send(bomb, { "Content-Encoding": "gzip" })).status).toBe(413);
      expect(await store.listRuns()).toEqual([]);
    });
  });
});
