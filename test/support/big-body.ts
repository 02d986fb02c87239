import type { ServerResponse } from "node:http";

const MIB = 1024 * 1024;
/** One 1 MiB chunk, written again and again: a 70 MB body costs the server 1 MiB, not 70. */
const CHUNK = Buffer.alloc(MIB, "a");

export interface StreamedBody {
  /** resolves once the body is fully written or the client went away */
  done: Promise<{ bytesWritten: number; complete: boolean }>;
}

/**
 * Streams `megabytes` MiB of "a" as a 200 response, respecting backpressure (waits for `drain`),
 * and stops as soon as the client closes the connection. `contentLength` declares the size up
 * front; without it the body is chunked and the client has to count.
 */
export function streamBigBody(
  res: ServerResponse,
  megabytes: number,
  opts: { contentLength?: boolean } = {},
): StreamedBody {
  const headers: Record<string, string | number> = { "content-type": "text/plain" };
  if (opts.contentLength) headers["content-length"] = megabytes * MIB;
  res.writeHead(200, headers);
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const done = (async () => {
    let bytesWritten = 0;
    for (let i = 0; i < megabytes && !closed; i++) {
      const ok = res.write(CHUNK);
      bytesWritten += MIB;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off("drain", go);
            res.off("close", go);
            resolve();
          };
          res.on("drain", go);
          res.on("close", go);
        });
      }
    }
    if (!closed) res.end();
    return { bytesWritten, complete: !closed };
  })();
  return { done };
}
