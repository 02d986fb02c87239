/** Names assay accepts for targets, dimensions and case ids, made from promptfoo's free text. */

/**
 * Letters, digits, `_` and `-` (and `.` with `dots`, for target ids: `gpt-4.1`); starts with a
 * letter or digit; at most `max` characters.
 */
export function slug(text: string, max = 48, dots = false): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(dots ? /[^A-Za-z0-9_.-]+/g : /[^A-Za-z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-_.]+|[-_.]+$/g, "")
    .slice(0, max)
    .replace(/[-_.]+$/g, "");
  return s;
}

/** `base`, or `base-2`, `base-3`… the first not yet taken; records it as taken. */
export function unique(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
