import { InputError } from "../config/errors.ts";
import type { Case, CaseSource } from "../core/case.ts";

const KNOWN_KEYS = new Set(["id", "input", "expected", "tags", "cluster", "metadata", "description"]);

/** Turns one raw record into a Case, or throws an InputError naming file, line and field. */
export function normalizeCase(raw: unknown, source: CaseSource): Case {
  const fail = (field: string | undefined, message: string) =>
    new InputError(message, { file: source.file, line: source.line, field });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw fail(undefined, `a case must be an object, got ${Array.isArray(raw) ? "array" : typeof raw}`);
  }
  const rec = raw as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (!KNOWN_KEYS.has(key)) throw fail(key, `unknown field (a case has ${[...KNOWN_KEYS].join(", ")})`);
  }
  const id = rec.id;
  if (typeof id !== "string" && typeof id !== "number") throw fail("id", "required: a string or number");
  const idText = String(id).trim();
  if (idText === "") throw fail("id", "must not be empty");
  if (!("input" in rec) || rec.input === undefined) throw fail("input", "required");
  const input = rec.input;
  if (input === null || (typeof input !== "string" && typeof input !== "object")) {
    throw fail("input", "must be a string, {messages: [...]}, or an object of variables");
  }
  if (typeof input === "object" && !Array.isArray(input) && "messages" in input) {
    const messages = (input as { messages: unknown }).messages;
    if (!Array.isArray(messages)) throw fail("input.messages", "must be a list of {role, content}");
    messages.forEach((m, i) => {
      if (!m || typeof m !== "object" || typeof (m as { role?: unknown }).role !== "string") {
        throw fail(`input.messages[${i}].role`, "required");
      }
    });
  } else if (Array.isArray(input)) {
    throw fail("input", "must be a string, {messages: [...]}, or an object of variables, not a list");
  }
  const tags: Record<string, string> = {};
  if (rec.tags !== undefined && rec.tags !== null) {
    if (typeof rec.tags !== "object" || Array.isArray(rec.tags))
      throw fail("tags", "must be an object of key: value");
    for (const [k, v] of Object.entries(rec.tags as Record<string, unknown>)) {
      if (v === null || v === undefined) continue;
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
        throw fail(`tags.${k}`, "a tag value must be a string, number or boolean");
      }
      tags[k] = String(v);
    }
  }
  const out: Case = { id: idText, input: input as Case["input"], tags };
  if (rec.expected !== undefined) out.expected = rec.expected;
  if (rec.cluster !== undefined && rec.cluster !== null) {
    if (typeof rec.cluster !== "string" && typeof rec.cluster !== "number")
      throw fail("cluster", "must be a string");
    out.cluster = String(rec.cluster);
  }
  return out;
}
