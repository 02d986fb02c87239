import { basename, extname } from "node:path";
import { isObject } from "./names.ts";
import { liquidError, nunjucksToLiquid } from "./nunjucks.ts";
import {
  expandFiles,
  type ImportContext,
  loadCsv,
  loadDocument,
  loadJsonl,
  Origin,
  parseFileRef,
  readText,
  type Where,
} from "./source.ts";

/**
 * promptfoo `prompts` → message templates for provider targets. A text prompt becomes one user
 * message; a chat prompt (a JSON/YAML list of `{role, content}`) keeps its messages. Templates
 * are rewritten from Nunjucks to Liquid. Prompt functions (`.js`, `.py`), `exec:` scripts and
 * prompt-management URLs are reported, never run.
 */

export interface MessageTemplate {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface PromptSpec {
  label: string;
  messages: MessageTemplate[];
  /** whether promptfoo sends it as chat messages (a provider module then gets it as JSON) */
  chat: boolean;
  where: Where;
}

/** promptfoo's prompt when a config has none: the `prompt` var passed through. */
const DEFAULT_PROMPT = "{{prompt}}";

export function readPrompts(raw: unknown, origin: Origin, baseDir: string, ctx: ImportContext): PromptSpec[] {
  const entries: Array<{ value: unknown; label?: string; origin: Origin }> = [];
  if (raw === undefined) entries.push({ value: DEFAULT_PROMPT, origin });
  else if (typeof raw === "string") entries.push({ value: raw, origin });
  else if (Array.isArray(raw)) {
    raw.forEach((value, i) => {
      entries.push({ value, origin: origin.child([i]) });
    });
  } else if (isObject(raw)) {
    // the older map form: { "file://prompt.txt": "label" }
    for (const [value, label] of Object.entries(raw)) {
      entries.push({
        value,
        label: typeof label === "string" ? label : undefined,
        origin: origin.child([value]),
      });
    }
  } else ctx.note(origin.at(), "prompts", "not a string, a list or a map of prompts");

  const prompts: PromptSpec[] = [];
  entries.forEach((entry, i) => {
    let value = entry.value;
    let label = entry.label;
    if (isObject(value)) {
      for (const key of Object.keys(value)) {
        if (!["id", "raw", "label"].includes(key)) {
          ctx.note(
            entry.origin.at([key]),
            `prompts[${i}].${key}`,
            "per-prompt settings have no assay equivalent",
          );
        }
      }
      label = typeof value.label === "string" ? value.label : label;
      value = typeof value.raw === "string" ? value.raw : value.id;
    }
    if (typeof value !== "string") {
      ctx.note(
        entry.origin.at(),
        `prompts[${i}]`,
        "not a prompt string, file:// reference or {id|raw, label}",
      );
      return;
    }
    for (const found of expandPrompt(value, entry.origin, baseDir, ctx)) {
      const spec = toSpec(found, label ?? found.label ?? `prompt-${prompts.length + 1}`, ctx);
      if (spec) prompts.push(spec);
    }
  });
  return prompts;
}

interface FoundPrompt {
  text?: string;
  messages?: unknown;
  label?: string;
  where: Where;
}

function expandPrompt(value: string, origin: Origin, baseDir: string, ctx: ImportContext): FoundPrompt[] {
  const where = origin.at();
  if (/^(exec:|langfuse:\/\/|portkey:\/\/|helicone:\/\/)/.test(value)) {
    ctx.note(where, `prompt ${value}`, "prompts from scripts or prompt-management services are not imported");
    return [];
  }
  const ref = parseFileRef(value);
  if (!ref) {
    const chat = chatJson(value);
    return [chat ? { messages: chat, where } : { text: value, where }];
  }
  const files = expandFiles(ref.path, baseDir);
  if (files.length === 0) {
    ctx.note(where, `prompt ${value}`, "no such file");
    return [];
  }
  const found: FoundPrompt[] = [];
  for (const file of files) {
    const name = basename(file, extname(file));
    const ext = extname(file).toLowerCase();
    if ([".js", ".mjs", ".cjs", ".ts", ".py"].includes(ext)) {
      ctx.note(
        where,
        `prompt ${value}`,
        "prompt functions are code: they are never run; write the prompt as a template",
      );
      continue;
    }
    const shown = ctx.read(file);
    if (ext === ".json" || ext === ".yaml" || ext === ".yml") {
      const doc = loadDocument(file, shown);
      found.push(
        typeof doc.value === "string"
          ? { text: doc.value, label: name, where: doc.origin.at() }
          : { messages: doc.value, label: name, where: doc.origin.at() },
      );
    } else if (ext === ".jsonl") {
      loadJsonl(file, shown).forEach((line, i) => {
        found.push({ messages: line.value, label: `${name}:${i + 1}`, where: line.origin.at() });
      });
    } else if (ext === ".csv") {
      for (const { row, origin: rowOrigin } of loadCsv(file, shown)) {
        const text = row.prompt ?? Object.values(row)[0];
        if (text) found.push({ text, label: row.label || undefined, where: rowOrigin.at() });
      }
    } else {
      const text = readText(file, shown);
      // a .txt file holds several prompts separated by lines of `---`
      const parts = ext === ".txt" ? text.split(/^---[ \t]*$/m) : [text];
      parts.forEach((part, k) => {
        const line = text.slice(0, text.indexOf(part)).split("\n").length;
        found.push({
          text: part.trim(),
          label: parts.length > 1 ? `${name}-${k + 1}` : name,
          where: Origin.line(shown, line).at(),
        });
      });
    }
  }
  return found;
}

/** A prompt string that is a JSON list of chat messages (promptfoo sends those as chat). */
function chatJson(text: string): unknown[] | undefined {
  const t = text.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.length > 0 && v.every((m) => isObject(m) && typeof m.role === "string")
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

const ROLES: Record<string, MessageTemplate["role"]> = {
  system: "system",
  developer: "system",
  user: "user",
  assistant: "assistant",
};

function toSpec(found: FoundPrompt, label: string, ctx: ImportContext): PromptSpec | undefined {
  const feature = `prompt "${label}"`;
  const raw: MessageTemplate[] = [];
  if (found.text !== undefined) raw.push({ role: "user", content: found.text });
  else if (Array.isArray(found.messages)) {
    for (const m of found.messages) {
      if (!isObject(m) || typeof m.content !== "string" || !ROLES[String(m.role)]) {
        ctx.note(
          found.where,
          feature,
          "a message is not {role: system|user|assistant, content: text} (multimodal parts and tool messages are not imported)",
        );
        return undefined;
      }
      raw.push({ role: ROLES[String(m.role)], content: m.content });
    }
  } else {
    ctx.note(found.where, feature, "not a text prompt or a list of chat messages");
    return undefined;
  }
  const messages: MessageTemplate[] = [];
  for (const m of raw) {
    const converted = nunjucksToLiquid(m.content);
    const error = liquidError(converted.text);
    if (error) {
      ctx.note(
        found.where,
        feature,
        `the template does not convert to Liquid (${error}); the prompt is left out`,
      );
      return undefined;
    }
    if (converted.problems.length > 0) {
      ctx.note(
        found.where,
        feature,
        `Nunjucks features Liquid lacks: ${converted.problems.join("; ")}; check the converted template`,
      );
    }
    messages.push({ role: m.role, content: converted.text });
  }
  if (messages.length === 0) {
    ctx.note(found.where, feature, "empty prompt");
    return undefined;
  }
  return { label, messages, chat: found.messages !== undefined, where: found.where };
}
