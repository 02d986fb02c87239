import type { RunRows } from "../../compare/compare.ts";
import { InputError } from "../../config/errors.ts";
import { caseResults } from "../../scorecard/case-results.ts";
import type { StoredCase } from "../../store/types.ts";
import { canonicalJson } from "../../util/canonical-json.ts";

/**
 * Stored runs of several targets over one dataset as a runs × cases matrix: the respondents and
 * items of classical test theory. Each cell is the case's verdict and score as the scorecard
 * computes them (epochs reduced by the dimension's `reduce`, a pass when the reduced score
 * reaches its threshold), so item statistics agree with what `assay show` reports. Pure.
 */

export interface MatrixRun {
  id: string;
  target: string;
  datasetVersion: string;
}

export interface ExcludedCase {
  id: string;
  reason: string;
}

export interface RunItemMatrix {
  /** the dimension the verdicts are of; null = every dimension (a case passes when it passes all of them) */
  dimension: string | null;
  runs: MatrixRun[];
  /** the analysed cases, in the first run's dataset order */
  items: StoredCase[];
  /** passed[run][item]: 1 pass, 0 fail */
  passed: number[][];
  /** scores[run][item]: the dimension's score (or the weighted aggregate), in [0, 1] */
  scores: number[][];
  /** cases left out, and why: a complete matrix is what the statistics assume */
  excluded: ExcludedCase[];
}

interface Cell {
  passed: boolean | null;
  score: number | null;
  errored: boolean;
}

/**
 * The matrix of `rows` (one entry per run). A case is analysed when every run has a verdict on
 * it; one that errored, went unscored or is missing in some run is excluded (an error says
 * nothing about the case's difficulty), and so is a case whose content differs between the
 * runs' dataset versions. Throws an InputError when a run lacks the dimension.
 */
export function itemMatrix(rows: readonly RunRows[], dimension?: string): RunItemMatrix {
  if (rows.length === 0) throw new InputError("no runs given");
  for (const r of rows) {
    if (dimension !== undefined && !(dimension in r.run.dimensions)) {
      throw new InputError(
        `run ${r.run.id} has no dimension "${dimension}" (it has ${Object.keys(r.run.dimensions).join(", ")})`,
      );
    }
  }
  const cells = rows.map((r) => cellsOf(r, dimension));
  const content = rows.map((r) => new Map(r.cases.map((c) => [c.id, contentOf(c)])));
  const first = [...rows[0].cases].sort((a, b) => a.ordinal - b.ordinal);
  const items: StoredCase[] = [];
  const excluded: ExcludedCase[] = [];
  for (const c of first) {
    const reason = exclusion(c, rows, cells, content);
    if (reason) excluded.push({ id: c.id, reason });
    else items.push(c);
  }
  return {
    dimension: dimension ?? null,
    runs: rows.map((r) => ({ id: r.run.id, target: r.run.target, datasetVersion: r.run.datasetVersion })),
    items,
    passed: cells.map((byId) => items.map((c) => (byId.get(c.id)?.passed ? 1 : 0))),
    scores: cells.map((byId) => items.map((c) => byId.get(c.id)?.score as number)),
    excluded,
  };
}

function exclusion(
  c: StoredCase,
  rows: readonly RunRows[],
  cells: Array<Map<string, Cell>>,
  content: Array<Map<string, string>>,
): string | undefined {
  const mine = contentOf(c);
  for (let r = 0; r < rows.length; r++) {
    const run = rows[r].run.id;
    const other = content[r].get(c.id);
    if (other === undefined) return `not in the dataset of run ${run}`;
    if (other !== mine) return `changed between the dataset versions of run ${rows[0].run.id} and run ${run}`;
    const cell = cells[r].get(c.id);
    if (!cell) return `no output in run ${run}`;
    if (cell.errored) return `errored in run ${run}`;
    if (cell.passed === null || cell.score === null) return `unscored in run ${run}`;
  }
  return undefined;
}

function contentOf(c: StoredCase): string {
  return canonicalJson({ input: c.input, expected: c.expected });
}

function cellsOf(rows: RunRows, dimension: string | undefined): Map<string, Cell> {
  const out = new Map<string, Cell>();
  for (const r of caseResults(rows.run, rows.cases, rows.outputs, rows.scores)) {
    if (dimension !== undefined) {
      const d = r.dims.get(dimension);
      out.set(r.c.id, { passed: d?.passed ?? null, score: d?.score ?? null, errored: r.errored });
      continue;
    }
    const scored = [...r.dims.values()].filter((d) => d.passed !== null && d.score !== null);
    const passed = scored.length === 0 ? null : scored.every((d) => d.passed === true);
    const mean =
      scored.length === 0 ? null : scored.reduce((a, d) => a + (d.score as number), 0) / scored.length;
    out.set(r.c.id, { passed, score: r.aggregate ?? mean, errored: r.errored });
  }
  return out;
}
