import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * A request the client got wrong: 400 (or the given status) with the message, and `where` (the
 * line and field of a bad record in a pushed run) beside it in the JSON.
 */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status: ContentfulStatusCode = 400,
    readonly where: { line?: number; field?: string } = {},
  ) {
    super(message);
    this.name = "BadRequest";
  }
}

/** A whole-number query parameter ≥ 0, capped at `max`; `fallback` when absent. */
export function intParam(
  value: string | undefined,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BadRequest(`${name} must be a whole number ≥ 0`);
  return Math.min(n, max);
}

/** The JSON object a POST carries, or a 400 saying what is wrong with it. */
export async function jsonBody<T extends object>(req: { json(): Promise<unknown> }): Promise<Partial<T>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new BadRequest("the body is not JSON");
  }
  if (!body || typeof body !== "object") throw new BadRequest("the body must be a JSON object");
  return body as Partial<T>;
}

/** A labeller's name as a POST gives it: 1 to 100 characters once trimmed. */
export function labellerName(value: unknown): string {
  const labeller = typeof value === "string" ? value.trim() : "";
  if (labeller === "" || labeller.length > 100)
    throw new BadRequest("labeller: a name of 1 to 100 characters");
  return labeller;
}

/** An optional free-text comment of a POST. */
export function commentText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length > 10_000)
    throw new BadRequest("comment: text up to 10,000 characters");
  return value === "" ? undefined : value;
}
