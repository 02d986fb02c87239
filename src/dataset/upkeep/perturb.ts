import { InputError } from "../../config/errors.ts";
import type { Case, CaseInput } from "../../core/case.ts";
import { createRng, type Seed, type Xoshiro128 } from "../../stats/random.ts";
import { canonicalJson } from "../../util/canonical-json.ts";

/**
 * Perturbed copies of a dataset's cases (`assay dataset perturb`), to measure how much a target's
 * scores drop when the input is noisier but means the same.
 *
 * - `typo`: about one word in seven (at least one) of four letters or more gets one slip: two
 *   neighbouring letters swapped, a letter dropped, doubled, or replaced by a QWERTY neighbour.
 *   The first letter is kept, as people's typos mostly do.
 * - `case`: each word is upper-cased, lower-cased, capitalised or left (at least one changes).
 * - `whitespace`: some gaps between words widen to two or three spaces, and a space is added at
 *   the start, the end or both.
 * - `paraphrase`: an LLM rewrites the text (see paraphrase.ts); not seeded, but cached.
 *
 * The seeded kinds draw from a generator seeded with (seed, case id, kind, text index), so a
 * case's perturbation does not depend on which other cases or kinds are in the run: the same
 * seed gives the same file, and a subset of the dataset gives a subset of the file.
 *
 * What is perturbed: a string input; the `user` messages of a chat input; the string values of
 * an input of template variables. `expected` is kept: the perturbations keep the meaning.
 *
 * A perturbed case is `{id: ID~KIND, tags: {…, perturbation: KIND}, cluster: the original's
 * cluster or id}`; the original is kept beside it with `perturbation: none` (unless `originals`
 * is false), so one run over the file gives both sides of every pair. The original's id is not
 * a tag: every tag value is a slice, and one slice per case would flood every scorecard.
 * `metadata.source` names it for people; robustness.ts recovers it from the id.
 */

export const PERTURBATION_KINDS = ["typo", "case", "whitespace", "paraphrase"] as const;
export type PerturbationKind = (typeof PERTURBATION_KINDS)[number];
export type SeededKind = Exclude<PerturbationKind, "paraphrase">;

/** The tag key that marks a case's perturbation (`none` on the originals). */
export const PERTURBATION_TAG = "perturbation";
export const ORIGINAL = "none";

export function perturbedId(id: string, kind: string): string {
  return `${id}~${kind}`;
}

/** The original's id of a perturbed case (its id without `~KIND`), or undefined for an original. */
export function perturbationSource(c: { id: string; tags: Record<string, string> }): string | undefined {
  const kind = c.tags[PERTURBATION_TAG];
  if (kind === undefined || kind === ORIGINAL) return undefined;
  const suffix = `~${kind}`;
  return c.id.endsWith(suffix) ? c.id.slice(0, -suffix.length) : undefined;
}

export function parseKinds(list: string): PerturbationKind[] {
  const kinds = list
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.length === 0)
    throw new InputError(`--kinds: name at least one of ${PERTURBATION_KINDS.join(", ")}`);
  for (const k of kinds) {
    if (!(PERTURBATION_KINDS as readonly string[]).includes(k)) {
      throw new InputError(`--kinds: unknown kind "${k}" (kinds: ${PERTURBATION_KINDS.join(", ")})`);
    }
  }
  return [...new Set(kinds)] as PerturbationKind[];
}

/** One text perturbed by a seeded kind; the text itself when it has nothing to perturb. */
export function perturbText(text: string, kind: SeededKind, seed: Seed): string {
  const rng = createRng(seed);
  if (kind === "typo") return typo(text, rng);
  if (kind === "case") return recase(text, rng);
  return respace(text, rng);
}

// ---------------------------------------------------------------------------------------------
// the seeded kinds

const KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/** Letters beside each letter on a QWERTY keyboard (same row, and the rows above and below). */
const NEIGHBOURS: Record<string, string> = (() => {
  const out: Record<string, string> = {};
  KEYBOARD_ROWS.forEach((row, r) => {
    [...row].forEach((ch, i) => {
      let near = (row[i - 1] ?? "") + (row[i + 1] ?? "");
      for (const other of [KEYBOARD_ROWS[r - 1], KEYBOARD_ROWS[r + 1]]) {
        if (other) near += (other[i - 1] ?? "") + (other[i] ?? "") + (other[i + 1] ?? "");
      }
      out[ch] = near;
    });
  });
  return out;
})();

function pick<T>(rng: Xoshiro128, items: readonly T[]): T {
  return items[rng.nextIndex(items.length)];
}

function slip(word: string[], rng: Xoshiro128): string[] {
  const n = word.length;
  // interior positions: the first letter stays
  const at = 1 + rng.nextIndex(n - 1);
  for (let attempt = 0; attempt < 4; attempt++) {
    const w = [...word];
    switch ((rng.nextIndex(4) + attempt) % 4) {
      case 0: {
        const i = Math.min(at, n - 2);
        if (i < 1) break;
        [w[i], w[i + 1]] = [w[i + 1], w[i]];
        break;
      }
      case 1:
        w.splice(at, 1);
        break;
      case 2:
        w.splice(at, 0, w[at]);
        break;
      default: {
        const lower = w[at].toLowerCase();
        const near = NEIGHBOURS[lower];
        if (!near) break;
        const ch = pick(rng, [...near]);
        w[at] = w[at] === lower ? ch : ch.toUpperCase();
      }
    }
    if (w.join("") !== word.join("")) return w;
  }
  return word.length > 1 ? word.slice(0, -1) : word;
}

function typo(text: string, rng: Xoshiro128): string {
  let words = [...text.matchAll(/\p{L}{4,}/gu)];
  if (words.length === 0) words = [...text.matchAll(/\p{L}{2,}/gu)];
  if (words.length === 0) return text;
  const count = Math.max(1, Math.round(words.length / 7));
  // a partial Fisher–Yates shuffle picks `count` distinct words
  const order = words.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.nextIndex(order.length - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const chosen = order.slice(0, count).sort((a, b) => b - a);
  let out = text;
  for (const i of chosen) {
    const m = words[i];
    const start = m.index as number;
    const changed = slip([...m[0]], rng).join("");
    out = out.slice(0, start) + changed + out.slice(start + m[0].length);
  }
  return out;
}

function recase(text: string, rng: Xoshiro128): string {
  const styles = [
    (w: string) => w.toUpperCase(),
    (w: string) => w.toLowerCase(),
    (w: string) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase(),
    (w: string) => w,
  ];
  const out = text.replace(/\p{L}+/gu, (w) => pick(rng, styles)(w));
  if (out !== text) return out;
  // nothing changed by chance: flip the first word that has case
  let done = false;
  return text.replace(/\p{L}+/gu, (w) => {
    if (done) return w;
    const flipped = w === w.toUpperCase() ? w.toLowerCase() : w.toUpperCase();
    if (flipped !== w) done = true;
    return flipped;
  });
}

function respace(text: string, rng: Xoshiro128): string {
  const widened = text.replace(/ +/g, (gap) => pick(rng, [gap, gap, `${gap} `, `${gap}  `]));
  const ends = rng.nextIndex(3);
  return `${ends !== 1 ? " " : ""}${widened}${ends !== 0 ? " " : ""}`;
}

// ---------------------------------------------------------------------------------------------
// cases

/** Rewrites a text with an LLM; throws when it cannot (the case is then reported, not written). */
export type Paraphraser = (text: string, context: { caseId: string }) => Promise<string>;

export interface PerturbOptions {
  kinds: readonly PerturbationKind[];
  seed: number;
  /** needed for `paraphrase` */
  paraphrase?: Paraphraser;
  /** write the originals too (default true), tagged `perturbation: none` */
  originals?: boolean;
  /** paraphrases in flight at once (default 4) */
  concurrency?: number;
}

export interface PerturbCounts {
  /** perturbed cases written */
  written: number;
  /** cases left out because the kind found nothing to change (e.g. no letters) */
  unchanged: number;
  /** cases left out because the paraphrase failed */
  failed: number;
}

export type PerturbedCase = Case & { metadata?: Record<string, unknown> };

export interface PerturbResult {
  cases: PerturbedCase[];
  originals: number;
  counts: Partial<Record<PerturbationKind, PerturbCounts>>;
  failures: Array<{ id: string; kind: PerturbationKind; message: string }>;
}

/** The perturbed dataset: each original (unless left out), then its perturbations in `kinds` order. */
export async function perturbCases(cases: readonly Case[], opts: PerturbOptions): Promise<PerturbResult> {
  if (opts.kinds.includes("paraphrase") && !opts.paraphrase) {
    throw new InputError("paraphrase needs a model: pass --model provider:name");
  }
  // perturbing a perturbed file again perturbs its originals only
  const sources = cases.filter((c) => (c.tags[PERTURBATION_TAG] ?? ORIGINAL) === ORIGINAL);
  const ids = new Set(sources.map((c) => c.id));
  for (const c of sources) {
    for (const kind of opts.kinds) {
      if (ids.has(perturbedId(c.id, kind))) {
        throw new InputError(
          `case id "${perturbedId(c.id, kind)}" is taken: it would be the ${kind} copy of "${c.id}"`,
        );
      }
    }
  }
  const result: PerturbResult = { cases: [], originals: 0, counts: {}, failures: [] };
  for (const kind of opts.kinds) result.counts[kind] = { written: 0, unchanged: 0, failed: 0 };

  // every (case, kind) as a job: paraphrases run concurrently, the file keeps dataset order
  const jobs = sources.flatMap((c) => opts.kinds.map((kind) => ({ c, kind })));
  const outcomes: Array<PerturbedCase | { failed: string } | undefined> = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const { c, kind } = jobs[i];
      try {
        outcomes[i] = await perturbCase(c, kind, opts);
      } catch (err) {
        outcomes[i] = { failed: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));

  let j = 0;
  for (const c of sources) {
    if (opts.originals !== false) {
      result.cases.push({
        ...c,
        tags: { ...c.tags, [PERTURBATION_TAG]: ORIGINAL },
        cluster: c.cluster ?? c.id,
      });
      result.originals++;
    }
    for (const kind of opts.kinds) {
      const outcome = outcomes[j++];
      const counts = result.counts[kind] as PerturbCounts;
      if (outcome === undefined) counts.unchanged++;
      else if ("failed" in outcome) {
        counts.failed++;
        result.failures.push({ id: c.id, kind, message: outcome.failed });
      } else {
        counts.written++;
        result.cases.push(outcome);
      }
    }
  }
  return result;
}

async function perturbCase(
  c: Case,
  kind: PerturbationKind,
  opts: PerturbOptions,
): Promise<PerturbedCase | undefined> {
  const input = await mapInputTexts(c.input, (text, index) =>
    kind === "paraphrase"
      ? (opts.paraphrase as Paraphraser)(text, { caseId: c.id })
      : Promise.resolve(perturbText(text, kind, `${opts.seed}:${c.id}:${kind}:${index}`)),
  );
  if (canonicalJson(input) === canonicalJson(c.input)) return undefined;
  const out: PerturbedCase = {
    id: perturbedId(c.id, kind),
    input,
    tags: { ...c.tags, [PERTURBATION_TAG]: kind },
    cluster: c.cluster ?? c.id,
    metadata: { source: c.id, perturbation: kind, ...(kind === "paraphrase" ? {} : { seed: opts.seed }) },
  };
  if (c.expected !== undefined) out.expected = c.expected;
  return out;
}

/** The input with each perturbable text replaced by `f(text, index)` (index: the text's position, for seeding). */
async function mapInputTexts(
  input: CaseInput,
  f: (text: string, index: number) => Promise<string>,
): Promise<CaseInput> {
  if (typeof input === "string") return f(input, 0);
  if ("messages" in input && Array.isArray(input.messages)) {
    const messages = [];
    for (const [i, m] of input.messages.entries()) {
      messages.push(
        m.role === "user" && typeof m.content === "string" ? { ...m, content: await f(m.content, i) } : m,
      );
    }
    return { ...input, messages };
  }
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const [k, v] of Object.entries(input)) out[k] = typeof v === "string" ? await f(v, i++) : v;
  return out;
}
