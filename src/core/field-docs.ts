/**
 * Field tables: the meaning of every field of a machine-readable output (`--json`), written in
 * code beside the type it describes. `FieldTable<T>` needs an entry for every key of T, so a field
 * added to a type without a description does not compile; docs/reference/json.md is generated
 * from the tables.
 */

export interface FieldDoc {
  /** the JSON type a reader sees: `string`, `number | null`, `[lo, hi] | null`, `object`, … */
  type: string;
  doc: string;
  /** an object's own fields */
  fields?: Readonly<Record<string, FieldDoc>>;
  /** a map's entries, each described as a field; `key` names the placeholder (`{name}`) */
  entries?: FieldDoc & { key: string };
  /** a list's items' fields */
  items?: Readonly<Record<string, FieldDoc>>;
}

/** A FieldDoc for every key of T (optional keys included). */
export type FieldTable<T> = { readonly [K in keyof T]-?: FieldDoc };

export interface FieldRow {
  /** `dimensions.{name}.ci`, `flips[].caseId` */
  path: string;
  type: string;
  doc: string;
}

/** The table flattened to one row per field, parents before their fields, in declaration order. */
export function fieldRows(table: Readonly<Record<string, FieldDoc>>, prefix = ""): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const [name, f] of Object.entries(table)) rows.push(...rowsOf(`${prefix}${name}`, f));
  return rows;
}

function rowsOf(path: string, f: FieldDoc): FieldRow[] {
  const rows: FieldRow[] = [{ path, type: f.type, doc: f.doc }];
  if (f.fields) rows.push(...fieldRows(f.fields, `${path}.`));
  if (f.entries) rows.push(...rowsOf(`${path}.${f.entries.key}`, f.entries));
  if (f.items) rows.push(...fieldRows(f.items, `${path}[].`));
  return rows;
}
