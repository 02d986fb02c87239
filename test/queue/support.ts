import type { IncomingMessage, ServerResponse } from "node:http";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** A target server that counts every call per case id and when it arrived. */
export interface CountingServer extends TestServer {
  calls: Map<string, number>;
  arrivals: number[];
  total(): number;
  /** case ids called more than once */
  repeated(): string[];
}

export async function countingServer(
  opts: { delayMs?: number; reply?: (req: IncomingMessage, res: ServerResponse, id: string) => boolean } = {},
): Promise<CountingServer> {
  const calls = new Map<string, number>();
  const arrivals: number[] = [];
  const server = await startServer((req, res, body) => {
    const { id } = JSON.parse(body) as { id: string };
    arrivals.push(performance.now());
    calls.set(id, (calls.get(id) ?? 0) + 1);
    if (opts.reply?.(req, res, id)) return;
    setTimeout(() => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: id.endsWith("5") ? "no" : "yes" }));
    }, opts.delayMs ?? 20);
  });
  return {
    ...server,
    calls,
    arrivals,
    total: () => arrivals.length,
    repeated: () => [...calls].filter(([, n]) => n > 1).map(([id]) => id),
  };
}

/** A suite folder: `n` cases against the server's http target, one deterministic dimension. */
export function queueSuite(
  serverUrl: string,
  n: number,
  extra: { targetLines?: string[]; suiteLines?: string[] } = {},
) {
  const tmp = tempDir("assay-queue-");
  tmp.write(
    "cases.jsonl",
    jsonl(Array.from({ length: n }, (_, i) => ({ id: `c${i}`, input: `q${i}`, expected: "yes" }))),
  );
  tmp.write(
    "assay.yaml",
    [
      "suite: queued",
      "dataset: cases.jsonl",
      ...(extra.suiteLines ?? []),
      "targets:",
      "  - id: t",
      `    http: { url: "${serverUrl}/x", body: { id: "{{ case.id }}" }, output: "$.result" }`,
      ...(extra.targetLines ?? []),
      "dimensions:",
      "  answer: { evaluator: equals }",
    ].join("\n"),
  );
  return tmp;
}

/** The largest number of arrivals within any window of `windowMs`. */
export function busiestWindow(arrivals: number[], windowMs: number): number {
  const t = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
