import type { Liquid } from "liquidjs";
import { createPromptLiquid } from "../../targets/llm/templates.ts";

/**
 * promptfoo templates are Nunjucks; assay's are Liquid (which cannot reach JavaScript). The two
 * share `{{ var }}`, `{% if %}`, `{% for %}` and most filters under other names, so a template is
 * rewritten tag by tag: filter names and argument syntax (`upper` → `upcase`, `default("x")` →
 * `default: "x"`), `elif` → `elsif`, `set` → `assign`, `loop.index` → `forloop.index`. What Liquid
 * has no form for (`not`, `~`, inline `if … else`, macros, includes, unknown filters) is listed in
 * `problems`; the caller reports it and decides whether the template can still be used.
 */

export interface Converted {
  text: string;
  problems: string[];
}

/** Nunjucks filter → Liquid filter; null: no Liquid equivalent; "" : drop the filter. */
const FILTERS: Record<string, string | null> = {
  upper: "upcase",
  lower: "downcase",
  trim: "strip",
  capitalize: "capitalize",
  length: "size",
  dump: "json",
  default: "default",
  d: "default",
  join: "join",
  first: "first",
  last: "last",
  replace: "replace",
  round: "round",
  abs: "abs",
  sort: "sort",
  reverse: "reverse",
  truncate: "truncate",
  escape: "escape",
  e: "escape",
  striptags: "strip_html",
  urlencode: "url_encode",
  nl2br: "newline_to_br",
  safe: "",
  string: "",
  title: null,
  int: null,
  float: null,
  wordcount: null,
  load: null,
};

const TAG = /\{#[\s\S]*?#\}|\{\{-?[\s\S]*?-?\}\}|\{%-?[\s\S]*?-?%\}/g;

export function nunjucksToLiquid(source: string): Converted {
  const problems: string[] = [];
  const text = source.replace(TAG, (tag) => {
    if (tag.startsWith("{#")) return `{% comment %}${tag.slice(2, -2)}{% endcomment %}`;
    const open = tag.slice(0, 2) + (tag[2] === "-" ? "-" : "");
    const close = (tag.at(-3) === "-" ? "-" : "") + tag.slice(-2);
    const body = tag.slice(open.length, tag.length - close.length).trim();
    const converted = tag.startsWith("{{") ? convertOutput(body, problems) : convertTag(body, problems);
    return `${open} ${converted} ${close}`;
  });
  return { text, problems: [...new Set(problems)] };
}

function convertOutput(body: string, problems: string[]): string {
  const [expr, ...filters] = splitTopLevel(body, "|");
  return [convertExpression(expr, problems), ...filters.map((f) => convertFilter(f, problems))]
    .filter((part) => part !== "")
    .join(" | ");
}

function convertTag(body: string, problems: string[]): string {
  const m = /^(\w+)\s*([\s\S]*)$/.exec(body);
  if (!m) {
    problems.push(`tag {% ${body} %}`);
    return body;
  }
  const [, name, rest] = m;
  switch (name) {
    case "if":
      return `if ${convertExpression(rest, problems)}`;
    case "elif":
    case "elseif":
      return `elsif ${convertExpression(rest, problems)}`;
    case "else": {
      const elseIf = /^if\s+([\s\S]*)$/.exec(rest);
      return elseIf ? `elsif ${convertExpression(elseIf[1], problems)}` : "else";
    }
    case "for": {
      const f = /^(\w+)\s+in\s+([\s\S]+)$/.exec(rest);
      if (!f) problems.push(`{% for ${rest} %} (Liquid loops over one variable)`);
      return f ? `for ${f[1]} in ${convertExpression(f[2], problems)}` : body;
    }
    case "set": {
      const s = /^(\w+)\s*=\s*([\s\S]+)$/.exec(rest);
      if (!s) problems.push(`{% set ${rest} %}`);
      return s ? `assign ${s[1]} = ${convertOutput(s[2], problems)}` : body;
    }
    case "endif":
    case "endfor":
    case "raw":
    case "endraw":
      return name;
    default:
      problems.push(`{% ${name} %} (no Liquid equivalent)`);
      return body;
  }
}

function convertExpression(expr: string, problems: string[]): string {
  const e = expr.trim();
  const code = stripStrings(e);
  if (/(^|[^\w.])not\s/.test(code)) problems.push("`not` (Liquid has `unless` and `!=` instead)");
  if (code.includes("~")) problems.push("`~` string concatenation");
  if (/\sif\s[\s\S]*\selse\s/.test(` ${code} `)) problems.push("inline `if … else` expressions");
  if (/[^=!<>]=[^=]/.test(code.replace(/[=!<>]=/g, "")))
    problems.push(`assignment inside an expression: ${e}`);
  if (/[()]/.test(code)) problems.push(`function calls or parentheses in ${e}`);
  return e.replace(/\bloop\.(index0|index|first|last|length|revindex0|revindex)\b/g, "forloop.$1");
}

function convertFilter(filter: string, problems: string[]): string {
  const m = /^\s*(\w+)\s*(?:\(([\s\S]*)\))?\s*$/.exec(filter);
  if (!m) {
    problems.push(`filter ${filter.trim()}`);
    return filter.trim();
  }
  const [, name, args] = m;
  const mapped = FILTERS[name];
  if (mapped === undefined || mapped === null) {
    problems.push(`filter \`${name}\``);
    return name;
  }
  if (mapped === "") return "";
  return args !== undefined && args.trim() !== "" ? `${mapped}: ${args.trim()}` : mapped;
}

/** Splits on `sep` outside quotes and brackets. */
function splitTopLevel(text: string, sepChar: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (ch === sepChar && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function stripStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

/** Whether a template holds any tag at all (most assertion values do not). */
export function isTemplate(text: string): boolean {
  return /\{\{|\{%|\{#/.test(text);
}

let liquid: Liquid | undefined;

/** The Liquid engine prompt targets use (same options), for checking and rendering at import time. */
export function importLiquid(): Liquid {
  liquid ??= createPromptLiquid(process.cwd());
  return liquid;
}

/** Whether Liquid parses the template; the error message when it does not. */
export function liquidError(text: string): string | undefined {
  try {
    importLiquid().parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}

/**
 * Renders an assertion value with the test's vars, as promptfoo does before it checks the
 * output (`value: "{{ expected }}"`). Liquid, so no template reaches JavaScript.
 */
export function renderValue(text: string, vars: Record<string, unknown>): { text: string; error?: string } {
  if (!isTemplate(text)) return { text };
  const converted = nunjucksToLiquid(text);
  try {
    return { text: importLiquid().parseAndRenderSync(converted.text, vars) as string };
  } catch (err) {
    return { text, error: (err as Error).message.split("\n")[0] };
  }
}
