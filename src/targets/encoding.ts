import { TargetFailure } from "../core/output.ts";

/**
 * How the bytes a target returns (an HTTP body, an exec target's stdout) become its output text.
 * `utf-8` (the default) refuses bytes that are not valid UTF-8, so a wrong charset is flagged as
 * a malformed response instead of being scored with U+FFFD in place of the characters;
 * `latin1` reads each byte as one character; `binary-base64` makes the output the base64 of the bytes.
 */
export const RESPONSE_ENCODINGS = ["utf-8", "latin1", "binary-base64"] as const;
export type ResponseEncoding = (typeof RESPONSE_ENCODINGS)[number];

/** 16 MiB: the default bound on a response body or an exec target's stdout. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

// One decoder serves every call: decode() without `stream` starts afresh each time.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The output text of a body. Throws `malformed-response` (naming `what`) on invalid UTF-8. */
export function decodeResponse(bytes: Uint8Array, encoding: ResponseEncoding, what: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoding === "latin1") return buf.toString("latin1");
  if (encoding === "binary-base64") return buf.toString("base64");
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new TargetFailure(
      "malformed-response",
      `${what}: the response is not valid UTF-8 ` +
        "(set encoding: latin1 or encoding: binary-base64 on the target if such bytes are expected)",
    );
  }
}

/** A lenient reading for error messages: invalid bytes become U+FFFD. */
export function decodeLeniently(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** True for a known encoding or none (targets built from code are not checked by the schema). */
export function isResponseEncoding(value: unknown): value is ResponseEncoding | undefined {
  return value === undefined || (RESPONSE_ENCODINGS as readonly unknown[]).includes(value);
}
