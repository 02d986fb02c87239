import type { StoredScore } from "../store/types.ts";
import type { FailurePattern } from "./types.ts";

const PATTERN_LIMIT = 15;
const CASE_IDS_PER_PATTERN = 5;

interface FieldResult {
  field?: string;
  expected: unknown;
  actual: unknown;
}

/**
 * Recurring "expected X, got Y" confusions (e.g. `action: complete → create`) from the details of
 * field evaluators: json-field reports one field, json-fields a list of fields.
 */
export function patternsFrom(scores: StoredScore[]): FailurePattern[] {
  const counter = new PatternCounter();
  for (const s of scores) counter.add(s);
  return counter.result();
}

/** patternsFrom one score at a time: memory grows with distinct confusions, not with scores. */
export class PatternCounter {
  private readonly counts = new Map<string, FailurePattern>();

  add(s: StoredScore): void {
    if (s.passed !== false || !s.details) return;
    for (const f of mismatches(s.details)) {
      if (!isCategorical(f.expected) || !isCategorical(f.actual)) continue;
      const expected = label(f.expected);
      const actual = label(f.actual);
      const key = `${s.dimension}\u0000${f.field ?? ""}\u0000${expected}\u0000${actual}`;
      let p = this.counts.get(key);
      if (!p) {
        p = { dimension: s.dimension, expected, actual, count: 0, caseIds: [] };
        if (f.field) p.field = f.field;
        this.counts.set(key, p);
      }
      p.count++;
      if (p.caseIds.length < CASE_IDS_PER_PATTERN) p.caseIds.push(s.caseId);
    }
  }

  result(): FailurePattern[] {
    return [...this.counts.values()]
      .filter((p) => p.count >= 2)
      .sort((a, b) => b.count - a.count)
      .slice(0, PATTERN_LIMIT);
  }
}

function mismatches(details: Record<string, unknown>): FieldResult[] {
  const out: FieldResult[] = [];
  const fields = details.fields;
  if (Array.isArray(fields)) {
    for (const f of fields) {
      if (f && typeof f === "object" && (f as { match?: unknown }).match === false) {
        const r = f as { name?: string; field?: string; expected: unknown; actual: unknown };
        out.push({ field: r.name ?? r.field, expected: r.expected, actual: r.actual });
      }
    }
  } else if (fields && typeof fields === "object") {
    for (const [name, f] of Object.entries(fields as Record<string, unknown>)) {
      if (f && typeof f === "object" && (f as { match?: unknown }).match === false) {
        const r = f as { expected: unknown; actual: unknown };
        out.push({ field: name, expected: r.expected, actual: r.actual });
      }
    }
  } else if ("expected" in details && "actual" in details) {
    out.push({
      field: typeof details.field === "string" ? details.field : undefined,
      expected: details.expected,
      actual: details.actual,
    });
  }
  return out;
}

/** Short scalar values are categories worth counting; long text is not a pattern. */
function isCategorical(v: unknown): boolean {
  if (v === null || v === undefined || typeof v === "boolean" || typeof v === "number") return true;
  return typeof v === "string" && v.length <= 40;
}

function label(v: unknown): string {
  if (v === undefined) return "(missing)";
  if (v === null) return "null";
  return typeof v === "string" ? v : JSON.stringify(v);
}
