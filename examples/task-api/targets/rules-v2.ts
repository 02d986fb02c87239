/**
 * rules-v2: the second version of the task-api parser, a `module` target.
 *
 * What changed since the regex baseline (rules-v1):
 *   - action recognition by clause: politeness and fillers are skipped, negated clauses ("don't
 *     delete X") and "instead of …" clauses do not count, a later "no wait, …" overrides, typos
 *     within one or two edits of a verb are accepted, many synonyms (scrap, nuke, tick off …);
 *   - entity extraction: quoted titles only where a title belongs, date and priority phrases are
 *     cut out of the title, dates inside a title ("the March 3 offsite", "Friday Harbor") are kept,
 *     weekday / relative / month-day dates resolve against the fixed reference date, negated
 *     priorities ("not urgent") and soft ones ("no rush", "whenever");
 *   - clarify on empty, off-topic, vague ("it", "the task I added"), truncated, bulk ("delete all"),
 *     multi-action, withdrawn, past-dated and contradictory requests;
 *   - NEW input sanitiser: the text is folded to ASCII before parsing (so the keyword regexes see
 *     plain letters and homoglyph tricks fail), and requests that look like prompt injection or
 *     carry JSON / markup are refused with a clarification.
 *
 * The sanitiser is the known weak spot of this version: it also folds the user's own titles
 * ("Café" becomes "Cafe", emoji and CJK disappear) and it refuses legitimate requests whose title
 * merely quotes injection-like text or JSON. See README.md for the figures.
 */

type Priority = "low" | "medium" | "high";
type Status = "open" | "done" | "all";

export type TaskAction =
  | { action: "create"; title: string; priority: Priority; due: string | null }
  | { action: "complete" | "delete"; title: string }
  | { action: "list"; filter: { status: Status; priority: Priority | null; due: string | null } }
  | { action: "clarify"; reason: string };

export interface TargetContext {
  case: { id: string; tags: Record<string, string> };
}

/** Relative dates resolve against this fixed day (a Monday); see README.md. */
const REFERENCE_DATE = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS: Record<string, number> = {
  jan: 0,
  january: 0,
  feb: 1,
  february: 1,
  mar: 2,
  march: 2,
  apr: 3,
  april: 3,
  may: 4,
  jun: 5,
  june: 5,
  jul: 6,
  july: 6,
  aug: 7,
  august: 7,
  sep: 8,
  sept: 8,
  september: 8,
  oct: 9,
  october: 9,
  nov: 10,
  november: 10,
  dec: 11,
  december: 11,
};
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

const clarify = (reason: string): TaskAction => ({ action: "clarify", reason });

// ---------------------------------------------------------------------------------------------
// Sanitiser (new in v2)

/** Folds the request to printable ASCII with single spaces. */
export function sanitize(input: string): string {
  return input
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„‟″]/g, '"')
    .replace(/[–—]/g, "-")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e\s]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

const INJECTION_PATTERNS: RegExp[] = [
  /\b(?:ignore|disregard|forget|override)\b[^.]{0,40}?\b(?:instructions?|rules|prompts?|guidelines)\b/i,
  /\bsystem\s*(?:prompt|message|override|administrator)\b/i,
  /^\s*system\s*:/i,
  /\byou are now\b/i,
  /\badmin(?:istrator)? mode\b/i,
  /<\/?\s*(?:system|user|assistant|script)\b/i,
  /\{\s*"[^"]*"\s*:/,
  /"\s*:\s*"/,
  /\bdrop\s+table\b/i,
];

// ---------------------------------------------------------------------------------------------
// Dates

function isoDate(offsetDays: number): string {
  return new Date(REFERENCE_DATE + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

function daysUntil(year: number, month: number, day: number): number {
  return Math.round((Date.UTC(year, month, day) - REFERENCE_DATE) / DAY_MS);
}

function monthDay(month: number, day: number): string | null {
  if (day < 1 || day > 31) return null;
  const ref = new Date(REFERENCE_DATE);
  let year = ref.getUTCFullYear();
  if (daysUntil(year, month, day) < 0) year += 1;
  const d = new Date(Date.UTC(year, month, day));
  if (d.getUTCMonth() !== month) return null;
  return d.toISOString().slice(0, 10);
}

/** A real calendar date as YYYY-MM-DD, or null ("2026-02-30"). */
function exactDate(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day
    ? d.toISOString().slice(0, 10)
    : null;
}

const WEEKDAY_RE = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
const MONTH_RE =
  "(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)";
const NUM_RE = "(?:\\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)";
const ORD_RE = "(?:st|nd|rd|th)?";

const DATE_EXPR = [
  "\\d{4}-\\d{2}-\\d{2}",
  "(?:the\\s+)?day after tomorrow",
  "today|tonight|this (?:morning|afternoon|evening)",
  "tomorrow(?:\\s+(?:morning|afternoon|evening|night))?",
  "yesterday",
  `(?:(?:next|this|coming)\\s+)?${WEEKDAY_RE}`,
  "next week|in (?:a|one) week",
  `in ${NUM_RE} (?:days?|weeks?)`,
  "(?:the\\s+)?end of (?:the\\s+)?(?:week|month)",
  "(?:this |the )?weekend",
  `${MONTH_RE}\\.?\\s+\\d{1,2}${ORD_RE}`,
  `\\d{1,2}${ORD_RE}\\s+(?:of\\s+)?${MONTH_RE}`,
  `the\\s+\\d{1,2}${ORD_RE}`,
].join("|");

const DATE_MENTION = new RegExp(
  `(?:\\b(?:due|by|on|for|before|until|sometime|no later than)\\s+)*\\b(${DATE_EXPR})\\b`,
  "gi",
);

/** Words that may follow a date without making it part of a title ("Friday Harbor"). */
const AFTER_DATE_OK = new Set(
  "to i and or but please pls with at as so it its it's is remind need have high low medium urgent priority then also no not that i'm".split(
    " ",
  ),
);

interface Mention {
  start: number;
  end: number;
  value: string | "past" | null;
}

const WEEKDAY_PHRASE = new RegExp(`^(?:(next|this|coming) )?(${WEEKDAY_RE})$`);
const MONTH_DAY = new RegExp(`^(${MONTH_RE})\\.? (\\d{1,2})${ORD_RE}$`);
const DAY_MONTH = new RegExp(`^(\\d{1,2})${ORD_RE} (?:of )?(${MONTH_RE})$`);
const DAY_OF_MONTH = new RegExp(`^the (\\d{1,2})${ORD_RE}$`);
const REFERENCE_WEEKDAY = new Date(REFERENCE_DATE).getUTCDay();

/** Each date form with its resolver, tried in order on the lower-cased phrase. */
const DATE_RESOLVERS: Array<[RegExp, (m: RegExpExecArray) => string | "past" | null]> = [
  [/^(\d{4})-(\d{2})-(\d{2})$/, (m) => exactDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]))],
  [/day after tomorrow$/, () => isoDate(2)],
  [/^(?:today|tonight|this (?:morning|afternoon|evening))$/, () => isoDate(0)],
  [/^tomorrow/, () => isoDate(1)],
  [/^yesterday$/, () => "past"],
  [
    WEEKDAY_PHRASE,
    (m) => {
      const target = WEEKDAYS.indexOf(m[2]);
      if (m[1] === "next") {
        // the named day in the following calendar week (weeks start on Monday)
        const toNextMonday = (1 - REFERENCE_WEEKDAY + 7) % 7 || 7;
        return isoDate(toNextMonday + ((target + 6) % 7));
      }
      return isoDate((target - REFERENCE_WEEKDAY + 7) % 7 || 7);
    },
  ],
  [/^(?:next week|in (?:a|one) week)$/, () => isoDate(7)],
  [
    /^in (\S+) (days?|weeks?)$/,
    (m) => {
      const n = /^\d+$/.test(m[1]) ? Number(m[1]) : NUMBER_WORDS[m[1]];
      if (n === undefined) return null;
      return isoDate(m[2].startsWith("week") ? n * 7 : n);
    },
  ],
  [/end of (?:the )?week$/, () => isoDate((5 - REFERENCE_WEEKDAY + 7) % 7)],
  [
    /end of (?:the )?month$/,
    () => {
      const ref = new Date(REFERENCE_DATE);
      return new Date(Date.UTC(ref.getUTCFullYear(), ref.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    },
  ],
  [/weekend$/, () => isoDate((6 - REFERENCE_WEEKDAY + 7) % 7 || 7)],
  [MONTH_DAY, (m) => monthDay(MONTHS[m[1]], Number(m[2]))],
  [DAY_MONTH, (m) => monthDay(MONTHS[m[2]], Number(m[1]))],
  [
    DAY_OF_MONTH,
    (m) => {
      const ref = new Date(REFERENCE_DATE);
      const day = Number(m[1]);
      const month = day >= ref.getUTCDate() ? ref.getUTCMonth() : ref.getUTCMonth() + 1;
      return monthDay(month % 12, day);
    },
  ],
];

function resolveDate(expr: string): string | "past" | null {
  const e = expr.toLowerCase().replace(/\s+/g, " ").trim();
  for (const [re, resolve] of DATE_RESOLVERS) {
    const m = re.exec(e);
    if (m) return resolve(m);
  }
  return null;
}

/** Date phrases that set the due date; dates that are part of a title are skipped. */
function dateMentions(text: string): Mention[] {
  const out: Mention[] = [];
  for (const m of text.matchAll(DATE_MENTION)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const expr = m[1];
    const before = text.slice(0, start);
    const after = text.slice(end);
    const startsWithThe = /^the\s/i.test(expr);
    // "the March 3 offsite": a date preceded by "the" and followed by a noun is part of the title
    const next = /^\s+([A-Za-z][\w'-]*)/.exec(after);
    const nextWord = next ? next[1] : null;
    if (nextWord !== null && !AFTER_DATE_OK.has(nextWord.toLowerCase())) {
      if (!startsWithThe && /\bthe\s+$/i.test(before)) continue;
      // capitalised weekday followed by a capitalised word: a proper noun ("Friday Harbor")
      if (/^[A-Z]/.test(nextWord) && new RegExp(`^${WEEKDAY_RE}$`, "i").test(expr)) continue;
      if (/^[a-z]/.test(nextWord) && /\bthe\s+$/i.test(before)) continue;
    }
    out.push({ start, end, value: resolveDate(expr) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Priority

interface PriorityMention {
  start: number;
  end: number;
  level: Priority | "none";
  negated: boolean;
}

const PRIORITY_PATTERNS: Array<[RegExp, Priority | "none"]> = [
  [
    /\b(?:(?:it'?s|it is|please make it|make it|mark it|set it to|with|at)\s+)?(?:a\s+)?(?:high|top)[- ]?pri(?:ority)?\b/gi,
    "high",
  ],
  [/\b(?:(?:it'?s|it is|please make it|make it|with|at)\s+)?(?:a\s+)?(?:low)[- ]?pri(?:ority)?\b/gi, "low"],
  [
    /\b(?:(?:it'?s|it is|please make it|make it|with|at)\s+)?(?:a\s+)?(?:medium|normal|regular)[- ]?pri(?:ority)?\b/gi,
    "medium",
  ],
  [/\bpriority:?\s+(high|medium|normal|low)\b/gi, "high"],
  [/\b(?:it'?s\s+|it is\s+)?(?:urgent(?:ly)?|asap|critical|important|p1)\b!?/gi, "high"],
  [
    /\b(?:no rush|not a priority|whenever(?: i get a chance)?|when i get a chance|someday|some day)\b/gi,
    "low",
  ],
  [/\b(?:leave the priority at the default|default priority|any priority)\b/gi, "none"],
];

function priorityMentions(text: string): PriorityMention[] {
  const out: PriorityMention[] = [];
  for (const [re, level] of PRIORITY_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const start = m.index ?? 0;
      if (out.some((o) => start < o.end && start + m[0].length > o.start)) continue;
      let lv = level;
      if (/^priority/i.test(m[0]) && m[1]) {
        const word = m[1].toLowerCase();
        lv = word === "normal" ? "medium" : (word as Priority);
      }
      const before = text.slice(Math.max(0, start - 24), start);
      const neg = /\b(?:not|isn't|isnt|no|never)\s+(?:(?:very|that|so|really|too|at all)\s+)?$|n't\s+$/i.exec(
        before,
      );
      const begin = neg ? start - neg[0].length : start;
      out.push({ start: begin, end: start + m[0].length, level: lv, negated: neg !== null });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The priority a request states: a level, null when unstated, "conflict" when contradictory. */
function resolvePriority(mentions: PriorityMention[]): Priority | null | "conflict" {
  const positive = new Set<Priority>();
  const negative = new Set<Priority>();
  for (const m of mentions) {
    if (m.level === "none") continue;
    (m.negated ? negative : positive).add(m.level);
  }
  if (positive.size > 1) return "conflict";
  const [pos] = [...positive];
  if (pos !== undefined) return negative.has(pos) ? "conflict" : pos;
  if (negative.has("high") && negative.has("low")) return "medium";
  if (negative.has("high")) return "low";
  if (negative.has("low")) return "medium";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Action recognition

type Verb = "create" | "complete" | "delete" | "list";

const LEXICON: Record<string, Verb> = {
  add: "create",
  create: "create",
  schedule: "create",
  remind: "create",
  complete: "complete",
  finish: "complete",
  mark: "complete",
  delete: "delete",
  remove: "delete",
  cancel: "delete",
  show: "list",
  list: "list",
  display: "list",
};

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Corrects a misspelt leading verb ("remvoe" → "remove", "shwo" → "show"). */
function fixLeadingTypo(clause: string): string {
  const m = /^([a-z]+)\b/i.exec(clause);
  if (!m) return clause;
  const word = m[1].toLowerCase();
  if (word.length < 3 || word.length > 12 || LEXICON[word] || /^(?:i|me|my|the|a|an)$/.test(word))
    return clause;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const verb of Object.keys(LEXICON)) {
    const dist = editDistance(word, verb);
    const allowed = verb.length >= 6 ? 2 : 1;
    if (dist <= allowed && dist < bestDistance) {
      best = verb;
      bestDistance = dist;
    }
  }
  return best === null ? clause : best + clause.slice(m[1].length);
}

const FILLER =
  /^(?:(?:hey|hi|hello|ok|okay|so|and|but|then|also|just|pls|plz|please|kindly|now|oh|go ahead and|could you(?: please)?|can you(?: please)?|would you(?: please)?|will you|i want you to|i'd like you to|i need you to)\b[\s,!]*)+/i;

const ARTICLES = "(?:(?:a|an|the|my|our|this|that|one|new|another)\\s+)";
const PRIORITY_ADJ = "(?:(?:urgent|important|critical|(?:high|low|medium|normal)[- ]?pri(?:ority)?)\\s+)";
const WRAPPER = `(?:${ARTICLES}|${PRIORITY_ADJ})*(?:(?:task|reminder|item|to-?do|entry)\\b\\s*)?(?:(?:called|named|titled)\\b\\s*)?:?\\s*`;

interface VerbMatch {
  verb: Verb;
  /** the object (title) as matched in the clause; "" for list requests */
  object: string;
}

const CREATE_START = new RegExp(
  `^(?:(?:add|create|schedule|set up|setup|put|make|log)\\b\\s*${WRAPPER}(?:(?:to|for|about)\\s+)?|new (?:task|reminder|item)\\b\\s*:?\\s*|(?:jot|note)(?: down)?(?: that)?\\b\\s*:?\\s*(?:i (?:need|have) to\\s+)?|remind me\\b\\s*(?:(?:to|about)\\b\\s*)?|(?:i\\s+)?(?:need|have|must|got) to\\s+)`,
  "i",
);
const COMPLETE_PATTERNS: RegExp[] = [
  /^mark\s+(.+?)\s+(?:as\s+)?(?:done|complete|completed|finished|paid|closed)\b/i,
  /^(?:check|tick|cross)\s+off\s+(.+)/i,
  /^(?:check|tick|cross)\s+(.+?)\s+off\b/i,
  /^(?:complete|finish|close(?:\s+out)?|wrap\s+up)\s+(.+)/i,
  /^(?:i(?:'ve|\s+have)?\s+)?(?:just\s+)?(?:finished|completed|wrapped\s+up|closed\s+out|done\s+with)\s+(.+)/i,
  /^done\s+with\s+(.+)/i,
  /^(.+?)\s+(?:is|are)\s+(?:done|finished|complete|completed)\b/i,
];
const DELETE_PATTERNS: RegExp[] = [
  /^(?:delete|remove|cancel|drop|erase|scrap|nuke|trash|clear|wipe|get\s+rid\s+of|forget(?:\s+about)?)\b\s*(.*)/i,
  /^take\s+(.+?)\s+off\b/i,
];
const LIST_START = /^(?:show|list|display|view|see|give me)\b/i;
const LIST_QUESTION = /^(?:what|which|whats)\b/i;
const TASK_CONTEXT =
  /\b(?:tasks?|list|plate|to-?dos?|due|open|done|finished|completed?|have to do|need to do|left)\b/i;

function matchVerb(clause: string): VerbMatch | null {
  if (LIST_START.test(clause) || (LIST_QUESTION.test(clause) && TASK_CONTEXT.test(clause))) {
    return { verb: "list", object: "" };
  }
  for (const re of COMPLETE_PATTERNS) {
    const m = re.exec(clause);
    if (m) return { verb: "complete", object: m[1] };
  }
  for (const re of DELETE_PATTERNS) {
    const m = re.exec(clause);
    if (m) return { verb: "delete", object: m[1] };
  }
  const c = CREATE_START.exec(clause);
  if (c) return { verb: "create", object: clause.slice(c[0].length) };
  return null;
}

interface Clause {
  /** the clause with fillers removed and a misspelt leading verb corrected */
  text: string;
  /** offset just past the clause body in the sanitised request */
  end: number;
}

/** Quoted spans keep their punctuation out of the clause split ("'Call Dr. Alvarez'"). */
const QUOTED_SPAN = /"[^"]*"|(?<![A-Za-z0-9])'[^']*'(?![A-Za-z0-9])/g;

function splitClauses(text: string): Clause[] {
  const masked = text.replace(QUOTED_SPAN, (q) => q.replace(/[,;.!?]/g, "_"));
  const out: Clause[] = [];
  const re = /[^,;.!?]+(?:[.!?](?=\S)[^,;.!?]*)*[,;.!?]*/g;
  for (const m of masked.matchAll(re)) {
    const start = m.index ?? 0;
    const raw = text.slice(start, start + m[0].length);
    const trimmed = raw.trimEnd().replace(/[,;.!?]+$/, "");
    const body = trimmed.trim();
    if (!body) continue;
    out.push({
      text: fixLeadingTypo(stripLeadingQualifiers(body.replace(FILLER, ""))),
      end: start + trimmed.length,
    });
  }
  return out;
}

/** "Next Friday I need to …", "Urgent: add …", "in 3 days remind me …": the verb comes after. */
function stripLeadingQualifiers(clause: string): string {
  let c = clause;
  let previous = "";
  while (c !== previous) {
    previous = c;
    const date = new RegExp(
      `^(?:(?:due|by|on|for|before|until|sometime)\\s+)*(?:${DATE_EXPR})\\b[\\s,:!]*`,
      "i",
    ).exec(c);
    if (date && date[0].length < c.length) c = c.slice(date[0].length);
    const pr = /^(?:urgent|important|critical|asap|(?:high|low|medium)[- ]?priority)\b[\s,:!]*/i.exec(c);
    if (pr && pr[0].length < c.length) c = c.slice(pr[0].length);
    c = c.replace(FILLER, "");
  }
  return c;
}

interface Found {
  clause: Clause;
  match: VerbMatch;
  /** where the object starts in the sanitised request (for suffix objects) */
  objectOffset: number;
}

/** The clause that carries the request's action; negated and superseded clauses are skipped. */
function findAction(clauses: Clause[]): Found | null {
  let chosen: Found | null = null;
  let correcting = false;
  for (const clause of clauses) {
    const correction = /^(?:no wait|wait|actually|sorry|correction)\b[\s,]*/i.exec(clause.text);
    if (correction) correcting = true;
    const body = correction ? clause.text.slice(correction[0].length) : clause.text;
    if (!body) continue;
    if (/^(?:don'?t|do not|not|instead of|rather than|never)\b/i.test(body)) continue;
    const match = matchVerb(body);
    if (match === null) continue;
    const objectOffset =
      match.object === "" ? clause.end : clause.end - (body.length - body.lastIndexOf(match.object));
    const found: Found = { clause: { text: body, end: clause.end }, match, objectOffset };
    if (chosen === null || correcting) chosen = found;
    if (correcting) break;
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Titles

const VAGUE_TITLE =
  /^(?:it|that|this|them|one|something|anything|the thing|thing|stuff|whichever\b.*|whatever\b.*|i\b.*|the one\b.*|task|tasks)$/i;

function cleanTitle(raw: string): string {
  let t = raw.replace(/\s+/g, " ").trim();
  let previous = "";
  while (t !== previous) {
    previous = t;
    t = t
      .replace(new RegExp(`^${WRAPPER}`, "i"), "")
      .replace(/^(?:to|for|about|with)\s+(?=\S+\s+\S)/i, "")
      .replace(
        /\s*\b(?:to|on|off|from|in)\s+(?:my|the)\s+(?:to-?do\s+|shopping\s+)?(?:list|tasks|task list)\b/gi,
        "",
      )
      .replace(/\s+as\s+(?:a\s+)?(?:new\s+)?(?:task|reminder|item)(?:\s+name)?$/i, "")
      .replace(/\s+(?:as\s+)?(?:done|complete|completed|finished)$/i, "")
      .replace(/\s+(?:task|reminder|item|to-?do)$/i, "")
      .replace(/\s+(?:anymore|any more|after all|for now|right now|please|thanks|thank you)$/i, "")
      .replace(/^(?:the|a|an|my)\s+/i, "")
      .replace(/[\s,;:!?.-]+$/, "")
      .replace(/^[\s,;:-]+/, "")
      .trim();
  }
  return t;
}

/** Segments after the first that only modify the request ("…, it's important", "…, no rush"). */
const MODIFIER_SEGMENT =
  /^(?:but|it'?s|it|its|this|that'?s|please|pls|thanks|thank|no|not|priority|due|by|either|i|i'm|leave|don'?t|dont|any|as|so|at all|which)\b/i;

function cutModifiers(text: string): string {
  const parts = text.split(/\s*(?:,|;|\s-\s)\s*/);
  const kept = [parts[0]];
  for (const part of parts.slice(1)) {
    if (part.trim() === "" || MODIFIER_SEGMENT.test(part.trim())) break;
    kept.push(part);
  }
  return kept.join(", ");
}

/** A title quoted right where the title belongs: `add 'x'`, `the task "x"`, `mark ‘x’ done`. */
function leadingQuote(object: string): { title: string; rest: string } | null {
  const wrapped = new RegExp(`^${WRAPPER}`, "i").exec(object);
  const from = wrapped ? wrapped[0].length : 0;
  const s = object.slice(from);
  const q = s[0];
  if (q !== '"' && q !== "'") return null;
  // the closing quote is the last matching quote not followed by a letter
  let close = -1;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === q && !/[A-Za-z0-9]/.test(s[i + 1] ?? "")) {
      close = i;
      if (
        q === "'" ||
        /^\s*(?:$|[,;.!?(]|\b(?:as|to|on|for|due|by|with|task|and|is)\b)/i.test(s.slice(i + 1))
      )
        break;
    }
  }
  if (close < 0) return null;
  return {
    title: s.slice(1, close).replace(/\s+/g, " ").trim(),
    rest: object.slice(0, from) + s.slice(close + 1),
  };
}

function removeSpans(text: string, spans: Array<{ start: number; end: number }>): string {
  let out = text;
  for (const s of [...spans].sort((a, b) => b.start - a.start))
    out = `${out.slice(0, s.start)} ${out.slice(s.end)}`;
  return out.replace(/\s+/g, " ").replace(/\s+([,;:!?.])/g, "$1");
}

/** What "it" refers to: a noun phrase ("the hotel booking") or subject ("X is signed") elsewhere. */
function findAntecedent(clauses: Clause[], skip: Clause): string | null {
  for (const c of clauses) {
    if (c.end === skip.end) continue;
    const subject = /^(?:the\s+)?(.+?)\s+(?:is|are|was|were)\s+\w+/i.exec(c.text);
    const np = /\bthe\s+(.+)$/i.exec(c.text);
    const raw = np ? np[1] : subject ? subject[1] : null;
    if (raw) {
      const t = cleanTitle(raw.replace(/\b(?:after all|anymore|any more)\b.*$/i, ""));
      if (t && !VAGUE_TITLE.test(t)) return t;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The parser

export function parse(input: string): TaskAction {
  const text = sanitize(typeof input === "string" ? input : "");
  if (!/[A-Za-z0-9]/.test(text)) return clarify("The request is empty or has no readable text.");
  if (INJECTION_PATTERNS.some((re) => re.test(text))) {
    return clarify("The request looks like an attempt to override instructions; not acted on.");
  }
  if (/\b(?:never\s?mind|nevermind|forget it|scratch that)\b/i.test(text))
    return clarify("The request was withdrawn.");
  if (/\btwo tasks\b|\bboth tasks\b/i.test(text))
    return clarify("Several tasks were requested; one action per request.");
  if (/^(?:should|shall|would|do you think|is it)\b/i.test(text)) {
    return clarify("That is a question, not a request; should I act on it?");
  }

  const clauses = splitClauses(text);
  const found = findAction(clauses);
  if (found === null) return clarify("This does not look like a task request.");
  const { clause, match } = found;
  const otherVerbs =
    /\b(?:and|also|then|&)\s+(?:also\s+|then\s+)?(?:add|create|delete|remove|mark|complete|show|list|cancel)\b/i;

  if (match.verb === "list") {
    if (otherVerbs.test(text)) return clarify("Two actions were requested; one action per request.");
    const dates = dateMentions(text).filter((d) => d.value !== null && d.value !== "past");
    const distinct = new Set(dates.map((d) => d.value));
    if (distinct.size > 1) return clarify("Two different dates were given.");
    const pr = resolvePriority(priorityMentions(text));
    if (pr === "conflict") return clarify("The priority is contradictory.");
    const status: Status = /\b(?:done or not|included|including|regardless|either way)\b/i.test(text)
      ? "all"
      : /\b(?:done|completed?|finished|closed)\b/i.test(text)
        ? "done"
        : /\b(?:open|still|pending|left|remaining|need to do|have to do)\b/i.test(text)
          ? "open"
          : /\b(?:all|everything)\b/i.test(text)
            ? "all"
            : "open";
    const due = dates.length > 0 ? (dates[0].value as string) : null;
    return { action: "list", filter: { status, priority: pr, due } };
  }

  // a new task's title may run across commas, so its object extends to the end of the request
  const object = match.verb === "create" ? text.slice(found.objectOffset) : match.object;
  const quoted = leadingQuote(object);
  // outside a quoted title, what is left of the request
  const outside = quoted ? text.replace(object, quoted.rest) : text;
  if (otherVerbs.test(outside)) return clarify("Two actions were requested; one action per request.");

  if (match.verb === "complete" || match.verb === "delete") {
    let title = quoted ? quoted.title : cleanTitle(object);
    if (!quoted && /^(?:it|that|this|them)$/i.test(title)) title = findAntecedent(clauses, clause) ?? title;
    if (!quoted && /^(?:all|every|everything|every single)\b/i.test(title)) {
      return clarify(
        `Bulk ${match.verb === "delete" ? "deletion" : "completion"} is not supported; name one task.`,
      );
    }
    if (!title || VAGUE_TITLE.test(title)) return clarify(`Which task should be ${match.verb}d?`);
    if (!quoted && title.split(" ").every((w) => LEXICON[w.toLowerCase()] !== undefined)) {
      return clarify("No task title was given.");
    }
    return { action: match.verb, title };
  }

  // create: dates and priorities come from the text outside a quoted title
  const dates = dateMentions(outside);
  if (dates.some((d) => d.value === "past")) return clarify("The due date is in the past.");
  const distinct = new Set(dates.filter((d) => d.value !== null).map((d) => d.value));
  if (distinct.size > 1) return clarify("Two different due dates were given.");
  const prMentions = priorityMentions(outside);
  const pr = resolvePriority(prMentions);
  if (pr === "conflict") return clarify("The priority is contradictory.");
  const due = dates.find((d) => d.value !== null)?.value ?? null;

  let title: string;
  if (quoted) {
    title = quoted.title;
  } else {
    // cut the date and priority phrases out, then find the object again
    const stripped = removeSpans(text, [...dates, ...prMentions]);
    const again = findAction(splitClauses(stripped));
    if (again === null || again.match.verb !== "create") return clarify("The task has no title.");
    title = cleanTitle(cutModifiers(stripped.slice(again.objectOffset)));
  }
  if (!title || VAGUE_TITLE.test(title)) return clarify("The task has no title.");
  if (!quoted && /\b(?:the|a|an|to|for|of|with|and)$/i.test(title))
    return clarify("The request seems cut off.");
  return { action: "create", title, priority: pr ?? "medium", due };
}

/** The module target: `(input, ctx) => action`. The context is not needed by these rules. */
export default async function rulesV2(input: string, _ctx?: TargetContext): Promise<TaskAction> {
  return parse(input);
}
