import { existsSync } from "node:fs";
import { InputError } from "../config/errors.ts";
import { type RawRecord, readRecords } from "../dataset/readers.ts";
import { isBlank, type LabelKind, parseLabelValue } from "../labels/values.ts";
import type { Category } from "../stats/index.ts";
import type { PairwiseItem, Preference } from "./pairwise.ts";
import type { HumanLabel, RatingPair } from "./report.ts";
import type { Scale } from "./scale.ts";

/**
 * Reading ratings from any two files for `assay calibrate --predictions FILE --labels FILE`:
 * CSV (header row), JSONL or a JSON list, one rating per record:
 *
 * - predictions: `id`, `value` (blank = unscored), optional `score` (the graded score behind a
 *   pass/fail verdict), `swapped` (pairwise: true when output b was shown first; also
 *   `order: original|swapped`), `epoch`, `tags` (`tags.<key>` columns in CSV);
 * - labels: `id`, `value`, optional `labeller` (several people may label one item), `epoch`, `tags`.
 *
 * Every error names file, line and field. Other columns (comments, reasons, an export's
 * bookkeeping) are ignored.
 */

export interface FileRating {
  /** id, or `id#epoch` for epochs other than 0 */
  key: string;
  id: string;
  value: Category | null;
  score?: number;
  swapped?: boolean;
  labeller: string;
  tags: Record<string, string>;
  line: number;
}

const DEFAULT_LABELLER = "human";

function kindOf(scale: Scale): LabelKind {
  return scale.kind;
}

function parseBool(raw: unknown): boolean | null {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "number") return raw === 1 ? true : raw === 0 ? false : null;
  if (typeof raw === "string") {
    const t = raw.trim().toLowerCase();
    if (["true", "1", "yes", "swapped"].includes(t)) return true;
    if (["false", "0", "no", "original", ""].includes(t)) return false;
  }
  return null;
}

function tagsOf(raw: unknown, fail: (field: string, message: string) => InputError): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw fail("tags", "must be an object of key: value");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw fail(`tags.${k}`, "a tag value must be a string, number or boolean");
    }
    out[k] = String(v);
  }
  return out;
}

/** Reads a predictions or labels file. Throws InputError naming file, line and field. */
export async function readRatingsFile(
  file: string,
  role: "predictions" | "labels",
  scale: Scale,
): Promise<FileRating[]> {
  if (!existsSync(file)) throw new InputError(`${role} file not found`, { file });
  const out: FileRating[] = [];
  const seen = new Map<string, number>();
  let records: AsyncGenerator<RawRecord>;
  try {
    records = readRecords(file);
  } catch (err) {
    if (err instanceof InputError)
      throw new InputError(err.message.replace(/^.*?unsupported dataset format/, "unsupported format"), {
        file,
      });
    throw err;
  }
  for await (const rec of records) {
    if ("error" in rec) throw rec.error;
    const line = rec.source.line;
    const fail = (field: string, message: string) => new InputError(message, { file, line, field });
    const raw = rec.raw;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new InputError("a rating must be an object with id and value", { file, line });
    }
    const r = raw as Record<string, unknown>;
    if (typeof r.id !== "string" && typeof r.id !== "number")
      throw fail("id", "required: the item's (case's) id");
    const id = String(r.id).trim();
    if (id === "") throw fail("id", "must not be empty");
    let epoch = 0;
    if (!isBlank(r.epoch)) {
      epoch = Number(r.epoch);
      if (!Number.isInteger(epoch) || epoch < 0)
        throw fail("epoch", `must be a whole number ≥ 0 (got ${JSON.stringify(r.epoch)})`);
    }
    const key = epoch === 0 ? id : `${id}#${epoch}`;
    let value: Category | null = null;
    if (isBlank(r.value)) {
      if (role === "labels") throw fail("value", "required");
    } else {
      const parsed = parseLabelValue(kindOf(scale), r.value, scale);
      if (!parsed.ok) throw fail("value", parsed.message);
      value = parsed.value;
    }
    const rating: FileRating = {
      key,
      id,
      value,
      labeller: DEFAULT_LABELLER,
      tags: tagsOf(r.tags, fail),
      line,
    };
    if (!isBlank(r.score)) {
      const score = Number(r.score);
      if (!Number.isFinite(score)) throw fail("score", `must be a number (got ${JSON.stringify(r.score)})`);
      rating.score = score;
    }
    if (role === "predictions") {
      const flag = r.swapped !== undefined ? r.swapped : r.order;
      if (flag !== undefined) {
        const b = parseBool(flag);
        if (b === null) {
          throw fail(
            r.swapped !== undefined ? "swapped" : "order",
            `must be true/false (or order: original|swapped), got ${JSON.stringify(flag)}`,
          );
        }
        rating.swapped = b;
      }
    } else if (!isBlank(r.labeller)) {
      if (typeof r.labeller !== "string" && typeof r.labeller !== "number")
        throw fail("labeller", "must be a name");
      rating.labeller = String(r.labeller).trim();
    }
    const dupKey =
      role === "predictions" ? `${key}\u0000${rating.swapped === true}` : `${key}\u0000${rating.labeller}`;
    const first = seen.get(dupKey);
    if (first !== undefined) {
      const what =
        role === "predictions"
          ? `a second prediction for "${key}"${rating.swapped !== undefined ? ` in the ${rating.swapped ? "swapped" : "original"} order` : ""}`
          : `a second label for "${key}" by ${rating.labeller}`;
      throw fail("id", `${what} (first at line ${first})`);
    }
    seen.set(dupKey, line);
    out.push(rating);
  }
  return out;
}

export interface PairingCounts {
  predictions: number;
  labels: number;
  /** labels whose item has no prediction */
  unjudged: number;
  /**
   * labels whose item's prediction is blank (the judge could not score it); pairwise: items with
   * no usable verdict in any order, which the report still counts by its null-verdict convention
   */
  unscored: number;
  /** predicted items nobody labelled */
  unlabelled: number;
}

/** Pairs human labels with categorical predictions by id. */
export function pairRatings(
  predictions: FileRating[],
  labels: FileRating[],
): { pairs: RatingPair[]; humanLabels: HumanLabel[]; counts: PairingCounts } {
  const byKey = new Map(predictions.map((p) => [p.key, p]));
  const labelled = new Set(labels.map((l) => l.key));
  const pairs: RatingPair[] = [];
  let unjudged = 0;
  let unscored = 0;
  for (const l of labels) {
    const p = byKey.get(l.key);
    if (!p) {
      unjudged++;
      continue;
    }
    if (p.value === null) {
      unscored++;
      continue;
    }
    const pair: RatingPair = {
      item: l.key,
      labeller: l.labeller,
      human: l.value as Category,
      judge: p.value,
      tags: { ...p.tags, ...l.tags },
    };
    if (p.score !== undefined) pair.score = p.score;
    pairs.push(pair);
  }
  return {
    pairs,
    humanLabels: labels.map((l) => ({ item: l.key, labeller: l.labeller, value: l.value as Category })),
    counts: {
      predictions: predictions.length,
      labels: labels.length,
      unjudged,
      unscored,
      unlabelled: [...byKey.keys()].filter((k) => !labelled.has(k)).length,
    },
  };
}

/** Pairs human preferences with pairwise verdicts (one or two per item: original and swapped order). */
export function pairPreferences(
  predictions: FileRating[],
  labels: FileRating[],
): { items: PairwiseItem[]; humanLabels: HumanLabel[]; counts: PairingCounts } {
  const verdicts = new Map<
    string,
    { original?: Preference | null; swapped?: Preference | null; tags: Record<string, string> }
  >();
  for (const p of predictions) {
    const v = verdicts.get(p.key) ?? { tags: {} };
    if (p.swapped) v.swapped = p.value as Preference | null;
    else v.original = p.value as Preference | null;
    v.tags = { ...v.tags, ...p.tags };
    verdicts.set(p.key, v);
  }
  const labelled = new Set(labels.map((l) => l.key));
  const items: PairwiseItem[] = [];
  let unjudged = 0;
  let unscored = 0;
  for (const l of labels) {
    const v = verdicts.get(l.key);
    if (!v) {
      unjudged++;
      continue;
    }
    // no usable verdict in any order (refusals): kept, the report counts them by its convention
    if (!v.original && !v.swapped) unscored++;
    const item: PairwiseItem = {
      item: l.key,
      labeller: l.labeller,
      human: l.value as Preference,
      tags: { ...v.tags, ...l.tags },
    };
    // absent = that order was not asked; null = asked, no usable verdict (a refusal)
    if (v.original !== undefined) item.original = v.original;
    if (v.swapped !== undefined) item.swapped = v.swapped;
    items.push(item);
  }
  return {
    items,
    humanLabels: labels.map((l) => ({ item: l.key, labeller: l.labeller, value: l.value as Category })),
    counts: {
      predictions: predictions.length,
      labels: labels.length,
      unjudged,
      unscored,
      unlabelled: [...verdicts.keys()].filter((k) => !labelled.has(k)).length,
    },
  };
}
