/**
 * The hosted Evals API's templates: `{{item.question}}` (a field of the data item),
 * `{{sample.output_text}}` (the model's answer). They become, by where they are used:
 * - in a target's messages, Liquid over the case (`{{ case.input.question }}`), with the text
 *   around them kept literal;
 * - in a grader's reference, text rendered per item at import time (the case's expected value);
 * - in a model grader's prompt, words pointing at the judge's data blocks (the rubric).
 */

export type TemplatePart = { literal: string } | { ns: string; path: string; raw: string };

const REF = /\{\{\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[\d+\])*)\s*\}\}/g;

export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(REF)) {
    if (m.index > last) parts.push({ literal: text.slice(last, m.index) });
    parts.push({ ns: m[1], path: m[2].replace(/^\./, ""), raw: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  return parts;
}

/** The references a template makes, as `ns.path` (`item.question`, `sample.output_text`). */
export function references(text: string): string[] {
  return parseTemplate(text)
    .filter((p): p is { ns: string; path: string; raw: string } => "ns" in p)
    .map((p) => (p.path ? `${p.ns}.${p.path}` : p.ns));
}

function getPath(value: unknown, path: string): unknown {
  if (path === "") return value;
  let v: unknown = value;
  for (const key of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The text of a template with `{{item.…}}` filled from the item; undefined when it names anything else. */
export function renderItem(text: string, item: Record<string, unknown>): string | undefined {
  let out = "";
  for (const p of parseTemplate(text)) {
    if ("literal" in p) out += p.literal;
    else if (p.ns === "item") out += asText(getPath(item, p.path));
    else return undefined;
  }
  return out;
}

/** Whether a template is exactly the model's answer (`{{sample.output_text}}`). */
export function isOutputText(text: string): boolean {
  const parts = parseTemplate(text.trim());
  return (
    parts.length === 1 && "ns" in parts[0] && parts[0].ns === "sample" && parts[0].path === "output_text"
  );
}

/** Literal text safe inside Liquid: anything that would open a tag or an output is kept raw. */
function literalLiquid(text: string): string {
  if (!/\{[{%]/.test(text)) return text;
  return `{% raw %}${text.replaceAll("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}")}{% endraw %}`;
}

/**
 * A message template as Liquid over the case (whose input is the item). Undefined (with the
 * reference) when it names something other than the item, e.g. `{{sample.output_text}}`.
 */
export function toLiquid(text: string): { ok: true; liquid: string } | { ok: false; ref: string } {
  let out = "";
  for (const p of parseTemplate(text)) {
    if ("literal" in p) out += literalLiquid(p.literal);
    else if (p.ns === "item") out += p.path ? `{{ case.input.${p.path} }}` : "{{ case.input }}";
    else return { ok: false, ref: p.raw };
  }
  return { ok: true, liquid: out };
}

/** A grader prompt as rubric text: references become pointers to the judge's data blocks. */
export function toRubricText(text: string): string {
  let out = "";
  for (const p of parseTemplate(text)) {
    if ("literal" in p) out += p.literal;
    else if (p.ns === "item") out += p.path ? `[the input's \`${p.path}\`]` : "[the input]";
    else if (p.ns === "sample" && (p.path === "output_text" || p.path === ""))
      out += "[the answer under judgment]";
    else if (p.ns === "sample") out += `[the answer's \`${p.path}\`]`;
    else out += p.raw;
  }
  return out;
}

/** The text of an OpenAI message `content`: a string, an input_text part, or a list of parts. */
export function contentText(content: unknown): { text: string; dropped: string[] } {
  const dropped: string[] = [];
  const one = (c: unknown): string => {
    if (typeof c === "string") return c;
    if (c !== null && typeof c === "object") {
      const part = c as Record<string, unknown>;
      if (
        (part.type === "input_text" || part.type === "output_text" || part.type === undefined) &&
        typeof part.text === "string"
      ) {
        return part.text;
      }
      dropped.push(String(part.type ?? "unknown part"));
    }
    return "";
  };
  const text = Array.isArray(content) ? content.map(one).join("") : one(content);
  return { text, dropped };
}
