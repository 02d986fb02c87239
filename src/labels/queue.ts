import { randomBytes } from "node:crypto";
import { createRng, type Seed, type Xoshiro128 } from "../stats/index.ts";
import type { ReviewQueue, RunRecord, StoredCase, StoredOutput } from "../store/types.ts";
import type { LabelKind } from "./values.ts";

/**
 * Review queues: outputs sampled for people to label, blind to evaluator scores.
 *
 * - The sample is seeded: the same seed over the same stored outputs gives the same queue.
 * - `stratifyBy` a tag key: every value of the tag gets at least one item (when the sample has
 *   room for one per value), the rest is shared in proportion to each value's size (largest
 *   remainders); outputs without the tag form a stratum of their own. Without it: a simple
 *   random sample.
 * - `overlap` (a share of the sample) is assigned to two labellers, the rest to one, balancing
 *   each labeller's load, so human–human agreement can be measured.
 * - Pairwise queues compare with another run's output of the same case and epoch; each item
 *   gets a seeded random `swapped` flag (show the other run's output first).
 * Errored outputs are never queued (there is nothing to judge).
 */

export const NO_TAG = "(none)";

export interface QueueSpec {
  run: RunRecord;
  cases: StoredCase[];
  outputs: StoredOutput[];
  dimension: string;
  kind: LabelKind;
  scale?: Array<string | number>;
  /** pairwise: the other run and its outputs */
  other?: { run: RunRecord; outputs: StoredOutput[] };
  /** at most this many items (default: every eligible output) */
  sample?: number;
  stratifyBy?: string;
  labellers?: string[];
  /** share of items given to two labellers, 0..1 */
  overlap?: number;
  seed: Seed;
  id?: string;
  now?: Date;
}

export interface QueueSummary {
  queue: ReviewQueue;
  /** eligible outputs the sample was drawn from */
  eligible: number;
  /** stratum (tag value) → [items sampled, eligible] */
  strata: Record<string, [number, number]> | null;
  /** labeller → items assigned */
  load: Record<string, number>;
  overlapItems: number;
}

interface Candidate {
  caseId: string;
  epoch: number;
  ordinal: number;
  stratum: string;
}

function shuffle<T>(items: T[], rng: Xoshiro128): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextIndex(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** How many items each stratum gets: one each (when there is room), the rest by largest remainders, capped at size. */
export function allocate(sizes: Map<string, number>, total: number, rng: Xoshiro128): Map<string, number> {
  const keys = [...sizes.keys()].sort();
  const alloc = new Map(keys.map((k) => [k, 0]));
  const population = keys.reduce((s, k) => s + (sizes.get(k) ?? 0), 0);
  let left = Math.min(total, population);
  if (left < keys.length) {
    for (const k of shuffle(keys, rng).slice(0, left)) alloc.set(k, 1);
    return alloc;
  }
  for (const k of keys) {
    if ((sizes.get(k) ?? 0) > 0) {
      alloc.set(k, 1);
      left--;
    }
  }
  // proportional shares of what is left, over the room each stratum still has
  while (left > 0) {
    const room = keys.filter((k) => (alloc.get(k) ?? 0) < (sizes.get(k) ?? 0));
    const roomTotal = room.reduce((s, k) => s + (sizes.get(k) ?? 0) - (alloc.get(k) ?? 0), 0);
    if (roomTotal === 0) break;
    const shares = room.map((k) => {
      const free = (sizes.get(k) ?? 0) - (alloc.get(k) ?? 0);
      const exact = (left * free) / roomTotal;
      return { k, free, whole: Math.min(free, Math.floor(exact)), frac: exact - Math.floor(exact) };
    });
    let given = 0;
    for (const s of shares) {
      alloc.set(s.k, (alloc.get(s.k) ?? 0) + s.whole);
      given += s.whole;
    }
    let rest = left - given;
    const byRemainder = shares
      .filter((s) => s.whole < s.free)
      .sort((a, b) => b.frac - a.frac || (a.k < b.k ? -1 : 1));
    for (const s of byRemainder) {
      if (rest === 0) break;
      alloc.set(s.k, (alloc.get(s.k) ?? 0) + 1);
      rest--;
      given++;
    }
    if (given === 0) break;
    left -= given;
  }
  return alloc;
}

export function buildQueue(spec: QueueSpec): QueueSummary {
  const rng = createRng(spec.seed);
  const caseById = new Map(spec.cases.map((c) => [c.id, c]));
  const otherOk = spec.other
    ? new Set(spec.other.outputs.filter((o) => !o.error).map((o) => `${o.caseId}\u0000${o.epoch}`))
    : null;
  const eligible: Candidate[] = [];
  for (const o of spec.outputs) {
    if (o.error) continue;
    const c = caseById.get(o.caseId);
    if (!c) continue;
    if (otherOk && !otherOk.has(`${o.caseId}\u0000${o.epoch}`)) continue;
    const stratum = spec.stratifyBy ? (c.tags[spec.stratifyBy] ?? NO_TAG) : "";
    eligible.push({ caseId: o.caseId, epoch: o.epoch, ordinal: c.ordinal, stratum });
  }
  eligible.sort((a, b) => a.ordinal - b.ordinal || a.epoch - b.epoch);

  const total = spec.sample === undefined ? eligible.length : Math.min(spec.sample, eligible.length);
  let chosen: Candidate[];
  let strata: QueueSummary["strata"] = null;
  if (spec.stratifyBy) {
    const groups = new Map<string, Candidate[]>();
    for (const c of eligible) {
      const g = groups.get(c.stratum);
      if (g) g.push(c);
      else groups.set(c.stratum, [c]);
    }
    const alloc = allocate(new Map([...groups].map(([k, g]) => [k, g.length])), total, rng);
    chosen = [];
    strata = {};
    for (const k of [...groups.keys()].sort()) {
      const g = groups.get(k) ?? [];
      const take = alloc.get(k) ?? 0;
      chosen.push(...shuffle(g, rng).slice(0, take));
      strata[k] = [take, g.length];
    }
  } else {
    chosen = total === eligible.length ? [...eligible] : shuffle(eligible, rng).slice(0, total);
  }
  // labelling order: random, so strata and dataset order do not cluster
  chosen = shuffle(chosen, rng);

  const labellers = spec.labellers ?? [];
  const overlapShare = spec.overlap ?? 0;
  const overlapCount =
    labellers.length >= 2 ? Math.min(chosen.length, Math.round(overlapShare * chosen.length)) : 0;
  const overlapSet = new Set(shuffle([...chosen.keys()], rng).slice(0, overlapCount));
  const load = new Map(labellers.map((l) => [l, 0]));
  let turn = 0;
  const pick = (count: number): string[] => {
    // least loaded first; ties rotate so equal loads share evenly
    const order = labellers
      .map((l, i) => ({ l, load: load.get(l) ?? 0, rot: (i - turn + labellers.length) % labellers.length }))
      .sort((a, b) => a.load - b.load || a.rot - b.rot)
      .slice(0, count)
      .map((x) => x.l);
    for (const l of order) load.set(l, (load.get(l) ?? 0) + 1);
    turn = (turn + 1) % Math.max(1, labellers.length);
    return order;
  };

  const items: ReviewQueue["items"] = chosen.map((c, i) => {
    const item: ReviewQueue["items"][number] = {
      caseId: c.caseId,
      epoch: c.epoch,
      labellers: labellers.length === 0 ? [] : pick(overlapSet.has(i) ? 2 : 1),
    };
    if (spec.other) item.swapped = rng.nextFloat() < 0.5;
    return item;
  });

  const now = spec.now ?? new Date();
  const queue: ReviewQueue = {
    id: spec.id ?? `q-${randomBytes(4).toString("hex")}`,
    runId: spec.run.id,
    dimension: spec.dimension,
    kind: spec.other ? "pairwise" : spec.kind,
    labellers,
    createdAt: now.toISOString(),
    items,
  };
  if (spec.other) queue.otherRunId = spec.other.run.id;
  if (spec.scale) queue.scale = spec.scale;
  return {
    queue,
    eligible: eligible.length,
    strata,
    load: Object.fromEntries(load),
    overlapItems: overlapCount,
  };
}
