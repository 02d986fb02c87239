import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { BadRequest } from "../http.ts";

/**
 * A pushed run's body, taken off the connection into a temporary file as it arrives: a 20,000-case
 * run is tens of megabytes of JSON Lines, which is read back line by line (and checked) from the
 * file rather than held as one string. Bounded: past `maxBytes` (counted after gunzip, so a small
 * compressed body cannot expand without limit) the upload is refused with 413.
 */

/** Large enough for a 20,000-case run with long outputs, several score sets and traces. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export interface ReceivedBody {
  /** the body as sent (gunzipped), JSON Lines */
  file: string;
  bytes: number;
  /** deletes the file and its folder */
  remove(): Promise<void>;
}

class TooLarge extends Error {}

function tooLarge(maxBytes: number): BadRequest {
  const mb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  return new BadRequest(
    `the upload is larger than this server takes (${mb} MB; \`assay serve --max-upload-mb\` raises it)`,
    413,
  );
}

/** Counts bytes through, failing once there are more than `max`. */
function limit(max: number, seen: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen.bytes += chunk.length;
      if (seen.bytes > max) done(new TooLarge());
      else done(null, chunk);
    },
  });
}

const PUSH_EXPECTED = "send the run as JSON Lines, as `assay push` does";

/** `expected` completes "the body is empty: …" (what the endpoint takes). */
export async function receiveBody(
  req: Request,
  maxBytes: number,
  expected: string = PUSH_EXPECTED,
): Promise<ReceivedBody> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new BadRequest(`Content-Encoding ${encoding} is not taken: send the body plain or gzip`, 415);
  }
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  // refused before a byte is read; a gzip body is checked again as it expands
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body || declared === 0) {
    throw new BadRequest(`the body is empty: ${expected}`);
  }

  const dir = await mkdtemp(join(tmpdir(), "assay-push-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  // named for what it is: importing marks the run "importing baseline from push.jsonl" meanwhile
  const file = join(dir, "push.jsonl");
  const seen = { bytes: 0 };
  const source = Readable.fromWeb(req.body as WebReadableStream<Uint8Array>);
  try {
    if (encoding === "gzip") {
      await pipeline(source, createGunzip(), limit(maxBytes, seen), createWriteStream(file));
    } else {
      await pipeline(source, limit(maxBytes, seen), createWriteStream(file));
    }
  } catch (err) {
    await remove();
    if (err instanceof TooLarge) throw tooLarge(maxBytes);
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (code.startsWith("Z_")) throw new BadRequest("the body is not valid gzip (Content-Encoding: gzip)");
    throw err;
  }
  if (seen.bytes === 0) {
    await remove();
    throw new BadRequest(`the body is empty: ${expected}`);
  }
  return { file, bytes: seen.bytes, remove };
}
