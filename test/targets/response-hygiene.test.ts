// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the env-placeholder syntax under test
import { afterEach, describe, expect, it } from "vitest";
import { suiteJsonSchema } from "../../src/config/json-schema.ts";
import { targetSchema } from "../../src/config/schema.ts";
import { ERROR_CLASSES } from "../../src/core/output.ts";
import { excerpt } from "../../src/evaluators/judge/parse.ts";
import { isRetryable } from "../../src/faults/retry.ts";
import { scrubMessage } from "../../src/faults/secrets.ts";
import { scrubSecrets } from "../../src/llm/shared.ts";
import { createExecTarget } from "../../src/targets/exec/index.ts";
import { createHttpTarget, type HttpTargetOptions } from "../../src/targets/http/index.ts";
import { createTarget } from "../../src/targets/index.ts";
import { callWithPolicy } from "../../src/targets/policy.ts";
import { TargetFailure } from "../../src/targets/types.ts";
import { streamBigBody } from "../support/big-body.ts";
import {
  ctxFor,
  makeCase,
  recordingSleep,
  sendJson,
  startServer,
  type TestServer,
} from "./support/helpers.ts";

const MIB = 1024 * 1024;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function call(opts: Partial<HttpTargetOptions>, retries = 2) {
  const t = createHttpTarget({ id: "svc", url: server!.url, baseDir: "/", ...opts });
  const { sleep } = recordingSleep();
  return callWithPolicy(t, makeCase(), 0, { timeoutMs: 20_000, retries, sleep, random: () => 0.5 });
}

/** Sends `body` as is, chunked (no Content-Length) unless `length` is set. */
function sendRaw(body: Buffer, length = false) {
  return (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(200, length ? { "content-length": body.length } : {});
    res.write(body);
    res.end();
  };
}

describe("maxResponseBytes", () => {
  it("is an error class of its own that is never retried", () => {
    expect(ERROR_CLASSES).toContain("response-too-large");
    expect(isRetryable("response-too-large")).toBe(false);
  });

  for (const contentLength of [true, false]) {
    it(`cuts a 70 MB body off at the 16 MiB default (${contentLength ? "declared" : "chunked"}), without retrying`, async () => {
      let streamed: ReturnType<typeof streamBigBody> | undefined;
      server = await startServer((_req, res) => {
        streamed = streamBigBody(res, 70, { contentLength });
      });
      const out = await call({});
      expect(out.error?.class).toBe("response-too-large");
      expect(out.error?.message).toContain("16777216");
      expect(out.attempts).toBe(1);
      expect(server.requests).toHaveLength(1);
      // the client hung up instead of reading on: the server never finished the body
      const sent = await streamed!.done;
      expect(sent.complete).toBe(false);
      expect(sent.bytesWritten).toBeLessThan(70 * MIB);
    }, 60_000);
  }

  it("accepts a body of exactly the limit and refuses one byte more", async () => {
    for (const length of [true, false]) {
      for (const size of [1000, 1001]) {
        server = await startServer(sendRaw(Buffer.alloc(size, "b"), length));
        const out = await call({ maxResponseBytes: 1000 });
        if (size === 1000) {
          expect(out.error, `${size} ${length}`).toBeUndefined();
          expect(out.text).toHaveLength(1000);
        } else {
          expect(out.error?.class, `${size} ${length}`).toBe("response-too-large");
        }
        await server.close();
        server = undefined;
      }
    }
  });

  it("reads only the head of an error body: a large error page stays a server error", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(503, { "content-type": "text/html" });
      res.write(`<h1>down for maintenance</h1>${"p".repeat(5000)}`);
      res.end();
    });
    const out = await call({ maxResponseBytes: 1000 }, 1);
    expect(out.error?.class).toBe("server-error");
    expect(out.error?.status).toBe(503);
    expect(out.error?.message).toContain("down for maintenance");
    expect(out.attempts).toBe(2);
  });

  it("applies to an exec target's stdout too", async () => {
    const t = createExecTarget({
      id: "loud",
      argv: [process.execPath, "-e", "process.stdout.write(Buffer.alloc(5000, 'a'))"],
      cwd: process.cwd(),
      maxResponseBytes: 4096,
    });
    const err = await t.call(ctxFor(makeCase())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetFailure);
    expect((err as TargetFailure).errorClass).toBe("response-too-large");
    const fits = createExecTarget({
      id: "quiet",
      argv: [process.execPath, "-e", "process.stdout.write(Buffer.alloc(4096, 'a'))"],
      cwd: process.cwd(),
      maxResponseBytes: 4096,
    });
    expect(((await fits.call(ctxFor(makeCase()))).output as string).length).toBe(4096);
  });
});

describe("encoding", () => {
  // "café" in latin1: the é is the single byte 0xE9, which is not valid UTF-8
  const latin1Cafe = Buffer.from([0x63, 0x61, 0x66, 0xe9]);

  it("flags bytes that are not valid UTF-8 as a malformed response", async () => {
    server = await startServer(sendRaw(latin1Cafe));
    const out = await call({}, 0);
    expect(out.error?.class).toBe("malformed-response");
    expect(out.error?.message).toContain("not valid UTF-8");
    expect(out.text).toBe("");
  });

  it("reads valid UTF-8, and latin1 or base64 when the target says so", async () => {
    server = await startServer(sendRaw(Buffer.from("café ✓", "utf8")));
    expect((await call({})).text).toBe("café ✓");
    await server.close();

    server = await startServer(sendRaw(latin1Cafe));
    expect((await call({ encoding: "latin1" })).text).toBe("café");
    const b64 = await call({ encoding: "binary-base64" });
    expect(b64.error).toBeUndefined();
    expect(Buffer.from(b64.text, "base64")).toEqual(latin1Cafe);
  });

  it("reads a JSON body in latin1 with a selector", async () => {
    server = await startServer(sendRaw(Buffer.from('{"result":"caf\u00e9"}', "latin1")));
    expect((await call({ encoding: "latin1", output: "$.result" })).text).toBe("café");
  });

  it("refuses binary-base64 with an output selector, and an unknown encoding", () => {
    expect(() =>
      createHttpTarget({ id: "x", url: "http://h/", encoding: "binary-base64", output: "$.a", baseDir: "/" }),
    ).toThrow(/binary-base64/);
    expect(() =>
      createHttpTarget({ id: "x", url: "http://h/", encoding: "utf-16" as never, baseDir: "/" }),
    ).toThrow(/encoding/);
  });

  it("applies to exec targets", async () => {
    const argv = [process.execPath, "-e", "process.stdout.write(Buffer.from([0x63, 0x61, 0x66, 0xe9]))"];
    const strict = createExecTarget({ id: "e", argv, cwd: process.cwd() });
    const err = await strict.call(ctxFor(makeCase())).catch((e: unknown) => e);
    expect((err as TargetFailure).errorClass).toBe("malformed-response");
    const latin1 = createExecTarget({ id: "e", argv, cwd: process.cwd(), encoding: "latin1" });
    expect((await latin1.call(ctxFor(makeCase()))).output).toBe("café");
  });
});

describe("secrets are scrubbed before any text is cut", () => {
  const SECRET = "sk-scrub-before-cut-2e8d41f0b9";

  /** Every 8-character piece of the secret found in the text: what a cut-then-scrub leaves behind. */
  function leaksOf(text: string): string[] {
    const out: string[] = [];
    for (let i = 0; i + 8 <= SECRET.length; i++) {
      if (text.includes(SECRET.slice(i, i + 8))) out.push(SECRET.slice(i, i + 8));
    }
    return out;
  }

  it("an echoed key after 300 characters of padding appears nowhere in the error, whole or in part", async () => {
    process.env.ASSAY_SCRUB_KEY = SECRET;
    try {
      // the snippet is 300 characters: pad so the cut lands before, inside and after the key
      for (const pad of [300, 300 - " key=".length - 10, 280, 10]) {
        server = await startServer((_req, res) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`${"x".repeat(pad)} key=${SECRET} and more`);
        });
        const out = await call({ headers: { Authorization: "Bearer ${ASSAY_SCRUB_KEY}" } }, 0);
        expect(out.error?.class).toBe("server-error");
        expect(leaksOf(out.error!.message), `pad ${pad}`).toEqual([]);
        await server.close();
        server = undefined;
      }
    } finally {
      delete process.env.ASSAY_SCRUB_KEY;
    }
  });

  it("scrubs the key from an output the server echoes, and from unparseable JSON", async () => {
    process.env.ASSAY_SCRUB_KEY = SECRET;
    try {
      server = await startServer((req, res) => {
        if (req.url === "/bad") {
          res.writeHead(200);
          res.end(`{"echo": "${"y".repeat(40)}${req.headers.authorization}`);
          return;
        }
        sendJson(res, 200, { result: { answer: "yes", echo: `you sent ${req.headers.authorization}` } });
      });
      const headers = { Authorization: "Bearer ${ASSAY_SCRUB_KEY}" };
      const out = await call({ headers, output: "$.result" });
      expect(out.error).toBeUndefined();
      expect(out.json).toEqual({ answer: "yes", echo: "you sent Bearer [redacted]" });
      expect(leaksOf(out.text)).toEqual([]);

      const bad = await callWithPolicy(
        createHttpTarget({ id: "svc", url: `${server.url}/bad`, headers, output: "$.x", baseDir: "/" }),
        makeCase(),
        0,
        { timeoutMs: 5000, retries: 0 },
      );
      expect(bad.error?.class).toBe("malformed-response");
      expect(leaksOf(bad.error!.message)).toEqual([]);
    } finally {
      delete process.env.ASSAY_SCRUB_KEY;
    }
  });

  it("scrubMessage scrubs the whole text before cutting it", () => {
    const text = `${"z".repeat(1995)}${SECRET}`;
    const out = scrubMessage(text, { ASSAY_SCRUB_API_KEY: SECRET }, 2000);
    expect(leaksOf(out)).toEqual([]);
    expect(out.length).toBeLessThanOrEqual(2001);
  });

  it("LLM error messages and judge excerpts are scrubbed whole before they are cut", () => {
    process.env.ASSAY_SCRUB_API_KEY = SECRET;
    try {
      // a client's own environment differs from the process's: both are scrubbed, then one cut
      const message = scrubSecrets(`${"z".repeat(1990)}${SECRET}`, { OTHER: "x" }, []);
      expect(leaksOf(message)).toEqual([]);
      expect(message).toContain("zzz");
      const reason = excerpt(`${"q".repeat(90)} ${SECRET}`);
      expect(leaksOf(reason)).toEqual([]);
      expect(reason.length).toBeLessThanOrEqual(100);
    } finally {
      delete process.env.ASSAY_SCRUB_API_KEY;
    }
  });

  it("an exec target's stderr tail keeps no part of a secret", async () => {
    process.env.ASSAY_SCRUB_KEY = SECRET;
    try {
      // over 4,000 characters in all (so the rolling buffer is cut), and the key placed so that
      // the 500-character tail of the message would begin inside it
      const script = `process.stderr.write("n".repeat(3990) + process.env.ASSAY_SCRUB_KEY + "m".repeat(485)); process.exit(3)`;
      const t = createExecTarget({
        id: "e",
        argv: [process.execPath, "-e", script],
        cwd: process.cwd(),
        env: { ASSAY_SCRUB_KEY: "${ASSAY_SCRUB_KEY}" },
      });
      const err = (await t.call(ctxFor(makeCase())).catch((e: unknown) => e)) as TargetFailure;
      expect(err.errorClass).toBe("target-crash");
      expect(leaksOf(err.message)).toEqual([]);
    } finally {
      delete process.env.ASSAY_SCRUB_KEY;
    }
  });
});

describe("suite keys followRedirects, maxResponseBytes, encoding", () => {
  const http = { url: "http://127.0.0.1:9/x" };

  it("are accepted on http targets (on the target or inside http) and described in the JSON Schema", () => {
    const ok = [
      { id: "a", http, followRedirects: "cross-origin", maxResponseBytes: 1024, encoding: "latin1" },
      {
        id: "b",
        http: { ...http, followRedirects: "none", maxResponseBytes: 10, encoding: "binary-base64" },
      },
      { id: "c", exec: ["node", "t.mjs"], maxResponseBytes: 4096, encoding: "utf-8" },
    ];
    for (const t of ok) expect(targetSchema.safeParse(t).success, t.id).toBe(true);
    const schema = JSON.stringify(suiteJsonSchema());
    for (const key of ["followRedirects", "maxResponseBytes", "encoding"])
      expect(schema).toContain(`"${key}"`);
    type Described = { properties: Record<string, { description?: string }> };
    const suite = suiteJsonSchema() as { properties: { targets: { items: Described } } };
    const target = suite.properties.targets.items;
    expect(target.properties.followRedirects.description).toContain("same-origin");
    expect(target.properties.maxResponseBytes.description).toContain("16777216");
    expect(target.properties.encoding.description).toContain("latin1");
  });

  it("are refused where they mean nothing, or with bad values", () => {
    const bad = [
      { id: "a", http, followRedirects: "always" },
      { id: "a", http, maxResponseBytes: 0 },
      { id: "a", http, maxResponseBytes: 1.5 },
      { id: "a", http, encoding: "utf-16" },
      { id: "a", exec: ["node"], followRedirects: "none" },
      { id: "a", module: "t.ts", maxResponseBytes: 10 },
      { id: "a", http: { ...http, encoding: "latin1" }, encoding: "utf-8" },
    ];
    for (const t of bad) expect(targetSchema.safeParse(t).success, JSON.stringify(t)).toBe(false);
  });

  it("reach the target from either place", async () => {
    server = await startServer(sendRaw(Buffer.alloc(2000, "c")));
    for (const spec of [
      { id: "a", http: { url: server.url }, maxResponseBytes: 1000 },
      { id: "b", http: { url: server.url, maxResponseBytes: 1000 } },
    ]) {
      const t = createTarget(spec, { baseDir: "/" });
      expect(t.describe().maxResponseBytes, spec.id).toBe(1000);
      const out = await callWithPolicy(t, makeCase(), 0, { timeoutMs: 5000, retries: 0 });
      expect(out.error?.class, spec.id).toBe("response-too-large");
    }
    expect(() => createTarget({ id: "m", module: "t.ts", encoding: "latin1" }, { baseDir: "/" })).toThrow(
      /encoding applies only to http and exec/,
    );
  });
});
