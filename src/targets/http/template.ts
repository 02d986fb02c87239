import { Liquid, type Template } from "liquidjs";

/** The locale of Liquid's `date` filter in every template assay renders (safeLiquid). */
export const LIQUID_LOCALE = "en-US";

/**
 * Liquid, configured so that templates reach only the data they are given (own properties, known
 * filters): no JavaScript. The locale of the `date` filter is fixed, so a template renders the
 * same on every machine (and Liquid does not ask ICU for the machine's, ~15 ms before a run's
 * first call). `outputEscape` changes how `{{ … }}` prints a value.
 */
export function safeLiquid(root: string, outputEscape?: (value: unknown) => string): Liquid {
  return new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    root: [root],
    cache: false,
    locale: LIQUID_LOCALE,
    ...(outputEscape ? { outputEscape } : {}),
  });
}

/** A leaf that is one bare variable (`{{ input }}`, `{{ case.tags.lang }}`) inserts the value itself. */
const BARE_VARIABLE =
  /^\{\{-?\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\s*\d+\s*\]|\[\s*(?:'[^']*'|"[^"]*")\s*\])*)\s*-?\}\}$/;

export type BodyRenderer = (scope: Record<string, unknown>) => unknown;

export class TemplateError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "TemplateError";
    this.field = field;
  }
}

/**
 * Compiles every string leaf once. The renderer returns a fresh JSON value: a bare-variable leaf
 * becomes the variable's value when that is not a string (an object stays an object, not
 * "[object Object]"); every other leaf renders to a string.
 */
export function compileBody(liquid: Liquid, body: unknown, field: string): BodyRenderer {
  if (typeof body === "string") {
    const bare = BARE_VARIABLE.exec(body);
    let templates: Template[];
    try {
      templates = liquid.parse(body);
    } catch (err) {
      throw new TemplateError(field, `invalid template: ${(err as Error).message}`);
    }
    const plain = plainParts(body);
    const renderString = (scope: Record<string, unknown>): string =>
      (plain && renderPlain(plain, scope)) ?? String(liquid.renderSync(templates, scope));
    if (!bare) return renderString;
    const expr = bare[1];
    return (scope) => {
      // a string renders as itself: no need to evaluate the expression before rendering it
      const fast = plain && renderPlain(plain, scope);
      if (fast !== undefined) return fast;
      const value: unknown = liquid.evalValueSync(expr, scope);
      if (value === undefined || value === null || typeof value === "string") return renderString(scope);
      return toJsonValue(value);
    };
  }
  if (Array.isArray(body)) {
    const items = body.map((item, i) => compileBody(liquid, item, `${field}[${i}]`));
    return (scope) => items.map((render) => render(scope));
  }
  if (body !== null && typeof body === "object") {
    const entries = Object.entries(body).map(
      ([k, v]) => [k, compileBody(liquid, v, `${field}.${k}`)] as const,
    );
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [k, render] of entries) out[k] = render(scope);
      return out;
    };
  }
  return () => body;
}

/** `{{ name }}`: an output of one top-level variable, no path, no filter, no whitespace control. */
const PLAIN_OUTPUT = /\{\{\s*([A-Za-z_]\w*)\s*\}\}/g;

/** Literal text and the names output between its pieces: texts.length === names.length + 1. */
interface PlainParts {
  texts: string[];
  names: string[];
}

/**
 * The template split into literal text and `{{ name }}` outputs, when that is all it holds
 * (most request bodies: `{{ input }}`, `Question: {{ input }}`); undefined when any other
 * Liquid is in it (tags, filters, paths, `{{-`), which Liquid then renders.
 */
function plainParts(source: string): PlainParts | undefined {
  const texts: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of source.matchAll(PLAIN_OUTPUT)) {
    texts.push(source.slice(last, m.index));
    names.push(m[1]);
    last = (m.index ?? 0) + m[0].length;
  }
  texts.push(source.slice(last));
  if (names.length === 0) return undefined;
  for (const text of texts) if (text.includes("{{") || text.includes("{%")) return undefined;
  return { texts, names };
}

/**
 * What Liquid renders for plain parts when every name is a string the scope holds as its own
 * property (a string outputs as itself); undefined otherwise, and Liquid renders instead.
 */
function renderPlain(parts: PlainParts, scope: Record<string, unknown>): string | undefined {
  let out = parts.texts[0];
  for (let i = 0; i < parts.names.length; i++) {
    const name = parts.names[i];
    const value = Object.hasOwn(scope, name) ? scope[name] : undefined;
    if (typeof value !== "string") return undefined;
    out += value + parts.texts[i + 1];
  }
  return out;
}

/** A plain JSON copy (drops functions, turns dates into strings), so nothing else rides along. */
function toJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
