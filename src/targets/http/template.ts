import { Liquid, type Template } from "liquidjs";

/**
 * Request bodies are JSON whose string leaves are Liquid templates. Liquid, configured so that
 * templates reach only the data they are given (own properties, known filters): no JavaScript.
 */
export function createLiquid(root: string): Liquid {
  return new Liquid({ strictFilters: true, ownPropertyOnly: true, root: [root], cache: false });
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
    const renderString = (scope: Record<string, unknown>): string =>
      String(liquid.renderSync(templates, scope));
    if (!bare) return renderString;
    const expr = bare[1];
    return (scope) => {
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

/** A plain JSON copy (drops functions, turns dates into strings), so nothing else rides along. */
function toJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
