/**
 * The small JSONPath subset used to pick a target's output out of a response:
 * `$`, `.key`, `['key']` / `["key"]`, `[0]` (negative counts from the end), nested freely.
 * Only own properties are visible (`$.constructor` finds nothing).
 */

export type PathSegment = string | number;

export class JsonPathError extends Error {
  constructor(path: string, detail: string) {
    super(`invalid output selector ${JSON.stringify(path)}: ${detail}`);
    this.name = "JsonPathError";
  }
}

export function parseJsonPath(path: string): PathSegment[] {
  const src = path.trim();
  if (!src.startsWith("$")) throw new JsonPathError(path, "it must start with $");
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < src.length) {
    const ch = src[i];
    if (ch === ".") {
      const m = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i + 1));
      if (!m) throw new JsonPathError(path, `expected a name after "." at position ${i}`);
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (ch === "[") {
      const rest = src.slice(i);
      const index = /^\[\s*(-?\d+)\s*\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        i += index[0].length;
        continue;
      }
      const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (!quoted) throw new JsonPathError(path, `expected [index] or ['name'] at position ${i}`);
      const raw = quoted[1] ?? quoted[2];
      segments.push(raw.replace(/\\(.)/g, "$1"));
      i += quoted[0].length;
    } else {
      throw new JsonPathError(path, `unexpected ${JSON.stringify(ch)} at position ${i}`);
    }
  }
  return segments;
}

/** The value at `segments`, or undefined when any step is missing. */
export function selectJsonPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let cur: unknown = value;
  for (const seg of segments) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (Array.isArray(cur)) {
      if (typeof seg !== "number") return undefined;
      const idx = seg < 0 ? cur.length + seg : seg;
      if (idx < 0 || idx >= cur.length) return undefined;
      cur = cur[idx];
    } else {
      const key = String(seg);
      if (!Object.hasOwn(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}
