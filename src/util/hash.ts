import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A short, stable hash of any JSON value (key order does not matter). */
export function hashValue(value: unknown, length = 16): string {
  return sha256(canonicalJson(value)).slice(0, length);
}
