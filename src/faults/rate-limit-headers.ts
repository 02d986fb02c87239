/**
 * The rate-limit headers of an HTTP response, for `assay probe` (and anyone reading a failure):
 * `x-ratelimit-*`, `anthropic-ratelimit-*`, the IETF `ratelimit*` fields and `retry-after(-ms)`.
 * Only these names are kept, never the whole header set: a response may set cookies or echo
 * tokens, and nothing but quota numbers and dates belongs in a report.
 */
const RATE_LIMIT_HEADER =
  /^(x-ratelimit-[a-z0-9-]+|x-rate-limit-[a-z0-9-]+|anthropic-ratelimit-[a-z0-9-]+|ratelimit(-[a-z0-9-]+)?|retry-after(-ms)?)$/;
/** A quota value is a number or a date; anything longer is cut. */
const MAX_VALUE_CHARS = 200;
const MAX_HEADERS = 40;

export function isRateLimitHeader(name: string): boolean {
  return RATE_LIMIT_HEADER.test(name.toLowerCase());
}

/**
 * The rate-limit headers among `entries` (lower-case names), or undefined when there are none.
 * Takes node's IncomingHttpHeaders entries or a WHATWG Headers' entries alike.
 */
export function pickRateLimitHeaders(
  entries: Iterable<readonly [string, string | string[] | number | undefined]>,
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let n = 0;
  for (const [rawName, rawValue] of entries) {
    if (rawValue === undefined || !isRateLimitHeader(rawName)) continue;
    if (n >= MAX_HEADERS) break;
    const value = (Array.isArray(rawValue) ? rawValue.join(", ") : String(rawValue)).slice(
      0,
      MAX_VALUE_CHARS,
    );
    out ??= {};
    out[rawName.toLowerCase()] = value;
    n++;
  }
  return out;
}
