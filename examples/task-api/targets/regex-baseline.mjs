#!/usr/bin/env node
/**
 * rules-v1: the regex baseline of the task-api example.
 *
 * An `exec` target: reads ONE case as JSON from stdin (`{"id", "input", ...}`), writes the action
 * JSON to stdout and exits 0. Deliberately simple keyword rules:
 *   - the first action verb in the text wins (no negation, no synonyms beyond a short list);
 *   - a quoted span is the title, otherwise whatever follows the verb, minus a few filler words;
 *   - priority by keyword (high/urgent/asap, low), a handful of date words;
 *   - it only asks for clarification when the request is empty or leaves nothing to act on;
 *     anything else without a verb becomes a new task.
 *
 * `parse(text)` is exported so tests can call it in-process.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Relative dates resolve against this fixed day (a Monday); see README.md. */
const REFERENCE_DATE = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

const VERBS = [
  ["create", /\b(add|create|new|schedule|remind)\b/i],
  ["complete", /\b(complete|done|finish|finished|mark)\b/i],
  ["delete", /\b(delete|remove|cancel)\b/i],
  ["list", /\b(show|list|what)\b/i],
];

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

function isoDate(offsetDays) {
  return new Date(REFERENCE_DATE + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

/** today, tomorrow, a weekday name (its next occurrence), or an ISO date; else null. */
function findDate(text) {
  const iso = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
  if (iso) {
    // only a real calendar day ("2026-02-30" is not one)
    const d = new Date(Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3])));
    const valid = d.getUTCFullYear() === Number(iso[1]) && d.getUTCMonth() === Number(iso[2]) - 1;
    return valid && d.getUTCDate() === Number(iso[3]) ? iso[0] : null;
  }
  if (/\btoday\b/i.test(text)) return isoDate(0);
  if (/\btomorrow\b/i.test(text)) return isoDate(1);
  const day = new RegExp(`\\b(${WEEKDAYS.join("|")})\\b`, "i").exec(text);
  if (day) {
    const target = WEEKDAYS.indexOf(day[1].toLowerCase());
    const today = new Date(REFERENCE_DATE).getUTCDay();
    return isoDate((target - today + 7) % 7 || 7);
  }
  return null;
}

function findPriority(text) {
  if (/\b(high|urgent|asap)\b/i.test(text)) return "high";
  if (/\blow\b/i.test(text)) return "low";
  if (/\b(medium|normal)\b/i.test(text)) return "medium";
  return null;
}

/** The first quoted span, single, double or curly quotes. */
function findQuoted(text) {
  const candidates = [/["“]([^"”]+)["”]/.exec(text), /['‘]([^'’]+)['’]/.exec(text)].filter(Boolean);
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.index - b.index);
  return candidates[0][1].trim();
}

function cleanTitle(rest) {
  let title = rest;
  // cut at the first date phrase or comma
  title = title.split(
    /\s+(?:for|by|due|on)\s+(?:today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{4}-)/i,
  )[0];
  title = title.split(/\s+(?:today|tomorrow)\b/i)[0];
  title = title.split(/,\s/)[0];
  title = title.replace(/\b(?:high|low|medium)[- ]priority\b/gi, " ");
  title = title.replace(
    /^\s*(?:me\s+)?(?:with\s+)?(?:a|an|the|my)?\s*(?:task|reminder)?\s*(?:to|called|named|:)?\s+/i,
    "",
  );
  title = title.replace(/^(?:a|an|the)\s+/i, "");
  title = title.replace(/\s+(?:as\s+)?(?:done|complete|completed|finished)\s*$/i, "");
  title = title.replace(/\s+(?:task|reminder)\s*$/i, "");
  title = title.replace(/[\s.!?:]+$/, "");
  return title.replace(/\s+/g, " ").trim();
}

/** Turns one request into one action object. */
export function parse(text) {
  const input = String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
  if (input === "") return { action: "clarify", reason: "The request is empty." };

  let verb = null;
  for (const [action, re] of VERBS) {
    const m = re.exec(input);
    if (m && (verb === null || m.index < verb.index))
      verb = { action, index: m.index, end: m.index + m[0].length };
  }

  const priority = findPriority(input);
  const due = findDate(input);

  if (verb === null) {
    // no verb: assume the user dictated a new task
    return { action: "create", title: cleanTitle(input) || input, priority: priority ?? "medium", due };
  }

  if (verb.action === "list") {
    const status = /\b(done|completed|finished)\b/i.test(input)
      ? "done"
      : /\ball\b/i.test(input)
        ? "all"
        : "open";
    return { action: "list", filter: { status, priority, due } };
  }

  const title = findQuoted(input) ?? cleanTitle(input.slice(verb.end));
  if (!title) return { action: "clarify", reason: `Nothing to ${verb.action}: no task title.` };

  if (verb.action === "create") return { action: "create", title, priority: priority ?? "medium", due };
  return { action: verb.action, title };
}

function readStdin() {
  return readFileSync(0, "utf8");
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const raw = readStdin();
  const item = raw.trim() === "" ? {} : JSON.parse(raw);
  const input = typeof item === "string" ? item : typeof item.input === "string" ? item.input : "";
  process.stdout.write(`${JSON.stringify(parse(input))}\n`);
}
