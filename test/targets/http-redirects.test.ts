// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the env-placeholder syntax under test
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TargetConfigError } from "../../src/targets/errors.ts";
import { createHttpTarget, type HttpTargetOptions } from "../../src/targets/http/index.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import type { Output } from "../../src/targets/types.ts";
import { makeCase, recordingSleep, sendJson, startServer, type TestServer } from "./support/helpers.ts";

const SECRET = "redirect-secret-4c1e9a77d0";
const COOKIE_SECRET = "cookie-secret-81b2f5e3aa";
const LITERAL_KEY = "literal-api-key-5d0c2b";

/**
 * Credentials never follow a redirect to another origin (issue 8, item 6). Server A answers with
 * redirects; server B, on another port (another origin), records every header it receives.
 */
let a: TestServer;
let b: TestServer;
/** what server A answers for a path: a redirect's status and Location, or JSON */
let routeA: (path: string) => { status: number; location?: string; json?: unknown };

beforeAll(async () => {
  process.env.ASSAY_REDIRECT_TOKEN = SECRET;
  process.env.ASSAY_REDIRECT_COOKIE = COOKIE_SECRET;
  b = await startServer((_req, res) => sendJson(res, 200, { result: "from-b" }));
  a = await startServer((req, res) => {
    const r = routeA(req.url ?? "/");
    if (r.location !== undefined) {
      res.writeHead(r.status, { location: r.location, "content-type": "text/plain" });
      res.end("moved");
      return;
    }
    sendJson(res, r.status, r.json ?? { result: "from-a" });
  });
});

afterAll(async () => {
  await a.close();
  await b.close();
  delete process.env.ASSAY_REDIRECT_TOKEN;
  delete process.env.ASSAY_REDIRECT_COOKIE;
});

afterEach(() => {
  a.requests.length = 0;
  b.requests.length = 0;
});

function target(extra: Partial<HttpTargetOptions> = {}) {
  return createHttpTarget({
    id: "svc",
    url: `${a.url}/start`,
    headers: {
      Authorization: "Bearer ${ASSAY_REDIRECT_TOKEN}",
      Cookie: "session=${ASSAY_REDIRECT_COOKIE}",
      "X-Api-Key": LITERAL_KEY,
      "X-Trace": "assay-test",
    },
    body: { q: "{{ input }}" },
    output: "$.result",
    baseDir: "/",
    ...extra,
  });
}

async function call(extra: Partial<HttpTargetOptions> = {}): Promise<Output> {
  const { sleep } = recordingSleep();
  return callWithPolicy(target(extra), makeCase({ input: "hello" }), 0, {
    timeoutMs: 5000,
    retries: 2,
    sleep,
    random: () => 0.5,
  });
}

/** Every header value server B saw, as one string. */
function everythingBSaw(): string {
  return JSON.stringify(b.requests.map((r) => r.headers));
}

describe("redirects", () => {
  it("never sends the secret to another origin, whatever followRedirects says", async () => {
    routeA = () => ({ status: 307, location: `${b.url}/landing` });
    const outcomes: Record<string, Output> = {};
    const callsAtB: Record<string, number> = {};
    for (const mode of ["none", "same-origin", "cross-origin"] as const) {
      const before = b.requests.length;
      outcomes[mode] = await call({ followRedirects: mode });
      callsAtB[mode] = b.requests.length - before;
      for (const secret of [SECRET, COOKIE_SECRET, LITERAL_KEY]) {
        expect(everythingBSaw(), mode).not.toContain(secret);
      }
    }
    expect(callsAtB).toEqual({ none: 0, "same-origin": 0, "cross-origin": 1 });

    // none: the redirect itself is the error, and B is never called
    expect(outcomes.none.error?.class).toBe("client-error");
    expect(outcomes.none.error?.message).toContain("followRedirects: none");
    expect(outcomes.none.attempts).toBe(1);

    // same-origin (the default too): refused, naming both origins
    expect(outcomes["same-origin"].error?.class).toBe("client-error");
    expect(outcomes["same-origin"].error?.message).toContain(a.url);
    expect(outcomes["same-origin"].error?.message).toContain(b.url);
    expect(outcomes["same-origin"].attempts).toBe(1);
    expect((await call()).error?.message).toContain("refused");

    // cross-origin: followed, without the credential headers; 307 keeps the method and the body
    expect(outcomes["cross-origin"].error).toBeUndefined();
    expect(outcomes["cross-origin"].text).toBe("from-b");
    expect(b.requests).toHaveLength(1);
    const seen = b.requests[0];
    expect(seen.method).toBe("POST");
    expect(JSON.parse(seen.body)).toEqual({ q: "hello" });
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers["x-api-key"]).toBeUndefined();
    expect(seen.headers["x-trace"]).toBe("assay-test");
    // while A itself got the credentials every time
    expect(a.requests.every((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);
  });

  it("follows same-origin redirects with the credentials; 303 and 301 turn into a GET without body", async () => {
    for (const status of [307, 308]) {
      routeA = (path) => (path === "/start" ? { status, location: "/moved" } : { status: 200 });
      const out = await call();
      expect(out.error, String(status)).toBeUndefined();
      expect(out.text).toBe("from-a");
      const [first, second] = a.requests.splice(0);
      expect(second.url).toBe("/moved");
      expect(second.method).toBe("POST");
      expect(second.body).toBe(first.body);
      expect(second.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(second.headers.cookie).toBe(`session=${COOKIE_SECRET}`);
    }
    for (const status of [301, 302, 303]) {
      routeA = (path) => (path === "/start" ? { status, location: `${a.url}/moved` } : { status: 200 });
      const out = await call();
      expect(out.error, String(status)).toBeUndefined();
      const second = a.requests.splice(0)[1];
      expect(second.method).toBe("GET");
      expect(second.body).toBe("");
      expect(second.headers["content-type"]).toBeUndefined();
      expect(second.headers.authorization).toBe(`Bearer ${SECRET}`);
    }
  });

  it("follows at most 5 redirects", async () => {
    const chain = (hops: number) => (path: string) => {
      const n = path === "/start" ? 0 : Number(path.slice("/hop".length));
      return n < hops ? { status: 302, location: `/hop${n + 1}` } : { status: 200 };
    };
    routeA = chain(5);
    const five = await call();
    expect(five.error).toBeUndefined();
    expect(a.requests).toHaveLength(6);
    a.requests.length = 0;

    routeA = chain(6);
    const six = await call();
    expect(six.error?.class).toBe("client-error");
    expect(six.error?.message).toContain("too many redirects");
    expect(six.attempts).toBe(1);
    expect(a.requests).toHaveLength(6);
  });

  it("with none, even a same-origin redirect is a client error", async () => {
    routeA = (path) => (path === "/start" ? { status: 302, location: "/moved" } : { status: 200 });
    const out = await call({ followRedirects: "none" });
    expect(out.error?.class).toBe("client-error");
    expect(out.error?.status).toBe(302);
    expect(a.requests).toHaveLength(1);
  });

  it("does not re-send a body rendered from the environment to another origin", async () => {
    routeA = () => ({ status: 307, location: `${b.url}/landing` });
    const out = await call({
      followRedirects: "cross-origin",
      headers: {},
      body: { q: "{{ input }}", token: "{{ env.ASSAY_REDIRECT_TOKEN }}" },
    });
    expect(out.error?.class).toBe("client-error");
    expect(out.error?.message).toContain("environment");
    expect(b.requests).toHaveLength(0);
    expect(JSON.parse(a.requests[0].body).token).toBe(SECRET);
  });

  it("refuses a redirect to a URL that is not http(s)", async () => {
    routeA = () => ({ status: 302, location: "file:///etc/passwd" });
    const out = await call({ followRedirects: "cross-origin" });
    expect(out.error?.class).toBe("client-error");
    expect(out.error?.message).toContain("file:");
  });

  it("rejects an unknown followRedirects value up front", () => {
    expect(() => target({ followRedirects: "always" as never })).toThrow(TargetConfigError);
  });
});
