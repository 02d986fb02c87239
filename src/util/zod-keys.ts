import type { z } from "zod";

type Def = {
  type?: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
};

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schemas a value at this point may match: wrappers (optional, default, pipe…) looked through. */
function unwrap(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.type === "union" && def.options) return def.options.flatMap(unwrap);
  return [schema];
}

/**
 * The object keys a zod schema declares at `path` (record keys, array indices and union branches
 * are walked through), for "did you mean" suggestions on an unknown key. Empty when the path does
 * not lead to an object.
 */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current = unwrap(schema);
  for (const step of path) {
    current = current.flatMap((s) => {
      const def = defOf(s);
      if (def.type === "object" && def.shape && typeof step === "string" && def.shape[step])
        return unwrap(def.shape[step]);
      if (def.type === "array" && def.element && typeof step === "number") return unwrap(def.element);
      if (def.type === "record" && def.valueType) return unwrap(def.valueType);
      return [];
    });
  }
  const keys = new Set<string>();
  for (const s of current) {
    const def = defOf(s);
    if (def.type === "object" && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}
