/**
 * Classical test theory item analysis of a models × items score matrix (for deciding which
 * cases in a suite carry information about the ranking of systems).
 *
 * - difficulty p_j: mean score of item j (proportion correct for 0/1 items).
 * - discrimination: Pearson (= point-biserial for 0/1 items) correlation of the item with the
 *   total score, and with the rest score (total minus the item; psych's `r.drop`). The rest
 *   version is preferred: the item-total one is inflated because the item is part of the total.
 *   Items with zero variance (everyone right, or everyone wrong) have an undefined correlation,
 *   reported as null: they carry no ranking information and are the first candidates to drop.
 * - KR-20 = k/(k−1)·(1 − Σ p_j q_j / Var_pop(total)) for 0/1 items (NaN otherwise), and
 *   Cronbach's α = k/(k−1)·(1 − Σ Var(item_j) / Var(total)) with ddof = 1 (psych `raw_alpha`);
 *   the two coincide for 0/1 items.
 * - α-if-deleted: Cronbach's α of the other k − 1 items (psych `alpha.drop`): an item whose
 *   removal raises α measures something else than the rest (or is noise).
 * - Floor and ceiling items: mean 0 (nobody passes) and mean 1 (everybody passes) — the
 *   zero-variance items split by which end they sit at, because the remedy differs (a floor
 *   item may be broken or too hard; a ceiling item is solved and only costs time).
 */
import { correlation, mean, variance } from "./descriptive.ts";

export interface ItemAnalysisResult {
  n_models: number;
  n_items: number;
  difficulty_p: number[];
  point_biserial_item_total: (number | null)[];
  point_biserial_item_rest: (number | null)[];
  /** Indices of items with zero variance across models. */
  zero_variance_items: number[];
  kr20: number;
  cronbach_alpha: number;
  /** Cronbach's α of the other items, per item (null when fewer than 2 would remain or α is undefined). */
  alpha_if_deleted: (number | null)[];
  /** Indices of items every model scores 0 on (nobody passes). */
  floor_items: number[];
  /** Indices of items every model scores 1 on (everybody passes). */
  ceiling_items: number[];
}

/** Item analysis of `responses[model][item]` (scores, typically 0/1). */
export function itemAnalysis(responses: ArrayLike<ArrayLike<number>>): ItemAnalysisResult {
  const models = responses.length;
  const items = models > 0 ? responses[0].length : 0;
  for (let r = 0; r < models; r++) {
    if (responses[r].length !== items) {
      throw new RangeError(`responses[${r}] has ${responses[r].length} items, expected ${items}`);
    }
    for (let j = 0; j < items; j++) {
      if (!Number.isFinite(responses[r][j]))
        throw new RangeError(`responses[${r}][${j}] is not a finite number`);
    }
  }
  const totals = new Float64Array(models);
  let binary = true;
  for (let r = 0; r < models; r++) {
    for (let j = 0; j < items; j++) {
      const v = responses[r][j];
      totals[r] += v;
      if (v !== 0 && v !== 1) binary = false;
    }
  }
  const difficulty: number[] = [];
  const itemTotal: (number | null)[] = [];
  const itemRest: (number | null)[] = [];
  const zeroVariance: number[] = [];
  const floor: number[] = [];
  const ceiling: number[] = [];
  const itemVar = new Float64Array(items);
  /** Var(total − item_j), the variance of the rest score (α of the other items needs it). */
  const restVar = new Float64Array(items);
  let sumPq = 0;
  let sumItemVar = 0;
  const column = new Float64Array(models);
  const rest = new Float64Array(models);
  for (let j = 0; j < items; j++) {
    for (let r = 0; r < models; r++) {
      column[r] = responses[r][j];
      rest[r] = totals[r] - column[r];
    }
    const p = mean(column);
    difficulty.push(p);
    sumPq += p * (1 - p);
    itemVar[j] = variance(column, 1);
    sumItemVar += itemVar[j];
    restVar[j] = variance(rest, 1);
    const rt = correlation(column, totals);
    const rr = correlation(column, rest);
    itemTotal.push(Number.isNaN(rt) ? null : rt);
    itemRest.push(Number.isNaN(rr) ? null : rr);
    if (variance(column, 0) === 0) zeroVariance.push(j);
    if (models > 0 && column.every((v) => v === 0)) floor.push(j);
    if (models > 0 && column.every((v) => v === 1)) ceiling.push(j);
  }
  const totalVar = variance(totals, 1);
  const alphaIfDeleted: (number | null)[] = [];
  for (let j = 0; j < items; j++) {
    const others = items - 1;
    const a = (others / (others - 1)) * (1 - (sumItemVar - itemVar[j]) / restVar[j]);
    alphaIfDeleted.push(others >= 2 && Number.isFinite(a) ? a : null);
  }
  const k = items;
  const factor = k / (k - 1);
  return {
    n_models: models,
    n_items: items,
    difficulty_p: difficulty,
    point_biserial_item_total: itemTotal,
    point_biserial_item_rest: itemRest,
    zero_variance_items: zeroVariance,
    kr20: binary && k >= 2 ? factor * (1 - sumPq / variance(totals, 0)) : Number.NaN,
    cronbach_alpha: k >= 2 ? factor * (1 - sumItemVar / totalVar) : Number.NaN,
    alpha_if_deleted: alphaIfDeleted,
    floor_items: floor,
    ceiling_items: ceiling,
  };
}
