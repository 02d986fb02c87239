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
 */

export type Preference = "a" | "b" | "tie";
const LABELS: Preference[] = ["a", "b", "tie"];

export interface PairwiseItem {
  item: string;
  labeller: string;
  human: Preference;
  original?: Preference | null;
  swapped?: Preference | null;
  tags?: Record<string, string>;
}

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
}

export interface PairwiseReport {
  kind: "pairwise";
  scale: { name: string; kind: "pairwise"; values: Category[]; level: AlphaLevel };
  /** items compared (a human preference and at least one judge verdict) */
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
  judge: Preference;
  human: Preference;
}

function pooled(items: PairwiseItem[]): Verdict[] {
  const out: Verdict[] = [];
  for (const it of items) {
    if (it.original) out.push({ judge: it.original, human: it.human });
    if (it.swapped) out.push({ judge: it.swapped, human: it.human });
  }
  return out;
}

function summarize(items: PairwiseItem[]): PairwiseSummary {
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
  const origJudge: Category[] = [];
  const origHuman: Category[] = [];
  const swapJudge: Category[] = [];
  const swapHuman: Category[] = [];
  for (const it of items) {
    if (it.original) {
      origN++;
      if (it.original === it.human) origAgree++;
      origJudge.push(it.original);
      origHuman.push(it.human);
    }
    if (it.swapped) {
      swapN++;
      if (it.swapped === it.human) swapAgree++;
      swapJudge.push(it.swapped);
      swapHuman.push(it.human);
    }
    if (it.original && it.swapped) {
      bothN++;
      if (it.original === it.human && it.swapped === it.human) bothAgree++;
      if (it.original === it.swapped) consistent++;
      else if (it.original === "a" && it.swapped === "b") favouredFirst++;
      else if (it.original === "b" && it.swapped === "a") favouredSecond++;
      else other++;
      const verdict = it.original === it.swapped ? it.original : "tie";
      if (verdict === it.human) consensusAgree++;
    }
  }
  const original = share(origAgree, origN);
  const swapped = share(swapAgree, swapN);
  const rates = [original.rate, swapped.rate].filter((r): r is number => r !== null);
  return {
    original,
    swapped,
    both: share(bothAgree, bothN),
    average: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    positionConsistency: share(consistent, bothN),
    positionBias: { inconsistent: bothN - consistent, favouredFirst, favouredSecond, other },
    consensus: share(consensusAgree, bothN),
    cohenKappa: {
      original: kappaOf(origJudge, origHuman, LABELS),
      swapped: kappaOf(swapJudge, swapHuman, LABELS),
    },
    confusion: {
      original: confusionOf(origJudge, origHuman, LABELS),
      swapped: confusionOf(swapJudge, swapHuman, LABELS),
    },
  };
}

export function pairwiseReport(
  items: PairwiseItem[],
  options: { humanLabels?: HumanLabel[]; resamples?: number; seed?: Seed; confidence?: number } = {},
): PairwiseReport {
  const judged = items.filter((it) => it.original || it.swapped);
  const verdicts = pooled(judged);
  const judge = verdicts.map((v) => v.judge);
  const human = verdicts.map((v) => v.human);
  const agreement =
    verdicts.length > 0 ? verdicts.filter((v) => v.judge === v.human).length / verdicts.length : null;
  const cohen = kappaOf(judge, human, LABELS);
  const alpha = verdicts.length > 0 ? pairAlpha(judge, human, "nominal", LABELS) : null;

  const groups = new Map<string, PairwiseItem[]>();
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
        const v = pooled(rows);
        return kappaOf(
          v.map((x) => x.judge),
          v.map((x) => x.human),
          LABELS,
        );
      },
      krippendorffAlpha: (rows) => {
        const v = pooled(rows);
        return pairAlphaFast(
          v.map((x) => x.judge),
          v.map((x) => x.human),
          "nominal",
          LABELS,
        );
      },
    },
    { resamples, seed, confidence },
  );

  const tagged = groupBySlice(judged, (it) => it.tags);
  const slices: PairwiseReport["slices"] = {};
  for (const key of [...tagged.keys()].sort()) {
    const s = summarize(tagged.get(key) ?? []);
    slices[key] = {
      n: tagged.get(key)?.length ?? 0,
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
    pairwise: summarize(judged),
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
      kappa: "Cohen's kappa over a / b / tie",
      intervals: `${Math.round(confidence * 100)}% percentile bootstrap, ${resamples} resamples of items, seed ${seed}`,
    },
  };
}
