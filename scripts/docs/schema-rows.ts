/**
 * Rows of a JSON Schema (as zod's toJSONSchema writes it) for the reference tables: one row per
 * key, nested objects, list items (`path[]`) and map entries (`path.{name}`) walked into.
 */

export type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
};

export interface SchemaRow {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

const BRANCHES = (n: JsonSchema) => n.anyOf ?? n.oneOf;

const finite = (v: number | undefined) =>
  v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined;

/** `in [0, 1]`, `> 0`, `≥ 1`, `in (0, 1)`: the range a number may take. */
function bounds(n: JsonSchema): string {
  const lo = finite(n.exclusiveMinimum) ?? finite(n.minimum);
  const hi = finite(n.exclusiveMaximum) ?? finite(n.maximum);
  const loOpen = finite(n.exclusiveMinimum) !== undefined;
  const hiOpen = finite(n.exclusiveMaximum) !== undefined;
  if (lo !== undefined && hi !== undefined)
    return ` in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`;
  if (lo !== undefined) return ` ${loOpen ? ">" : "≥"} ${lo}`;
  if (hi !== undefined) return ` ${hiOpen ? "<" : "≤"} ${hi}`;
  return "";
}

/**
 * A short type: `integer ≥ 1`, `"any" | "all"`, `string[]`, `{key: number}`, `[integer, integer]`.
 * "(not empty)" is said of the value itself, not of the strings inside a list or map.
 */
export function typeOf(n: JsonSchema, inner = false): string {
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(" | ");
  const branches = BRANCHES(n);
  if (branches) return [...new Set(branches.map((b) => typeOf(b, inner)))].join(" | ");
  switch (n.type) {
    case "array": {
      if (n.prefixItems) return `[${n.prefixItems.map((i) => typeOf(i, true)).join(", ")}]`;
      const item = typeOf(n.items ?? {}, true);
      const list = item.includes(" ") ? `(${item})[]` : `${item}[]`;
      return !inner && n.minItems && n.minItems > 0 ? `${list} (not empty)` : list;
    }
    case "object": {
      if (n.properties) return "object";
      const value = n.additionalProperties;
      return value && typeof value === "object" ? `{key: ${typeOf(value, true)}}` : "object";
    }
    case "string":
      return !inner && n.minLength && n.minLength > 0 ? "string (not empty)" : "string";
    case "integer":
    case "number":
      return `${n.type}${bounds(n)}`;
    case undefined:
      return "any";
    default:
      return n.type;
  }
}

/** The object schemas a value may be, to walk into: itself, an object branch of a union. */
function objectsOf(n: JsonSchema): JsonSchema[] {
  const branches = BRANCHES(n);
  if (branches) return branches.flatMap(objectsOf);
  return n.type === "object" && n.properties ? [n] : [];
}

/**
 * One row per key of `node` (an object schema), then the keys of its nested objects, list items
 * and map values. `mapKey` names a map's entries in paths (`dimensions.{name}`).
 */
export function schemaRows(node: JsonSchema, prefix = "", mapKey = (_path: string) => "{key}"): SchemaRow[] {
  const rows: SchemaRow[] = [];
  const required = new Set(node.required ?? []);
  for (const [name, prop] of Object.entries(node.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push({
      path,
      type: typeOf(prop),
      required: required.has(name),
      ...(prop.default !== undefined ? { default: prop.default } : {}),
      description: prop.description ?? "",
    });
    rows.push(...nestedRows(prop, path, mapKey));
  }
  return rows;
}

function nestedRows(prop: JsonSchema, path: string, mapKey: (path: string) => string): SchemaRow[] {
  const rows: SchemaRow[] = [];
  for (const obj of objectsOf(prop)) rows.push(...schemaRows(obj, `${path}.`, mapKey));
  const lists = [prop, ...(BRANCHES(prop) ?? [])].filter((n) => n.type === "array" && n.items);
  for (const list of lists) {
    for (const obj of objectsOf(list.items as JsonSchema))
      rows.push(...schemaRows(obj, `${path}[].`, mapKey));
  }
  const maps = [prop, ...(BRANCHES(prop) ?? [])].filter(
    (n) => n.type === "object" && !n.properties && typeof n.additionalProperties === "object",
  );
  for (const map of maps) {
    for (const obj of objectsOf(map.additionalProperties as JsonSchema)) {
      rows.push(...schemaRows(obj, `${path}.${mapKey(path)}.`, mapKey));
    }
  }
  return rows;
}

export function showDefault(row: SchemaRow): string {
  return row.default === undefined ? "" : JSON.stringify(row.default);
}
