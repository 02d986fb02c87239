// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the env-placeholder syntax under test
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { TargetConfigError } from "../../src/targets/errors.ts";
import { createHttpTarget, parseRetryAfter } from "../../src/targets/http/index.ts";
import { type CallPolicy, callWithPolicy } from "../../src/targets/policy.ts";
import { makeCase, recordingSleep, sendJson, startServer, type TestServer } from "./support/helpers.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function fastPolicy(extra: Partial<CallPolicy> = {}): CallPolicy & { delays: number[] } {
  const { sleep, delays } = recordingSleep();
  return { timeoutMs: 5000, retries: 2, sleep, random: () => 0.5, delays, ...extra };
}

describe("http target", () => {
  it("renders the body from Liquid templates and selects the output", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { result: { action: "complete" }, id: 7 }));
    const t = createHttpTarget({
      id: "svc",
      url: `${server.url}/parse`,
      body: {
        text: "{{ input }}",
        whole: "{{ input }}",
        meta: {
          id: "{{ case.id }}",
          lang: "{{ case.tags.lang }}",
          epoch: "{{ epoch }}",
          line: "case {{ case.id }}: {{ input.title }}",
        },
        list: ["{{ input.title | upcase }}", 3, true, null],
      },
      output: "$.result",
      baseDir: "/",
    });
    const c = makeCase({ input: { title: "Budget review", due: "friday" } });
    const out = await callWithPolicy(t, c, 1, fastPolicy());
    expect(out.error).toBeUndefined();
    expect(out.json).toEqual({ action: "complete" });
    expect(out.text).toBe('{"action":"complete"}');
    expect(out.attempts).toBe(1);
    const req = server.requests[0];
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/parse");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({
      text: { title: "Budget review", due: "friday" },
      whole: { title: "Budget review", due: "friday" },
      meta: { id: "act-017", lang: "en", epoch: 1, line: "case act-017: Budget review" },
      list: ["BUDGET REVIEW", 3, true, null],
    });
    expect(req.body).not.toContain("EXPECTED-ANSWER-42");
  });

  it("inserts a string input as a string, and sends the case payload when there is no body", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("  plain answer \n");
    });
    const withBody = createHttpTarget({
      id: "a",
      url: server.url,
      body: { text: "{{ input }}" },
      baseDir: "/",
    });
    const out = await callWithPolicy(withBody, makeCase(), 0, fastPolicy());
    expect(out.text).toBe("  plain answer \n");
    expect(out.json).toBeUndefined();
    expect(JSON.parse(server.requests[0].body)).toEqual({ text: "Mark the budget review as done" });

    const noBody = createHttpTarget({ id: "b", url: server.url, baseDir: "/" });
    await callWithPolicy(noBody, makeCase(), 2, fastPolicy());
    expect(JSON.parse(server.requests[1].body)).toEqual({
      id: "act-017",
      input: "Mark the budget review as done",
      tags: { category: "action_recognition", lang: "en" },
      epoch: 2,
    });
  });

  it("keeps templates away from JavaScript (unknown filters are errors, no prototype access)", async () => {
    expect(() =>
      createHttpTarget({
        id: "x",
        url: "http://127.0.0.1:1/",
        body: { a: "{{ input | evil }}" },
        baseDir: "/",
      }),
    ).toThrow(TargetConfigError);
    server = await startServer((_req, res) => sendJson(res, 200, { ok: true }));
    const t = createHttpTarget({
      id: "x",
      url: server.url,
      body: { a: "{{ input.constructor }}", b: "{{ case.constructor.name }}", c: "[{{ input.__proto__ }}]" },
      baseDir: "/",
    });
    await callWithPolicy(t, makeCase({ input: { text: "t" } }), 0, fastPolicy());
    expect(JSON.parse(server.requests[0].body)).toEqual({ a: "", b: "", c: "[]" });
  });

  it("resolves ${ENV} in headers per call but describe() keeps placeholders and redacts secrets", async () => {
    process.env.ASSAY_TEST_TOKEN = "s3cr3t-token-value-xyz";
    try {
      server = await startServer((req, res) =>
        // a server that echoes the credential back in an error
        sendJson(res, 500, { error: `bad credential ${req.headers.authorization}` }),
      );
      const t = createHttpTarget({
        id: "svc",
        url: `${server.url}/v1?api_key=literal-query-key&model=small`,
        headers: {
          Authorization: "Bearer ${ASSAY_TEST_TOKEN}",
          "X-Api-Key": "literal-api-key-123",
          "X-Request-Source": "assay",
        },
        baseDir: "/",
      });
      const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 0 }));
      expect(server.requests[0].headers.authorization).toBe("Bearer s3cr3t-token-value-xyz");
      expect(server.requests[0].headers["x-api-key"]).toBe("literal-api-key-123");
      expect(out.error?.class).toBe("server-error");
      expect(out.error?.message).not.toContain("s3cr3t-token-value-xyz");

      const described = t.describe();
      const text = JSON.stringify(described);
      expect(text).not.toContain("s3cr3t-token-value-xyz");
      expect(text).not.toContain("literal-api-key-123");
      expect(text).not.toContain("literal-query-key");
      expect(described.headers).toEqual({
        Authorization: "Bearer ${ASSAY_TEST_TOKEN}",
        "X-Api-Key": "[redacted]",
        "X-Request-Source": "assay",
      });
      expect(described.url).toBe(`${server.url}/v1?api_key=[redacted]&model=small`);
    } finally {
      delete process.env.ASSAY_TEST_TOKEN;
    }
  });

  it("lets body templates read the environment", async () => {
    process.env.ASSAY_TEST_USER = "ada";
    try {
      server = await startServer((_req, res) => sendJson(res, 200, { ok: true }));
      const t = createHttpTarget({
        id: "svc",
        url: server.url,
        body: { user: "{{ env.ASSAY_TEST_USER }}" },
        baseDir: "/",
      });
      await callWithPolicy(t, makeCase(), 0, fastPolicy());
      expect(JSON.parse(server.requests[0].body)).toEqual({ user: "ada" });
      expect(JSON.stringify(t.describe())).not.toContain("ada");
    } finally {
      delete process.env.ASSAY_TEST_USER;
    }
  });

  it("reports an unset environment variable as a configuration error, without retrying", async () => {
    delete process.env.ASSAY_UNSET_VAR;
    const t = createHttpTarget({
      id: "svc",
      url: "http://127.0.0.1:1/",
      headers: { Authorization: "Bearer ${ASSAY_UNSET_VAR}" },
      baseDir: "/",
    });
    await expect(t.prepare!()).rejects.toThrow(/ASSAY_UNSET_VAR, which is not set/);
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy());
    expect(out.error?.class).toBe("target-crash");
    expect(out.attempts).toBe(1);
  });

  it("waits for Retry-After on 429, then succeeds", async () => {
    server = await startServer((_req, res, _seen, i) => {
      if (i === 0) sendJson(res, 429, { error: "slow down" }, { "retry-after": "1" });
      else sendJson(res, 200, { result: "ok" });
    });
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const policy = fastPolicy({ random: () => 0 });
    const out = await callWithPolicy(t, makeCase(), 0, policy);
    expect(out.error).toBeUndefined();
    expect(out.text).toBe("ok");
    expect(out.attempts).toBe(2);
    expect(policy.delays).toEqual([1000]);
  });

  it("waits for real between attempts when sleep is not injected", async () => {
    server = await startServer((_req, res, _seen, i) => {
      if (i === 0) sendJson(res, 429, {}, { "retry-after-ms": "300" });
      else sendJson(res, 200, { result: "ok" });
    });
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 1, random: () => 0 });
    expect(out.attempts).toBe(2);
    // the real sleep honoured the server's 300 ms (a lower bound: a busy machine only widens the gap)
    const gap = server.requests[1].at - server.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(280);
  });

  it("retries 500 until it succeeds", async () => {
    server = await startServer((_req, res, _seen, i) => {
      if (i < 2) sendJson(res, 500, { error: "oops" });
      else sendJson(res, 200, { result: { action: "complete" } });
    });
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const policy = fastPolicy();
    const out = await callWithPolicy(t, makeCase(), 0, policy);
    expect(out.error).toBeUndefined();
    expect(out.attempts).toBe(3);
    expect(policy.delays).toEqual([125, 250]);
  });

  it("gives up on a server that always fails after retries + 1 attempts", async () => {
    server = await startServer((_req, res) => sendJson(res, 503, { error: "down" }));
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 3 }));
    expect(out.error).toMatchObject({ class: "server-error", status: 503 });
    expect(out.error?.message).toContain("HTTP 503");
    expect(out.text).toBe("");
    expect(out.attempts).toBe(4);
    expect(server.requests).toHaveLength(4);
  });

  it("does not retry a 400", async () => {
    server = await startServer((_req, res) => sendJson(res, 400, { error: "bad field" }));
    const t = createHttpTarget({ id: "svc", url: server.url, baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy());
    expect(out.error).toMatchObject({ class: "client-error", status: 400 });
    expect(out.error?.message).toContain("bad field");
    expect(out.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("classifies an empty body", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    const t = createHttpTarget({ id: "svc", url: server.url, baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 1 }));
    expect(out.error?.class).toBe("empty-response");
    expect(out.attempts).toBe(2);
  });

  it("classifies a body that is not JSON, and a selector that finds nothing", async () => {
    server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.url === "/bad" ? '{"result": ' : '{"other": 1}');
    });
    const bad = createHttpTarget({ id: "svc", url: `${server.url}/bad`, output: "$.result", baseDir: "/" });
    const a = await callWithPolicy(bad, makeCase(), 0, fastPolicy({ retries: 1 }));
    expect(a.error?.class).toBe("malformed-response");
    expect(a.attempts).toBe(2);
    const missing = createHttpTarget({
      id: "svc",
      url: `${server.url}/ok`,
      output: "$.result",
      baseDir: "/",
    });
    const b = await callWithPolicy(missing, makeCase(), 0, fastPolicy({ retries: 0 }));
    expect(b.error?.class).toBe("malformed-response");
    expect(b.error?.message).toContain("$.result found nothing");
  });

  it("classifies a connection reset mid-response", async () => {
    server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"result": "partial');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 1 }));
    expect(out.error?.class).toBe("connection");
    expect(out.attempts).toBe(2);
  });

  it("classifies a connection reset before any response", async () => {
    server = await startServer((req) => req.socket.destroy());
    const t = createHttpTarget({ id: "svc", url: server.url, baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 0 }));
    expect(out.error?.class).toBe("connection");
  });

  it("classifies a refused connection", async () => {
    const closed = await startServer(() => {});
    const url = closed.url;
    await closed.close();
    const t = createHttpTarget({ id: "svc", url, baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ retries: 1 }));
    expect(out.error?.class).toBe("connection");
    expect(out.error?.message).toContain("ECONNREFUSED");
    expect(out.attempts).toBe(2);
  });

  it("times out a slow server", async () => {
    // the server never answers: only the timeout can end each attempt
    server = await startServer(() => {});
    const t = createHttpTarget({ id: "svc", url: server.url, output: "$.result", baseDir: "/" });
    const out = await callWithPolicy(t, makeCase(), 0, fastPolicy({ timeoutMs: 150, retries: 1 }));
    expect(out.error).toEqual({ class: "timeout", message: "no answer within 150 ms" });
    expect(out.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    // the attempt's latency is the time it waited (a lower bound: a busy machine only adds to it)
    expect(out.latencyMs).toBeGreaterThanOrEqual(140);
  });

  it("validates its configuration up front", () => {
    expect(() => createHttpTarget({ id: "x", url: "ftp://host/", baseDir: "/" })).toThrow(
      /http:\/\/ or https:\/\//,
    );
    expect(() => createHttpTarget({ id: "x", url: "http://h/", output: "result", baseDir: "/" })).toThrow(
      TargetConfigError,
    );
    expect(() =>
      createHttpTarget({ id: "x", url: "http://h/", method: "GET", body: { a: 1 }, baseDir: "/" }),
    ).toThrow(/GET request has no body/);
    try {
      createHttpTarget({ id: "x", url: "http://h/", body: { nested: { a: "{% if %}" } }, baseDir: "/" });
      expect.unreachable();
    } catch (err) {
      expect((err as TargetConfigError).field).toBe("http.body.nested.a");
    }
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("1", false, now)).toBe(1000);
    expect(parseRetryAfter(" 2.5 ", false, now)).toBe(2500);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", false, now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", false, now)).toBe(0);
    expect(parseRetryAfter("soon", false, now)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("250", true)).toBe(250);
  });
});

describe("http target over https", () => {
  // A self-signed certificate for 127.0.0.1 (test/targets/fixtures/tls, made for these tests only)
  const tls = join(dirname(fileURLToPath(import.meta.url)), "fixtures/tls");
  let secure: HttpsServer | undefined;
  afterEach(async () => {
    await new Promise((resolve) => secure?.close(resolve) ?? resolve(undefined));
    secure = undefined;
  });

  it("refuses a certificate no authority signed, naming it, and sends nothing", async () => {
    let requests = 0;
    secure = createHttpsServer(
      { key: readFileSync(join(tls, "key.pem")), cert: readFileSync(join(tls, "cert.pem")) },
      (_req, res) => {
        requests++;
        sendJson(res, 200, { result: "should not be reached" });
      },
    );
    await new Promise<void>((resolve) => secure?.listen(0, "127.0.0.1", resolve));
    const { port } = secure.address() as AddressInfo;
    const t = createHttpTarget({
      id: "svc",
      url: `https://127.0.0.1:${port}/`,
      output: "$.result",
      baseDir: "/",
    });
    const out = await callWithPolicy(t, makeCase(), 1, fastPolicy({ retries: 0 }));
    expect(out.json).toBeUndefined();
    expect(out.error?.message).toMatch(/self[- ]signed certificate/);
    expect(requests).toBe(0);
    await t.close?.();
  });
});
