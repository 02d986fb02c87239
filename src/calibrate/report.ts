import { groupBySlice } from "../dataset/slices.ts";
import type { AlphaLevel, Category, Seed } from "../stats/index.ts";
import {
  alphaOf,
  type BootstrapInterval,
  type Confusion,
  confusionOf,
  itemBootstrap,
  kappaOf,
  kendallOf,
  pairAlpha,
  pairAlphaFast,
  seedNumber,
  spearmanOf,
  weightedKappaOf,
} from "./agreement.ts";
import { numericValue, onScale, type Scale, withObservedValues } from "./scale.ts";
import { type ThresholdSearch, thresholdSearch } from "./threshold.ts";

/**
 * The calibration report of an evaluator against human labels: pure, from paired ratings.
 *
 * One pair is one human label of one item with the judge's rating of the same item; an item
 * labelled by several people gives several pairs (so the judge is held to every labeller, and
 * disagreement between people lowers the judge's attainable agreement, which the human–human
 * ceiling shows). Bootstrap intervals resample items, keeping an item's pairs together.
 */

export interface RatingPair {
  /** the item (case) rated; `case` or `case#epoch` */
  item: string;
  labeller: string;
  human: Category;
  judge: Category;
  /** the judge's graded score behind a pass/fail verdict (threshold search) */
  score?: number | null;
  tags?: Record<string, string>;
}

export interface HumanLabel {
  item: string;
  labeller: string;
  value: Category;
}

export interface CalibrationOptions {
  scale: Scale;
  /** every current human label (also of items the judge did not score), for the human ceiling */
  humanLabels?: HumanLabel[];
  /** the judge's current pass threshold on its graded score */
  threshold?: number | null;
  /** what the threshold search maximises (default agreement) */
  thresholdBy?: "agreement" | "kappa";
  /** bootstrap resamples (default 1000; 0 = no intervals) */
  resamples?: number;
  seed?: Seed;
  confidence?: number;
}

export interface Bias {
  /** mean judge rating on the numeric scale (binary: judge pass rate) */
  meanJudge: number;
  meanHuman: number;
  /** meanJudge − meanHuman: negative = the judge is harsher, positive = more lenient */
  difference: number;
  /** share of pairs the judge rated higher than the human */
  judgeHigher: number;
  judgeLower: number;
  equal: number;
  direction: "harsher" | "more lenient" | "neutral";
}

export interface SliceAgreement {
  n: number;
  agreement: number | null;
  cohenKappa: number | null;
  weightedKappa: { linear: number | null; quadratic: number | null };
  krippendorffAlpha: number | null;
}

export interface HumanAgreement {
  /** Krippendorff's alpha over every labeller (missing ratings allowed), at the scale's level */
  krippendorffAlpha: number | null;
  level: AlphaLevel;
  /** share of agreeing pairs of labels on items with ≥ 2 labels */
  agreement: number | null;
  /** items labelled by at least two people */
  items: number;
  labellers: string[];
}

export interface CalibrationReport {
  kind: "categorical";
  scale: { name: string; kind: Scale["kind"]; values: Category[]; level: AlphaLevel };
  /** rating pairs compared (human labels with a judge rating) */
  n: number;
  /** distinct items among them */
  items: number;
  labellers: string[];
  /** share of pairs where judge and human gave the same rating */
  agreement: number | null;
  cohenKappa: number | null;
  /** weighted kappa over the declared scale (ordinal and binary scales; null on nominal ones) */
  weightedKappa: { linear: number | null; quadratic: number | null };
  krippendorffAlpha: number | null;
  alphaLevel: AlphaLevel;
  /** rank correlations, ordinal scales only */
  spearman: number | null;
  kendallTauB: number | null;
  confusion: Confusion;
  /** null on nominal scales */
  bias: Bias | null;
  /** seeded percentile bootstrap intervals (items resampled) */
  intervals: {
    method: string;
    resamples: number;
    seed: number;
    confidence: number;
    cohenKappa: BootstrapInterval | null;
    weightedKappaQuadratic: BootstrapInterval | null;
    krippendorffAlpha: BootstrapInterval | null;
  };
  /** agreement per `key=value` tag */
  slices: Record<string, SliceAgreement>;
  /** the ceiling: how well the people agree with each other */
  humanAgreement: HumanAgreement | null;
  /** binary scales with graded judge scores: the cut that best matches human pass/fail */
  threshold: ThresholdSearch | null;
  /** the figures a gate or a scorecard quotes: kappa (quadratic-weighted on ordinal scales) and alpha */
  headline: { kappa: number | null; kappaMethod: string; alpha: number | null };
  methods: Record<string, string>;
}

const DEFAULT_RESAMPLES = 1000;
const DEFAULT_SEED = 20240611;

function columns(pairs: RatingPair[]): { judge: Category[]; human: Category[] } {
  return { judge: pairs.map((p) => p.judge), human: pairs.map((p) => p.human) };
}

function sliceAgreement(pairs: RatingPair[], scale: Scale, labels: Category[]): SliceAgreement {
  const { judge, human } = columns(pairs);
  const weighted = scale.kind === "ordinal" || scale.kind === "binary";
  return {
    n: pairs.length,
    agreement: pairs.length > 0 ? pairs.filter((p) => p.judge === p.human).length / pairs.length : null,
    cohenKappa: kappaOf(judge, human, labels),
    weightedKappa: {
      linear: weighted ? weightedKappaOf(judge, human, labels, "linear") : null,
      quadratic: weighted ? weightedKappaOf(judge, human, labels, "quadratic") : null,
    },
    krippendorffAlpha: pairs.length > 0 ? pairAlpha(judge, human, scale.level, labels) : null,
  };
}

function biasOf(pairs: RatingPair[], scale: Scale): Bias | null {
  if (scale.kind === "nominal" || scale.kind === "pairwise" || pairs.length === 0) return null;
  let sj = 0;
  let sh = 0;
  let higher = 0;
  let lower = 0;
  let n = 0;
  for (const p of pairs) {
    const j = numericValue(scale, p.judge);
    const h = numericValue(scale, p.human);
    if (j === null || h === null) continue;
    n++;
    sj += j;
    sh += h;
    if (j > h) higher++;
    else if (j < h) lower++;
  }
  if (n === 0) return null;
  const difference = (sj - sh) / n;
  return {
    meanJudge: sj / n,
    meanHuman: sh / n,
    difference,
    judgeHigher: higher / n,
    judgeLower: lower / n,
    equal: (n - higher - lower) / n,
    direction: difference < 0 ? "harsher" : difference > 0 ? "more lenient" : "neutral",
  };
}

/** Human–human agreement (the ceiling) over every labeller; null without an item labelled twice. */
export function humanAgreement(labels: HumanLabel[], scale: Scale): HumanAgreement | null {
  const labellers = [...new Set(labels.map((l) => l.labeller))].sort();
  if (labellers.length < 2) return null;
  const byItem = new Map<string, Map<string, Category>>();
  for (const l of labels) {
    let m = byItem.get(l.item);
    if (!m) {
      m = new Map();
      byItem.set(l.item, m);
    }
    m.set(l.labeller, l.value);
  }
  const items = [...byItem.keys()];
  const shared = items.filter((i) => (byItem.get(i)?.size ?? 0) >= 2);
  if (shared.length === 0) return null;
  const s = withObservedValues(
    scale,
    labels.map((l) => l.value),
  );
  const matrix = labellers.map((who) => shared.map((item) => byItem.get(item)?.get(who) ?? null));
  let agreePairs = 0;
  let allPairs = 0;
  for (const item of shared) {
    const values = [...(byItem.get(item)?.values() ?? [])];
    for (let a = 0; a < values.length; a++) {
      for (let b = a + 1; b < values.length; b++) {
        allPairs++;
        if (values[a] === values[b]) agreePairs++;
      }
    }
  }
  return {
    krippendorffAlpha: alphaOf(matrix, s.level, s.values),
    level: s.level,
    agreement: allPairs > 0 ? agreePairs / allPairs : null,
    items: shared.length,
    labellers,
  };
}

/** The calibration report for binary, nominal and ordinal scales. */
export function calibrationReport(pairs: RatingPair[], options: CalibrationOptions): CalibrationReport {
  const scale = withObservedValues(
    options.scale,
    pairs.flatMap((p) => [p.judge, p.human]),
  );
  const labels = scale.values as Category[];
  for (const p of pairs) {
    for (const [who, v] of [
      ["judge", p.judge],
      ["human", p.human],
    ] as const) {
      if (!onScale(scale, v)) {
        throw new RangeError(
          `item ${p.item}: ${who} rating ${JSON.stringify(v)} is not on the scale ${scale.name}`,
        );
      }
    }
  }
  const ordinal = scale.kind === "ordinal";
  const weighted = ordinal || scale.kind === "binary";
  const overall = sliceAgreement(pairs, scale, labels);

  let spearman: number | null = null;
  let kendall: number | null = null;
  if (ordinal) {
    const x: number[] = [];
    const y: number[] = [];
    for (const p of pairs) {
      const j = numericValue(scale, p.judge);
      const h = numericValue(scale, p.human);
      if (j === null || h === null) continue;
      x.push(j);
      y.push(h);
    }
    spearman = spearmanOf(x, y);
    kendall = kendallOf(x, y);
  }

  // Bootstrap over items.
  const groups = new Map<string, RatingPair[]>();
  for (const p of pairs) {
    const g = groups.get(p.item);
    if (g) g.push(p);
    else groups.set(p.item, [p]);
  }
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = seedNumber(options.seed ?? DEFAULT_SEED);
  const confidence = options.confidence ?? 0.95;
  const stats: Record<string, (rows: RatingPair[]) => number | null> = {
    cohenKappa: (rows) => kappaOf(...judgeHuman(rows), labels),
    krippendorffAlpha: (rows) => pairAlphaFast(...judgeHuman(rows), scale.level, labels),
  };
  if (ordinal)
    stats.weightedKappaQuadratic = (rows) => weightedKappaOf(...judgeHuman(rows), labels, "quadratic");
  const boot = itemBootstrap([...groups.values()], stats, { resamples, seed, confidence });

  const tagged = groupBySlice(pairs, (p) => p.tags);
  const slices: Record<string, SliceAgreement> = {};
  for (const key of [...tagged.keys()].sort())
    slices[key] = sliceAgreement(tagged.get(key) ?? [], scale, labels);

  const humans =
    options.humanLabels ?? pairs.map((p) => ({ item: p.item, labeller: p.labeller, value: p.human }));

  let threshold: ThresholdSearch | null = null;
  if (scale.kind === "binary") {
    const graded = pairs.filter((p): p is RatingPair & { score: number } => typeof p.score === "number");
    if (graded.length > 0) {
      threshold = thresholdSearch(
        graded.map((p) => ({ score: p.score, human: p.human === 1 })),
        { current: options.threshold ?? null, by: options.thresholdBy ?? "agreement" },
      );
    }
  }

  const headlineKappa = ordinal ? overall.weightedKappa.quadratic : overall.cohenKappa;
  return {
    kind: "categorical",
    scale: { name: scale.name, kind: scale.kind, values: labels, level: scale.level },
    n: pairs.length,
    items: groups.size,
    labellers: [...new Set(pairs.map((p) => p.labeller))].sort(),
    agreement: overall.agreement,
    cohenKappa: overall.cohenKappa,
    weightedKappa: weighted ? overall.weightedKappa : { linear: null, quadratic: null },
    krippendorffAlpha: overall.krippendorffAlpha,
    alphaLevel: scale.level,
    spearman,
    kendallTauB: kendall,
    confusion: confusionOf(
      pairs.map((p) => p.judge),
      pairs.map((p) => p.human),
      labels,
    ),
    bias: biasOf(pairs, scale),
    intervals: {
      method: "percentile bootstrap, items resampled with replacement (seeded)",
      resamples,
      seed,
      confidence,
      cohenKappa: boot.cohenKappa ?? null,
      weightedKappaQuadratic: boot.weightedKappaQuadratic ?? null,
      krippendorffAlpha: boot.krippendorffAlpha ?? null,
    },
    slices,
    humanAgreement: humanAgreement(humans, options.scale),
    threshold,
    headline: {
      kappa: headlineKappa,
      kappaMethod: ordinal ? "weighted kappa (quadratic)" : "Cohen's kappa",
      alpha: overall.krippendorffAlpha,
    },
    methods: {
      pairs: "one pair per human label: an item labelled by several people is compared with each",
      kappa:
        "Cohen's kappa (scikit-learn convention) over the declared scale; weighted kappa with linear |i−j| or quadratic (i−j)² weights on scale positions",
      alpha: `Krippendorff's alpha (${scale.level}), judge and human as two raters over the pairs`,
      correlations: "Spearman ρ (average ranks) and Kendall τ-b, ordinal scales only",
      bias: "mean judge − mean human on the numeric scale (binary: pass rates); negative = harsher",
      intervals: `${Math.round(confidence * 100)}% percentile bootstrap, ${resamples} resamples of items, seed ${seed}`,
      ceiling: "Krippendorff's alpha over all labellers on items labelled by two or more people",
    },
  };
}

function judgeHuman(rows: RatingPair[]): [Category[], Category[]] {
  return [rows.map((r) => r.judge), rows.map((r) => r.human)];
}
