import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Liquid, Template } from "liquidjs";
import type { Case, ChatMessage } from "../../core/case.ts";
import { errorMessage } from "../../faults/abort.ts";
import { TargetConfigError } from "../errors.ts";
import { safeLiquid } from "../http/template.ts";
import type { MessageTemplateSpec } from "./spec.ts";

/**
 * Prompt templates are Liquid, configured as the http target's bodies are: templates reach only
 * the data they are given (own properties, known filters), never JavaScript. An object or list
 * printed with `{{ … }}` prints as JSON, not "[object Object]".
 */
export function createPromptLiquid(root: string): Liquid {
  return safeLiquid(root, printValue);
}

function printValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value) ?? "";
  return String(value);
}

export interface CompiledMessageTemplate {
  role: MessageTemplateSpec["role"];
  template: Template[];
}

/** The target's templates, compiled: the `messages` templates, then the `prompt` file as a user message. */
export interface PromptTemplates {
  messages: CompiledMessageTemplate[];
  /** whether a user message comes from a template; when none does, the input is the user message */
  hasUserTemplate: boolean;
  /** sha256 of the templates' text (the prompt file's content, the messages as written) */
  hash: string;
}

/** The variables a template sees. Never `expected`. */
export type TemplateScope = Record<string, unknown>;

/**
 * `input`, `case` ({id, tags, cluster, input}) and `epoch`; an object input's own fields are
 * variables too (`{{ title }}`), and its `input` field, when it has one, is `{{ input }}`.
 */
export function templateScope(c: Case, epoch: number): TemplateScope {
  const scopeCase: Record<string, unknown> = { id: c.id, tags: c.tags, input: c.input };
  if (c.cluster !== undefined) scopeCase.cluster = c.cluster;
  const input = c.input;
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>;
    return {
      ...fields,
      input: Object.hasOwn(fields, "input") ? fields.input : input,
      case: scopeCase,
      epoch,
    };
  }
  return { input, case: scopeCase, epoch };
}

export function readPromptFile(
  targetId: string,
  baseDir: string,
  path: string,
): { file: string; text: string } {
  const file = resolve(baseDir, path);
  if (!existsSync(file)) {
    throw new TargetConfigError(`llm target "${targetId}": prompt file not found`, {
      targetId,
      file,
      field: "prompt",
    });
  }
  try {
    return { file, text: readFileSync(file, "utf8") };
  } catch (err) {
    throw new TargetConfigError(
      `llm target "${targetId}": cannot read the prompt file: ${errorMessage(err)}`,
      {
        targetId,
        file,
        field: "prompt",
      },
    );
  }
}

export function compilePrompt(
  liquid: Liquid,
  targetId: string,
  messages: MessageTemplateSpec[] | undefined,
  prompt: { file: string; text: string } | undefined,
): PromptTemplates {
  const compiled: CompiledMessageTemplate[] = [];
  (messages ?? []).forEach((m, i) => {
    compiled.push({
      role: m.role,
      template: parse(liquid, m.content, targetId, { field: `messages.${i}.content` }),
    });
  });
  if (prompt) {
    compiled.push({
      role: "user",
      template: parse(liquid, prompt.text, targetId, { field: "prompt", file: prompt.file }),
    });
  }
  return {
    messages: compiled,
    hasUserTemplate: compiled.some((m) => m.role === "user"),
    hash: templateHash(messages, prompt?.text, (liquid.options.root as string[] | undefined)?.[0]),
  };
}

/**
 * The hash that identifies the templates in describe(): their text, not their location, plus the
 * text of every file they pull in with `{% include %}` / `{% render %}` (so editing an included
 * system prompt is a new target configuration in the run lineage).
 */
export function templateHash(
  messages: MessageTemplateSpec[] | undefined,
  promptText: string | undefined,
  root?: string,
): string {
  const texts = [...(messages ?? []).map((m) => m.content), promptText ?? ""];
  const canonical = JSON.stringify({
    messages: (messages ?? []).map((m) => [m.role, m.content]),
    prompt: promptText ?? null,
    includes: root ? includedFiles(texts, root) : [],
  });
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

function parse(
  liquid: Liquid,
  text: string,
  targetId: string,
  where: { field: string; file?: string },
): Template[] {
  try {
    return liquid.parse(text);
  } catch (err) {
    throw new TargetConfigError(`llm target "${targetId}": invalid template: ${errorMessage(err)}`, {
      targetId,
      ...where,
    });
  }
}

/** Renders templates to chat messages; `roles` picks which (the system prompt alone, say). */
export function renderMessages(
  liquid: Liquid,
  templates: CompiledMessageTemplate[],
  scope: TemplateScope,
  roles?: ReadonlySet<ChatMessage["role"]>,
): ChatMessage[] {
  return templates
    .filter((t) => !roles || roles.has(t.role))
    .map((t) => ({ role: t.role, content: String(liquid.renderSync(t.template, scope)) }));
}

/** The text of a value used as a message: a string as is, anything else as JSON. */
export function asMessageText(value: unknown): string {
  return printValue(value);
}

const INCLUDE = /\{%-?\s*(?:include|render)\s+['"]([^'"]+)['"]/g;

/** [name, text] of the files the templates include, recursively (a missing file hashes as absent). */
function includedFiles(
  texts: string[],
  root: string,
  seen = new Set<string>(),
  depth = 0,
): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  if (depth > 5) return out;
  for (const text of texts) {
    for (const m of text.matchAll(INCLUDE)) {
      const name = m[1];
      if (seen.has(name)) continue;
      seen.add(name);
      let content: string | null = null;
      try {
        content = readFileSync(resolve(root, name), "utf8");
      } catch {
        content = null;
      }
      out.push([name, content]);
      if (content !== null) out.push(...includedFiles([content], root, seen, depth + 1));
    }
  }
  return out;
}
