/** The text as JSON when it is a JSON object or array; undefined otherwise. */
export function parseJsonStructure(text: string): unknown {
  const t = text.trim();
  const first = t[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    const value = safeJsonParse(t);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** JSON.parse (data only, never evaluated) without `__proto__` members, which could reshape objects they are merged into. */
export function safeJsonParse(text: string): unknown {
  if (!text.includes("__proto__")) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => (key === "__proto__" ? undefined : value));
}
