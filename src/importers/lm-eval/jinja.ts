import { Environment, Interpreter, parse, tokenize } from "@huggingface/jinja";

/**
 * lm-eval's `doc_to_text` / `doc_to_target` / `doc_to_choice`, evaluated as lm-eval does: a
 * column name picks the column, anything else is a Jinja template rendered over the document.
 * Rendering happens once, at import time, into plain text: the imported suite holds the prompts,
 * not the templates. The engine is @huggingface/jinja, an interpreter of its own (Python-like
 * string methods, negative indexes) that reaches no JavaScript: a template cannot call into the
 * host, so a task file from anywhere is safe to render.
 */

export type Doc = Record<string, unknown>;

/** Thrown for a template that does not parse or render; the importer reports it. */
export class TemplateError extends Error {}

type Program = ReturnType<typeof parse>;

const cache = new Map<string, Program>();

/**
 * Marks the end of the template: the engine drops one trailing newline (Jinja's default), while
 * lm-eval renders with keep_trailing_newline=True (descriptions end with "\n\n").
 */
const END = "\uE000";

/** `list.index(x)`, which Python lists have and the engine lacks: rewritten into a call (ARC uses it). */
const INDEX_CALL = /([A-Za-z_][\w.]*(?:\[[^\]]*\])?)\.index\(([^()]*)\)/g;
const INDEX_FN = "__lm_eval_index";

function compile(source: string): Program {
  let t = cache.get(source);
  if (!t) {
    try {
      // Python Jinja's defaults (no trim_blocks, no lstrip_blocks), which lm-eval keeps
      t = parse(tokenize(source.replace(INDEX_CALL, `${INDEX_FN}($1, $2)`) + END, {}));
    } catch (err) {
      throw new TemplateError(
        `cannot parse the Jinja template ${JSON.stringify(source)}: ${(err as Error).message}`,
      );
    }
    cache.set(source, t);
  }
  return t;
}

/** A value as the engine hands it to a function (lists of runtime values), made plain. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (v !== null && typeof v === "object" && "value" in v && "type" in v)
    return plain((v as { value: unknown }).value);
  return v;
}

function indexOf(rawList: unknown, rawValue: unknown): number {
  const list = plain(rawList);
  const value = plain(rawValue);
  if (!Array.isArray(list) && typeof list !== "string")
    throw new TemplateError(".index() of something that is not a list");
  const i = Array.isArray(list) ? list.indexOf(value) : list.indexOf(String(value));
  if (i < 0) throw new TemplateError(`${JSON.stringify(value)} is not in the list`);
  return i;
}

function pyRange(a: number, b?: number, step = 1): number[] {
  if (typeof a !== "number") throw new TemplateError("range() takes integers");
  const [start, stop] = b === undefined ? [0, a] : [a, b];
  const out: number[] = [];
  if (step === 0) throw new TemplateError("range() step must not be zero");
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100_000) break;
  }
  return out;
}

/** Renders a Jinja template over a document, as lm-eval's `apply_template`. */
export function renderTemplate(source: string, doc: Doc): string {
  try {
    const env = new Environment();
    const globals: Record<string, unknown> = {
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
    };
    for (const [k, v] of Object.entries({ ...globals, ...doc, range: pyRange, [INDEX_FN]: indexOf }))
      env.set(k, v);
    const out = String(new Interpreter(env).run(compile(source)).value);
    return out.endsWith(END) ? out.slice(0, -END.length) : out;
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw new TemplateError(`cannot render ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
}

/** What a `doc_to_*` field is set to in the YAML. */
export type DocField = string | number | unknown[] | Record<string, unknown>;

/** `doc_to_text`: a column, or a template; a rendered number is an index when the task has choices (as lm-eval). */
export function docToText(
  field: DocField,
  doc: Doc,
  columns: ReadonlySet<string>,
  hasChoices: boolean,
): string | number {
  if (typeof field === "number") return field;
  if (typeof field !== "string")
    throw new TemplateError("doc_to_text must be a column name or a Jinja template");
  if (columns.has(field)) return asPromptValue(doc[field]);
  const text = renderTemplate(field, doc);
  return hasChoices && /^\d+$/.test(text) ? Number(text) : text;
}

/**
 * `doc_to_target`: a column, a template (a rendered number is an index into the choices when the
 * task has them; a rendered list literal is a list), a fixed index, or a list.
 */
export function docToTarget(
  field: DocField,
  doc: Doc,
  columns: ReadonlySet<string>,
  hasChoices: boolean,
): string | number | unknown[] {
  if (typeof field === "number") return field;
  if (Array.isArray(field)) return field;
  if (typeof field !== "string")
    throw new TemplateError("doc_to_target must be a column, a template, an index or a list");
  if (columns.has(field)) {
    const v = doc[field];
    return typeof v === "number" || Array.isArray(v) ? v : asPromptValue(v);
  }
  const text = renderTemplate(field, doc);
  if (hasChoices && /^\d+$/.test(text)) return Number(text);
  if (text.length >= 2 && text.startsWith("[") && text.endsWith("]")) {
    const list = parseListLiteral(text);
    if (list) return list;
  }
  return text;
}

/** `doc_to_choice`: a column holding a list, a template rendering a list, a list, or a mapping (its values). */
export function docToChoice(field: DocField, doc: Doc, columns: ReadonlySet<string>): string[] {
  let value: unknown;
  if (Array.isArray(field)) value = field;
  else if (field !== null && typeof field === "object") value = Object.values(field);
  else if (typeof field === "string" && columns.has(field)) value = doc[field];
  else if (typeof field === "string") {
    const text = renderTemplate(field, doc);
    value = parseListLiteral(text);
    if (value === undefined)
      throw new TemplateError(`doc_to_choice rendered ${JSON.stringify(text)}, not a list`);
  } else throw new TemplateError("doc_to_choice must be a column, a template or a list");
  if (!Array.isArray(value))
    throw new TemplateError(`doc_to_choice gave ${JSON.stringify(value)}, not a list`);
  return value.map((c) => asPromptValue(c));
}

function asPromptValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * A list literal as Jinja renders it: JSON (`["a", "b"]`, what this engine prints) or Python's
 * repr (`['a', "b's", 3]`, what lm-eval's engine prints and task authors paste). Undefined when it
 * is neither.
 */
export function parseListLiteral(text: string): unknown[] | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v)) return v;
  } catch {
    // not JSON: try Python's repr
  }
  return parsePythonList(text.trim());
}

function parsePythonList(s: string): unknown[] | undefined {
  if (!s.startsWith("[") || !s.endsWith("]")) return undefined;
  const out: unknown[] = [];
  let i = 1;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  skip();
  if (s[i] === "]") return i === s.length - 1 ? out : undefined;
  while (i < s.length) {
    skip();
    const c = s[i];
    if (c === "'" || c === '"') {
      let str = "";
      i++;
      while (i < s.length && s[i] !== c) {
        if (s[i] === "\\" && i + 1 < s.length) {
          const e = s[i + 1];
          str += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e;
          i += 2;
        } else str += s[i++];
      }
      if (s[i] !== c) return undefined;
      i++;
      out.push(str);
    } else {
      const m = /^(-?\d+(?:\.\d+)?(?:e-?\d+)?|True|False|None)/.exec(s.slice(i));
      if (!m) return undefined;
      const tok = m[1];
      out.push(tok === "True" ? true : tok === "False" ? false : tok === "None" ? null : Number(tok));
      i += tok.length;
    }
    skip();
    if (s[i] === ",") {
      i++;
      skip();
      if (s[i] === "]" && i === s.length - 1) return out;
      continue;
    }
    if (s[i] === "]" && i === s.length - 1) return out;
    return undefined;
  }
  return undefined;
}
