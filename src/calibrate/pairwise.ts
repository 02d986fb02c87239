import { groupBySlice } from "../dataset/slices.ts";
import type { AlphaLevel, Category, Seed } from "../stats/index.ts";
import {
  type BootstrapInterval,
  type Confusion,
  confusionOf,
  itemBootstrap,
  kappaOf,
  pairAlpha,
  pairAlphaFast,
  type Share,
  seedNumber,
  share,
} from "./agreement.ts";
import { type HumanAgreement, type HumanLabel, humanAgreement } from "./report.ts";
import { PAIRWISE_SCALE } from "./scale.ts";

/**
 * Pairwise calibration: a judge that prefers one of two outputs, against the human preference.
 *
 * A judge is asked twice, once in each presentation order, to expose position bias. Verdicts
 * are always in the *original* numbering: `a` is the first output of the pair as stored, `b`
 * the second, whichever was shown first. `original` is the verdict when `a` was shown first,
 * `swapped` when `b` was. Per order, agreement is the share of items whose verdict equals the
 * human preference; `both` counts items correct in both orders; position consistency is the share
 * of items with the same verdict in both orders (LLMBar's correct_False, correct_True,
 * correct_both and equal).
 *
 * A judge that was asked but gave no usable verdict (a refusal, an unparseable answer: `null`)
 * is counted, always, and then treated by the `nullVerdict` convention:
 * - `unscored` (default): left out of that order's n (and of `both`/consistency for the item);
 * - `wrong`: counted as a verdict that disagrees with the human; two refusals on one item are the
 *   same verdict (consistent). This is LLMBar's convention (their `evaluate.py` compares the
 *   parsed winner, None included, with the label and across orders, over every item);
 * - `tie`: counted as the verdict "tie".
 * Kappa and the confusion matrices are over a / b / tie; under `wrong` a refusal is no category,
 * so kappa leaves it out while every agreement share counts it as a miss.
 */

export type Preference = "a" | "b" | "tie";
const LABELS: Preference[] = ["a", "b", "tie"];

export type NullVerdict = "unscored" | "wrong" | "tie";
export const NULL_VERDICTS: readonly NullVerdict[] = ["unscored", "wrong", "tie"];

export function isNullVerdict(value: string): value is NullVerdict {
  return (NULL_VERDICTS as readonly string[]).includes(value);
}

export interface PairwiseItem {
  item: string;
  labeller: string;
  human: Preference;
  /** the verdict with `a` shown first; null: asked but no usable verdict; absent: not asked */
  original?: Preference | null;
  swapped?: Preference | null;
  tags?: Record<string, string>;
}

/** A refusal counted as wrong (`nullVerdict: wrong`): never equal to a human preference. */
const REFUSED = "refused";
type Counted = Preference | typeof REFUSED;

interface CountedItem {
  item: string;
  labeller: string;
  human: Preference;
  original?: Counted;
  swapped?: Counted;
  tags?: Record<string, string>;
}

function counted(v: Preference | null | undefined, convention: NullVerdict): Counted | undefined {
  if (v === undefined) return undefined;
  if (v !== null) return v;
  return convention === "unscored" ? undefined : convention === "tie" ? "tie" : REFUSED;
}

function applyConvention(items: PairwiseItem[], convention: NullVerdict): CountedItem[] {
  return items.map((it) => ({
    item: it.item,
    labeller: it.labeller,
    human: it.human,
    original: counted(it.original, convention),
    swapped: counted(it.swapped, convention),
    tags: it.tags,
  }));
}

const isPreference = (v: Counted | undefined): v is Preference => v !== undefined && v !== REFUSED;

export interface PairwiseSummary {
  /** judge vs human with `a` shown first */
  original: Share;
  /** judge vs human with `b` shown first */
  swapped: Share;
  /** correct in both orders (items judged in both) */
  both: Share;
  /** mean of the two orders' agreement rates */
  average: number | null;
  /** same verdict in both orders */
  positionConsistency: Share;
  /** inconsistent items: the judge preferred whichever output it saw first, or second */
  positionBias: { inconsistent: number; favouredFirst: number; favouredSecond: number; other: number };
  /** the two orders combined: a consistent verdict stands, an inconsistent one counts as tie */
  consensus: Share;
  cohenKappa: { original: number | null; swapped: number | null };
  confusion: { original: Confusion; swapped: Confusion };
  /** judge calls with no usable verdict (null), per order, whatever the convention */
  refusals: { original: number; swapped: number };
  /** how refusals were counted */
  nullVerdict: NullVerdict;
}

export interface PairwiseReport {
  kind: "pairwise";
  scale: { name: string; kind: "pairwise"; values: Category[]; level: AlphaLevel };
  /** how a refusal (null verdict) counts: unscored (default), wrong (LLMBar) or tie */
  nullVerdict: NullVerdict;
  /** items compared (a human preference and at least one counted judge verdict) */
  n: number;
  items: number;
  labellers: string[];
  /** pooled over every verdict in either order */
  agreement: number | null;
  cohenKappa: number | null;
  weightedKappa: { linear: null; quadratic: null };
  krippendorffAlpha: number | null;
  alphaLevel: AlphaLevel;
  spearman: null;
  kendallTauB: null;
  /** pooled over both orders */
  confusion: Confusion;
  /** pairwise judges have position bias instead (see pairwise.positionBias) */
  bias: null;
  pairwise: PairwiseSummary;
  intervals: {
    method: string;
    resamples: number;
    seed: number;
    confidence: number;
    cohenKappa: BootstrapInterval | null;
    krippendorffAlpha: BootstrapInterval | null;
  };
  slices: Record<
    string,
    {
      n: number;
      original: number | null;
      swapped: number | null;
      both: number | null;
      positionConsistency: number | null;
    }
  >;
  humanAgreement: HumanAgreement | null;
  threshold: null;
  headline: { kappa: number | null; kappaMethod: string; alpha: number | null };
  methods: Record<string, string>;
}

interface Verdict {
  judge: Counted;
  human: Preference;
}

function pooled(items: CountedItem[]): Verdict[] {
  const out: Verdict[] = [];
  for (const it of items) {
    if (it.original !== undefined) out.push({ judge: it.original, human: it.human });
    if (it.swapped !== undefined) out.push({ judge: it.swapped, human: it.human });
  }
  return out;
}

/** Verdicts that are categories (a refusal counted as wrong is not), for kappa and confusion. */
function categorical(verdicts: Verdict[]): { judge: Category[]; human: Category[] } {
  const kept = verdicts.filter((v): v is { judge: Preference; human: Preference } => isPreference(v.judge));
  return { judge: kept.map((v) => v.judge), human: kept.map((v) => v.human) };
}

function refusalsOf(items: PairwiseItem[]): { original: number; swapped: number } {
  return {
    original: items.filter((it) => it.original === null).length,
    swapped: items.filter((it) => it.swapped === null).length,
  };
}

function summarize(
  items: CountedItem[],
  refusals: { original: number; swapped: number },
  nullVerdict: NullVerdict,
): PairwiseSummary {
  let origAgree = 0;
  let origN = 0;
  let swapAgree = 0;
  let swapN = 0;
  let bothAgree = 0;
  let bothN = 0;
  let consistent = 0;
  let favouredFirst = 0;
  let favouredSecond = 0;
  let other = 0;
  let consensusAgree = 0;
  const origVerdicts: Verdict[] = [];
  const swapVerdicts: Verdict[] = [];
  for (const it of items) {
    const o = it.original;
    const w = it.swapped;
    if (o !== undefined) {
      origN++;
      if (o === it.human) origAgree++;
      origVerdicts.push({ judge: o, human: it.human });
    }
    if (w !== undefined) {
      swapN++;
      if (w === it.human) swapAgree++;
      swapVerdicts.push({ judge: w, human: it.human });
    }
    if (o !== undefined && w !== undefined) {
      bothN++;
      if (o === it.human && w === it.human) bothAgree++;
      if (o === w) consistent++;
      else if (o === "a" && w === "b") favouredFirst++;
      else if (o === "b" && w === "a") favouredSecond++;
      else other++;
      const verdict = o === w ? o : "tie";
      if (verdict === it.human) consensusAgree++;
    }
  }
  const original = share(origAgree, origN);
  const swapped = share(swapAgree, swapN);
  const rates = [original.rate, swapped.rate].filter((r): r is number => r !== null);
  const orig = categorical(origVerdicts);
  const swap = categorical(swapVerdicts);
  return {
    original,
    swapped,
    both: share(bothAgree, bothN),
    average: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    positionConsistency: share(consistent, bothN),
    positionBias: { inconsistent: bothN - consistent, favouredFirst, favouredSecond, other },
    consensus: share(consensusAgree, bothN),
    cohenKappa: {
      original: kappaOf(orig.judge, orig.human, LABELS),
      swapped: kappaOf(swap.judge, swap.human, LABELS),
    },
    confusion: {
      original: confusionOf(orig.judge, orig.human, LABELS),
      swapped: confusionOf(swap.judge, swap.human, LABELS),
    },
    refusals,
    nullVerdict,
  };
}

const NULL_VERDICT_METHOD: Record<NullVerdict, string> = {
  unscored:
    "a refusal (no usable verdict) is counted in `refusals` and left out of that order's n, and of `both` and consistency for its item",
  wrong:
    "a refusal (no usable verdict) counts as wrong in its order, and two refusals on one item as consistent (LLMBar's convention); kappa leaves refusals out",
  tie: "a refusal (no usable verdict) counts as the verdict tie",
};

export function pairwiseReport(
  items: PairwiseItem[],
  options: {
    humanLabels?: HumanLabel[];
    resamples?: number;
    seed?: Seed;
    confidence?: number;
    /** how a refusal (null verdict) counts (default unscored) */
    nullVerdict?: NullVerdict;
  } = {},
): PairwiseReport {
  const nullVerdict = options.nullVerdict ?? "unscored";
  if (!isNullVerdict(nullVerdict)) {
    throw new RangeError(`nullVerdict must be ${NULL_VERDICTS.join(", ")} (got ${String(nullVerdict)})`);
  }
  const judgedRaw = items.filter(
    (it) => counted(it.original, nullVerdict) !== undefined || counted(it.swapped, nullVerdict) !== undefined,
  );
  const judged = applyConvention(judgedRaw, nullVerdict);
  const verdicts = pooled(judged);
  const { judge, human } = categorical(verdicts);
  const agreement =
    verdicts.length > 0 ? verdicts.filter((v) => v.judge === v.human).length / verdicts.length : null;
  const cohen = kappaOf(judge, human, LABELS);
  const alpha = judge.length > 0 ? pairAlpha(judge, human, "nominal", LABELS) : null;

  const groups = new Map<string, CountedItem[]>();
  for (const it of judged) {
    const g = groups.get(it.item);
    if (g) g.push(it);
    else groups.set(it.item, [it]);
  }
  const resamples = options.resamples ?? 1000;
  const seed = seedNumber(options.seed ?? 20240611);
  const confidence = options.confidence ?? 0.95;
  const boot = itemBootstrap(
    [...groups.values()],
    {
      cohenKappa: (rows) => {
        const v = categorical(pooled(rows));
        return kappaOf(v.judge, v.human, LABELS);
      },
      krippendorffAlpha: (rows) => {
        const v = categorical(pooled(rows));
        return pairAlphaFast(v.judge, v.human, "nominal", LABELS);
      },
    },
    { resamples, seed, confidence },
  );

  const tagged = groupBySlice(judgedRaw, (it) => it.tags);
  const slices: PairwiseReport["slices"] = {};
  for (const key of [...tagged.keys()].sort()) {
    const members = tagged.get(key) ?? [];
    const s = summarize(applyConvention(members, nullVerdict), refusalsOf(members), nullVerdict);
    slices[key] = {
      n: members.length,
      original: s.original.rate,
      swapped: s.swapped.rate,
      both: s.both.rate,
      positionConsistency: s.positionConsistency.rate,
    };
  }
  const humans =
    options.humanLabels ?? items.map((it) => ({ item: it.item, labeller: it.labeller, value: it.human }));
  return {
    kind: "pairwise",
    scale: { name: "pairwise", kind: "pairwise", values: [...LABELS], level: "nominal" },
    nullVerdict,
    n: judged.length,
    items: groups.size,
    labellers: [...new Set(judged.map((it) => it.labeller))].sort(),
    agreement,
    cohenKappa: cohen,
    weightedKappa: { linear: null, quadratic: null },
    krippendorffAlpha: alpha,
    alphaLevel: "nominal",
    spearman: null,
    kendallTauB: null,
    confusion: confusionOf(judge, human, LABELS),
    bias: null,
    pairwise: summarize(judged, refusalsOf(items), nullVerdict),
    intervals: {
      method: "percentile bootstrap, items resampled with replacement (seeded)",
      resamples,
      seed,
      confidence,
      cohenKappa: boot.cohenKappa ?? null,
      krippendorffAlpha: boot.krippendorffAlpha ?? null,
    },
    slices,
    humanAgreement: humanAgreement(humans, PAIRWISE_SCALE),
    threshold: null,
    headline: { kappa: cohen, kappaMethod: "Cohen's kappa (both orders pooled)", alpha },
    methods: {
      orders:
        "original = output a shown first, swapped = output b shown first; verdicts in the original numbering",
      agreement: "share of verdicts equal to the human preference; pooled over both orders at the top level",
      positionConsistency: "share of items judged in both orders with the same verdict in both",
      nullVerdict: `--null-verdict ${nullVerdict}: ${NULL_VERDICT_METHOD[nullVerdict]}`,
      kappa: "Cohen's kappa over a / b / tie",
      intervals: `${Math.round(confidence * 100)}% percentile bootstrap, ${resamples} resamples of items, seed ${seed}`,
    },
  };
}
