import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Case } from "../../../src/core/case.ts";
import type { TargetCallContext } from "../../../src/targets/types.ts";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export function makeCase(overrides: Partial<Case> = {}): Case {
  return {
    id: "act-017",
    input: "Mark the budget review as done",
    expected: { action: "complete", secret: "EXPECTED-ANSWER-42" },
    tags: { category: "action_recognition", lang: "en" },
    ...overrides,
  };
}

export function ctxFor(
  c: Case,
  opts: { epoch?: number; signal?: AbortSignal; timeoutMs?: number } = {},
): TargetCallContext {
  return {
    case: c,
    epoch: opts.epoch ?? 0,
    signal: opts.signal ?? new AbortController().signal,
    timeoutMs: opts.timeoutMs ?? 10_000,
  };
}

/** A sleep that records the requested delays and returns at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (port 0); `handler` is called once the request body has arrived. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest, index: number) => void,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        at: performance.now(),
      };
      requests.push(seen);
      handler(req, res, seen, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

/** True while the process exists and is not a zombie (a zombie is dead, merely unreaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (existsSync(stat)) {
    try {
      const state = readFileSync(stat, "utf8").replace(/^.*\)\s*/, "")[0];
      if (state === "Z" || state === "X") return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Polls `cond` until it holds; `timeoutMs` only stops a broken test (generous for a busy machine). */
export async function waitUntil(cond: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
