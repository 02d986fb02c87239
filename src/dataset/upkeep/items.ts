import { itemAnalysis } from "../../stats/items.ts";
import type { ExcludedCase, MatrixRun, RunItemMatrix } from "./matrix.ts";

/**
 * Classical test theory over stored runs (`assay dataset items`): which cases tell the targets
 * apart. The statistics are stats/items.ts's; this names them by case and run. Pure.
 */

export interface ItemStats {
  id: string;
  /** share of the runs passing the case (classical "difficulty" p: high = easy) */
  difficulty: number;
  /** item–rest point-biserial: correlation of passing the case with the run's total over the other cases; null when every run agrees */
  pointBiserial: number | null;
  /** item–total correlation (inflated: the case is part of the total), for comparison with other tools */
  itemTotal: number | null;
  /** Cronbach's α without this case */
  alphaIfDeleted: number | null;
  tags: Record<string, string>;
}

export interface ItemsReport {
  /** the dimension the verdicts are of; null = every dimension */
  dimension: string | null;
  items: ItemStats[];
  /** Kuder–Richardson 20 over the pass/fail matrix (null when undefined: fewer than 2 cases, or every run's total equal) */
  kr20: number | null;
  /** Cronbach's α (equals KR-20 for pass/fail verdicts) */
  alpha: number | null;
  /** runs analysed (the respondents; difficulty's denominator) */
  n: number;
  /** cases analysed */
  nItems: number;
  runs: Array<MatrixRun & { passRate: number | null; score: number | null }>;
  /** cases no run passes: broken, mislabelled or beyond every target */
  nobodyPasses: string[];
  /** cases every run passes: they cost time and tell nothing apart */
  everybodyPasses: string[];
  excluded: ExcludedCase[];
}

const finite = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

const meanOf = (values: number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

export function itemsReport(m: RunItemMatrix): ItemsReport {
  const a = itemAnalysis(m.passed);
  return {
    dimension: m.dimension,
    items: m.items.map((c, j) => ({
      id: c.id,
      difficulty: a.difficulty_p[j],
      pointBiserial: finite(a.point_biserial_item_rest[j]),
      itemTotal: finite(a.point_biserial_item_total[j]),
      alphaIfDeleted: finite(a.alpha_if_deleted[j]),
      tags: c.tags,
    })),
    kr20: finite(a.kr20),
    alpha: finite(a.cronbach_alpha),
    n: m.runs.length,
    nItems: m.items.length,
    runs: m.runs.map((run, r) => ({
      ...run,
      passRate: meanOf(m.passed[r]),
      score: meanOf(m.scores[r]),
    })),
    nobodyPasses: a.floor_items.map((j) => m.items[j].id),
    everybodyPasses: a.ceiling_items.map((j) => m.items[j].id),
    excluded: m.excluded,
  };
}
