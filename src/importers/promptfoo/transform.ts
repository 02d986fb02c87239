/**
 * promptfoo's `options.transform` (and an assertion's `transform`) is JavaScript applied to the
 * output before it is checked. assay never evaluates source code, so only expressions made of a
 * few known steps are carried over, as data the bundled checks apply:
 *
 *   output                        JSON.parse(output)
 *   output.trim()                 JSON.parse(output).answer
 *   output.toLowerCase()          JSON.parse(output)["key"][0]
 *   output.toUpperCase().trim()   (optionally `return …;` and a trailing `;`)
 *
 * Anything else (a function body, a call we do not know, a `file://` transform) is `undefined`:
 * the caller reports it and checks the untransformed output.
 */
export type TransformStep =
  | { op: "trim" | "trimStart" | "trimEnd" | "lower" | "upper" | "json" }
  | { op: "get"; key: string | number };

type TextStep = "trim" | "trimStart" | "trimEnd" | "lower" | "upper";

const METHODS: Record<string, TextStep> = {
  trim: "trim",
  trimStart: "trimStart",
  trimEnd: "trimEnd",
  toLowerCase: "lower",
  toUpperCase: "upper",
};

export function parseTransform(source: string): TransformStep[] | undefined {
  let s = source.trim().replace(/;\s*$/, "");
  s = s.replace(/^return\s+/, "").trim();
  const steps: TransformStep[] = [];
  const head = /^(JSON\.parse\(\s*output\s*\)|output)/.exec(s);
  if (!head) return undefined;
  if (head[1] !== "output") steps.push({ op: "json" });
  s = s.slice(head[0].length);
  while (s.length > 0) {
    const method = /^\s*\.\s*(\w+)\(\s*\)/.exec(s);
    if (method) {
      const op = METHODS[method[1]];
      if (!op) return undefined;
      steps.push({ op });
      s = s.slice(method[0].length);
      continue;
    }
    const prop = /^\s*\??\.\s*([A-Za-z_$][\w$]*)(?!\s*\()/.exec(s);
    if (prop) {
      steps.push({ op: "get", key: prop[1] });
      s = s.slice(prop[0].length);
      continue;
    }
    const index = /^\s*\[\s*(?:(\d+)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\]/.exec(s);
    if (index) {
      steps.push({ op: "get", key: index[1] !== undefined ? Number(index[1]) : (index[2] ?? index[3]) });
      s = s.slice(index[0].length);
      continue;
    }
    return undefined;
  }
  return steps;
}
