import type { CaseResult } from "../../scorecard/case-results.ts";
import { pairedDifference, pairedTTest } from "../../stats/paired.ts";
import { PERTURBATION_TAG, perturbationSource } from "./perturb.ts";

/**
 * The robustness report (`assay dataset robustness`): for each perturbation kind, the score drop
 * from each original case to its perturbed copy, paired by case. A pair is one original and its
 * copy, both scored; the drop is mean(original − perturbed) (positive = worse when perturbed),
 * with the paired t interval (stats/paired.ts) over the pairs, and for pass/fail verdicts the
 * cases that flipped. Pure.
 */

export interface RobustnessMeasure {
  /** pairs with a score on both sides */
  n: number;
  /** mean score of the originals over the pairs */
  original: number | null;
  /** mean score of the perturbed copies over the pairs */
  perturbed: number | null;
  /** mean(original − perturbed): the score drop */
  drop: number | null;
  /** interval of the drop (paired t; null with fewer than 2 pairs) */
  ci: [number, number] | null;
  /** paired t-test of drop = 0 (null when undefined: < 2 pairs, or every pair's drop equal) */
  p: number | null;
  /** verdicts: original passed, copy failed / the reverse (dimensions only) */
  passToFail?: number;
  failToPass?: number;
}

export interface RobustnessKind {
  /** perturbed copies paired with a scored original */
  pairs: number;
  aggregate: RobustnessMeasure;
  dimensions: Record<string, RobustnessMeasure>;
}

export interface RobustnessReport {
  confidence: number;
  /** kind → the drop on the aggregate and on every dimension */
  kinds: Record<string, RobustnessKind>;
  /** perturbed copies whose original is missing or errored */
  unpaired: string[];
}

/**
 * `perturbed`: the rows holding the copies; `originals`: the rows holding their originals (the
 * same run when the perturbed file kept them, else a run over the original dataset).
 */
export function robustnessReport(
  perturbed: readonly CaseResult[],
  originals: readonly CaseResult[],
  dimensions: readonly string[],
  confidence = 0.95,
): RobustnessReport {
  const byId = new Map(originals.map((r) => [r.c.id, r]));
  const pairsByKind = new Map<string, Array<[CaseResult, CaseResult]>>();
  const unpaired: string[] = [];
  for (const row of perturbed) {
    const source = perturbationSource(row.c);
    if (source === undefined) continue;
    const original = byId.get(source);
    if (!original || original.errored || row.errored) {
      unpaired.push(row.c.id);
      continue;
    }
    const kind = row.c.tags[PERTURBATION_TAG];
    const list = pairsByKind.get(kind) ?? [];
    pairsByKind.set(kind, list);
    list.push([original, row]);
  }
  const kinds: Record<string, RobustnessKind> = {};
  for (const [kind, pairs] of [...pairsByKind.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const dims: Record<string, RobustnessMeasure> = {};
    for (const d of dimensions) {
      const scored = pairs.filter(([o, p]) => o.dims.get(d)?.score != null && p.dims.get(d)?.score != null);
      dims[d] = {
        ...measure(
          scored.map(([o]) => o.dims.get(d)?.score as number),
          scored.map(([, p]) => p.dims.get(d)?.score as number),
          confidence,
        ),
        passToFail: scored.filter(
          ([o, p]) => o.dims.get(d)?.passed === true && p.dims.get(d)?.passed === false,
        ).length,
        failToPass: scored.filter(
          ([o, p]) => o.dims.get(d)?.passed === false && p.dims.get(d)?.passed === true,
        ).length,
      };
    }
    const agg = pairs.filter(([o, p]) => o.aggregate !== null && p.aggregate !== null);
    kinds[kind] = {
      pairs: pairs.length,
      aggregate: measure(
        agg.map(([o]) => o.aggregate as number),
        agg.map(([, p]) => p.aggregate as number),
        confidence,
      ),
      dimensions: dims,
    };
  }
  return { confidence, kinds, unpaired };
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function measure(original: number[], perturbed: number[], confidence: number): RobustnessMeasure {
  const n = original.length;
  if (n === 0) return { n, original: null, perturbed: null, drop: null, ci: null, p: null };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const diff = pairedDifference(original, perturbed, confidence);
  const ci: [number, number] | null =
    n >= 2 && Number.isFinite(diff.ci_t[0]) ? [diff.ci_t[0], diff.ci_t[1]] : null;
  return {
    n,
    original: mean(original),
    perturbed: mean(perturbed),
    drop: diff.mean_diff,
    ci,
    p: n >= 2 ? finite(pairedTTest(original, perturbed).p_two_sided) : null,
  };
}
