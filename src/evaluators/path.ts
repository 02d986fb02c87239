/**
 * Dotted paths into JSON values: `getPath(obj, "a.b.0.c")` reads `obj.a.b[0].c`.
 *
 * A segment that is a non-negative integer indexes an array; on an object it is an ordinary key
 * (so `{"0": x}` is reachable too). Only own properties are followed, so `"constructor"` or
 * `"__proto__"` never reach the prototype. A missing step gives `undefined`; the empty path
 * returns the value itself.
 */

/** Splits a dotted path into its segments (`""` → no segments). */
export function parsePath(path: string): string[] {
  return path === "" ? [] : path.split(".");
}

/** Whether a dotted path is well formed: non-empty segments separated by single dots. */
export function isValidPath(path: string): boolean {
  return path.length > 0 && parsePath(path).every((s) => s.length > 0);
}

export function getPath(value: unknown, path: string | readonly string[]): unknown {
  const segments = typeof path === "string" ? parsePath(path) : path;
  let cur: unknown = value;
  for (const seg of segments) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(seg)) return undefined;
      const i = Number(seg);
      if (i >= cur.length) return undefined;
      cur = cur[i];
    } else if (cur !== null && typeof cur === "object") {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    } else {
      return undefined;
    }
  }
  return cur;
}
