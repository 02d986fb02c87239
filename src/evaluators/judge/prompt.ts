import { createHash } from "node:crypto";
import type { CaseInput, ChatMessage } from "../../core/case.ts";
import type { Trace } from "../../core/output.ts";

/**
 * Prompt hardening shared by the judges.
 *
 * Untrusted material (the output under judgment, and also the case input, the reference and the
 * context passage) reaches the judge only inside data blocks:
 *
 *     <assay:output id="3f9a0c1b2d4e5f60">
 *     …content…
 *     </assay:output id="3f9a0c1b2d4e5f60">
 *
 * - the id is derived from a hash of the block's name and content: deterministic (so the response
 *   cache still works) yet impossible for the content to predict, since it would have to contain
 *   the hash of itself;
 * - any `<assay:` / `</assay:` tag inside the content is neutralised (`<` → `&lt;`), so content
 *   cannot open or close a block, whatever id it guesses;
 * - the fixed template says, before and after the blocks, that everything inside them is data to
 *   evaluate, never instructions;
 * - the judge's reply is parsed only outside data blocks (`stripDataBlocks`): a judge that quotes
 *   the output back cannot have a score that was written in the output read from the quote.
 */

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A short, stable hash of a JSON-able value (key order as given). */
export function shortHash(value: unknown, length = 12): string {
  return sha256(typeof value === "string" ? value : JSON.stringify(value)).slice(0, length);
}

const TAG_IN_CONTENT = /<(?=[ \t]*\/?[ \t]*assay[ \t]*:)/gi;

/** Makes `<assay:…>` and `</assay:…>` tags inside content inert. */
export function neutraliseTags(content: string): string {
  return content.replace(TAG_IN_CONTENT, "&lt;");
}

/** The id of a data block: a hash of its name and (neutralised) content. */
export function blockId(name: string, content: string): string {
  return sha256(`assay-data-block\u0000${name}\u0000${content}`).slice(0, 16);
}

/** Wraps untrusted content as a delimited data block named `name` (letters, digits, `_`). */
export function dataBlock(name: string, content: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad data block name ${JSON.stringify(name)}`);
  const safe = neutraliseTags(content);
  const id = blockId(name, safe);
  return `<assay:${name} id="${id}">\n${safe}\n</assay:${name} id="${id}">`;
}

const CLOSED_BLOCK = /<assay:([a-z][a-z0-9_]*) id="([0-9a-f]{16})">[\s\S]*?<\/assay:\1 id="\2">/g;
const OPEN_TAG = /<assay:[a-z][a-z0-9_]* id="[0-9a-f]{16}">[\s\S]*$/;

/**
 * The judge's own words: every data block quoted in the reply is removed, and so is everything
 * after an opening tag that is never closed (a quote cut short).
 */
export function stripDataBlocks(reply: string): string {
  return reply.replace(CLOSED_BLOCK, " ").replace(OPEN_TAG, " ");
}

/** Fills `{{name}}` placeholders in one pass (inserted text is never re-scanned). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([a-zA-Z]+)\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? values[key] : whole,
  );
}

/** Any value as text for a prompt: strings as they are, everything else as indented JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A chat transcript as text: one `[role]` paragraph per message, tool calls and results included. */
export function renderTranscript(messages: readonly ChatMessage[]): string {
  return messages.map(renderMessage).join("\n\n");
}

function renderMessage(m: ChatMessage): string {
  const parts: string[] = [];
  const who =
    m.role === "tool"
      ? `tool result${m.name ? ` ${m.name}` : ""}${m.toolCallId ? ` (${m.toolCallId})` : ""}`
      : m.role;
  if (m.content !== "" || !m.toolCalls?.length) parts.push(`[${who}]\n${m.content}`);
  for (const call of m.toolCalls ?? []) {
    parts.push(
      `[${m.role} → tool call ${call.name}${call.id ? ` (${call.id})` : ""}]\n${asText(call.arguments)}`,
    );
  }
  return parts.join("\n\n");
}

/** A trace as chat messages: `trace.messages`, else rebuilt from `trace.steps`. */
export function traceMessages(trace: Trace | undefined): ChatMessage[] | undefined {
  if (!trace) return undefined;
  if (trace.messages && trace.messages.length > 0) return trace.messages;
  if (!trace.steps || trace.steps.length === 0) return undefined;
  const out: ChatMessage[] = [];
  for (const step of trace.steps) {
    if (step.type === "message" && step.message) out.push(step.message);
    else if (step.type === "tool-call" && step.toolCall)
      out.push({ role: "assistant", content: "", toolCalls: [step.toolCall] });
    else if (step.type === "tool-result") {
      const content = `${step.isError ? "(error) " : ""}${asText(step.result)}`;
      const m: ChatMessage = { role: "tool", content };
      if (step.toolCall?.name) m.name = step.toolCall.name;
      if (step.toolCall?.id) m.toolCallId = step.toolCall.id;
      out.push(m);
    }
  }
  return out.length > 0 ? out : undefined;
}

/** A case input as text: a string as is, chat messages as a transcript, variables as JSON. */
export function renderInput(input: CaseInput): string {
  if (typeof input === "string") return input;
  if (isMessages(input)) return renderTranscript(input.messages);
  return asText(input);
}

function isMessages(input: CaseInput): input is { messages: ChatMessage[] } {
  const m = (input as { messages?: unknown }).messages;
  return (
    Array.isArray(m) &&
    m.every((x) => x !== null && typeof x === "object" && typeof (x as { role?: unknown }).role === "string")
  );
}
