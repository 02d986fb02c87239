import type { Scale } from "../calibrate/scale.ts";
import type { LabelRecord } from "../store/types.ts";

export type LabelKind = LabelRecord["kind"];
export const LABEL_KINDS: readonly LabelKind[] = ["binary", "ordinal", "nominal", "pairwise"];

export type ParsedValue = { ok: true; value: string | number } | { ok: false; message: string };

const BINARY_TRUE = new Set(["1", "true", "pass", "passed", "yes", "y"]);
const BINARY_FALSE = new Set(["0", "false", "fail", "failed", "no", "n"]);
const PAIRWISE = new Set(["a", "b", "tie"]);

/** Whether a raw cell is empty (no rating given). */
export function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "");
}

/**
 * Reads one rating of the given kind:
 * - binary: 1/0, true/false, pass/fail (also yes/no) → 1 or 0;
 * - ordinal: a number (on the scale when one is declared);
 * - nominal: a category (one of the scale's when declared);
 * - pairwise: a, b or tie (a = the labelled run's output, b = the other run's).
 */
export function parseLabelValue(kind: LabelKind, raw: unknown, scale?: Scale | null): ParsedValue {
  if (isBlank(raw)) return { ok: false, message: "required" };
  const text =
    typeof raw === "string"
      ? raw.trim()
      : typeof raw === "number" || typeof raw === "boolean"
        ? String(raw)
        : null;
  if (text === null) return { ok: false, message: `must be a single value, got ${JSON.stringify(raw)}` };
  switch (kind) {
    case "binary": {
      const t = text.toLowerCase();
      if (BINARY_TRUE.has(t)) return { ok: true, value: 1 };
      if (BINARY_FALSE.has(t)) return { ok: true, value: 0 };
      return {
        ok: false,
        message: `"${text}" is not a binary label (use 1/0, true/false or pass/fail; --kind ordinal for a graded scale)`,
      };
    }
    case "ordinal": {
      const values = scale?.values ?? null;
      if (values?.some((v) => typeof v === "string")) {
        if (values.includes(text)) return { ok: true, value: text };
        return { ok: false, message: `"${text}" is not on the scale ${values.join(", ")}` };
      }
      const n = Number(text);
      if (!Number.isFinite(n))
        return { ok: false, message: `"${text}" is not a number (ordinal labels are numbers)` };
      if (values && !values.includes(n)) {
        return { ok: false, message: `${n} is not on the scale ${scale?.name ?? values.join(", ")}` };
      }
      return { ok: true, value: n };
    }
    case "nominal": {
      const values = scale?.values ?? null;
      if (values) {
        const match = values.find((v) => String(v) === text);
        if (match === undefined)
          return { ok: false, message: `"${text}" is not one of ${values.join(", ")}` };
        return { ok: true, value: match };
      }
      return { ok: true, value: text };
    }
    case "pairwise": {
      const t = text.toLowerCase();
      if (PAIRWISE.has(t)) return { ok: true, value: t };
      return { ok: false, message: `"${text}" is not a preference (use a, b or tie)` };
    }
    default:
      return { ok: false, message: `unknown label kind ${String(kind)}` };
  }
}

export function isLabelKind(value: string): value is LabelKind {
  return (LABEL_KINDS as readonly string[]).includes(value);
}
