import { useState } from "react";
import { enc, type LeaderboardEntry, type LeaderboardResponse, useApi } from "../api.ts";
import { heatClass } from "../components/charts.tsx";
import { Pending, Section } from "../components/common.tsx";
import { ci, int, ms, num, pct, points, ptsCi, pval, usd } from "../format.ts";
import { Link } from "../router.tsx";

type Level = string | number;

/** Factors with at least two levels over the entries, levels in order of appearance. */
export function matrixFactors(entries: LeaderboardEntry[]): Map<string, Level[]> {
  const levels = new Map<string, Level[]>();
  for (const e of entries) {
    for (const [f, v] of Object.entries(e.factors ?? {})) {
      const list = levels.get(f) ?? [];
      if (!list.includes(v)) list.push(v);
      levels.set(f, list);
    }
  }
  return new Map([...levels].filter(([, l]) => l.length > 1));
}

/** The measure a matrix cell shows: `aggregate` or a dimension's mean. */
function measureOf(e: LeaderboardEntry, measure: string): number | null {
  return measure === "aggregate" ? e.aggregate.mean : (e.dimensions[measure]?.mean ?? null);
}

export interface MatrixCell {
  mean: number | null;
  /** combinations of the other factors averaged in the cell */
  combinations: number;
}

/**
 * The variant matrix: rows are `rowFactor`'s levels, columns `colFactor`'s (null: one column), and
 * a cell the mean of `measure` over the combinations of the remaining factors (runs of one
 * combination averaged first, so a repeated combination does not weigh more).
 */
export function variantMatrix(
  entries: LeaderboardEntry[],
  rowFactor: string,
  colFactor: string | null,
  measure: string,
): { rows: Level[]; cols: Level[]; cells: MatrixCell[][] } {
  const factors = matrixFactors(entries);
  const rows = factors.get(rowFactor) ?? [];
  const cols = colFactor === null ? [""] : (factors.get(colFactor) ?? []);
  const others = [...factors.keys()].filter((f) => f !== rowFactor && f !== colFactor);
  const inMatrix = entries.filter((e) => [...factors.keys()].every((f) => e.factors?.[f] !== undefined));
  const cells = rows.map((r) =>
    cols.map((c): MatrixCell => {
      const byCombination = new Map<string, number[]>();
      for (const e of inMatrix) {
        if (e.factors?.[rowFactor] !== r || (colFactor !== null && e.factors?.[colFactor] !== c)) continue;
        const v = measureOf(e, measure);
        if (v === null) continue;
        const key = JSON.stringify(others.map((f) => e.factors?.[f]));
        byCombination.set(key, [...(byCombination.get(key) ?? []), v]);
      }
      const means = [...byCombination.values()].map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
      return {
        mean: means.length === 0 ? null : means.reduce((a, b) => a + b, 0) / means.length,
        combinations: means.length,
      };
    }),
  );
  return { rows, cols, cells };
}

function VariantMatrix(props: { board: LeaderboardResponse }) {
  const { entries } = props.board;
  const factors = matrixFactors(entries);
  const names = [...factors.keys()];
  const [rowFactor, setRow] = useState(names[0]);
  const [colFactor, setCol] = useState<string | null>(names[1] ?? null);
  const [measure, setMeasure] = useState("aggregate");
  const dims = Object.keys(entries[0]?.dimensions ?? {});
  const row = names.includes(rowFactor) ? rowFactor : names[0];
  const col = colFactor !== null && names.includes(colFactor) && colFactor !== row ? colFactor : null;
  const m = variantMatrix(entries, row, col, measure);
  const others = names.filter((f) => f !== row && f !== col);
  return (
    <Section
      title="Variant matrix"
      right={
        <span className="muted">
          {others.length > 0 ? `averaged over ${others.join(", ")}` : "every factor shown"}
        </span>
      }
      id="matrix"
    >
      <div className="matrix-controls">
        <label>
          rows
          <select value={row} onChange={(e) => setRow(e.target.value)} data-testid="matrix-rows">
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          columns
          <select
            value={col ?? ""}
            onChange={(e) => setCol(e.target.value || null)}
            data-testid="matrix-cols"
          >
            <option value="">(none)</option>
            {names
              .filter((n) => n !== row)
              .map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </label>
        <label>
          cell
          <select value={measure} onChange={(e) => setMeasure(e.target.value)} data-testid="matrix-measure">
            <option value="aggregate">aggregate</option>
            {dims.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="heat-wrap">
        <table className="heat" data-testid="variant-matrix">
          <thead>
            <tr>
              <th>
                {row}
                {col ? ` \\ ${col}` : ""}
              </th>
              {m.cols.map((c) => (
                <th key={String(c)}>{col ? String(c) : `mean ${measure}`}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {m.rows.map((r, i) => (
              <tr key={String(r)}>
                <th scope="row">{String(r)}</th>
                {m.cells[i].map((cell, j) => (
                  <td
                    key={String(m.cols[j])}
                    className={heatClass(cell.mean)}
                    data-cell={`${String(r)}|${String(m.cols[j])}`}
                    data-mean={cell.mean ?? ""}
                  >
                    <span
                      className="heat-cell"
                      title={`${row}=${String(r)}${col ? ` · ${col}=${String(m.cols[j])}` : ""}: mean ${measure} ${num(cell.mean)} over ${cell.combinations} combination(s)`}
                    >
                      {num(cell.mean, 3)}
                      <small>{cell.combinations} comb.</small>
                    </span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function MainEffects(props: { board: LeaderboardResponse }) {
  const effects = props.board.mainEffects ?? [];
  return (
    <Section title="Main effects" id="main-effects">
      {props.board.methods.mainEffects && <p className="muted">{props.board.methods.mainEffects}</p>}
      <table className="grid-table compact" data-testid="main-effects">
        <thead>
          <tr>
            <th>factor</th>
            <th>effect</th>
            <th className="num">Δ pts</th>
            <th>95% CI (pts)</th>
            <th className="num">cases</th>
            <th className="num">combinations</th>
            <th className="num">p</th>
            <th className="num">p (Holm)</th>
          </tr>
        </thead>
        <tbody>
          {effects.map((e) => (
            <tr key={`${e.factor}|${e.a}|${e.b}`} data-effect={`${e.factor}:${e.a}->${e.b}`}>
              <td>{e.factor}</td>
              <td>
                {String(e.b)} vs {String(e.a)}
              </td>
              <td className="num">{points(e.delta, true)}</td>
              <td>{ptsCi(e.ci)}</td>
              <td className="num">{int(e.n)}</td>
              <td className="num">{int(e.combinations)}</td>
              <td className="num">{pval(e.p)}</td>
              <td className="num">{pval(e.pAdjusted)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/**
 * `/compare?runs=A,B,C`: the leaderboard of three or more runs (as `assay compare A B C`), and for
 * runs of a variant matrix the matrix view and the main effects of each factor.
 */
export function LeaderboardPage(props: { runs: string[] }) {
  const { data, error } = useApi<LeaderboardResponse>(
    `/api/leaderboard?runs=${props.runs.map(enc).join(",")}`,
  );
  const crumbs = (
    <p className="crumbs">
      <Link to="/">Runs</Link> / leaderboard
    </p>
  );
  if (error || !data)
    return (
      <Pending crumbs={crumbs} error={error} what="leaderboard (paired tests take a moment on large runs)" />
    );
  const hasFactors = matrixFactors(data.entries).size > 0;
  const targetOf = new Map(data.records.map((r) => [r.id, r]));
  return (
    <>
      {crumbs}
      <h1>Leaderboard of {data.entries.length} runs</h1>
      <p className="meta">
        dataset <span className="mono">{data.datasetVersion}</span> · {int(data.cases)} shared cases · α{" "}
        {data.alpha}
        {data.volume !== undefined ? ` · monthly cost at ${int(data.volume)} cases a month` : ""}
      </p>
      <Section title="Ranking">
        <table className="grid-table compact" data-testid="leaderboard">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>target</th>
              <th>run</th>
              <th className="num">aggregate</th>
              <th>95% CI</th>
              <th className="num">vs best Δ pts</th>
              <th className="num">p (Holm)</th>
              <th>tied with best</th>
              <th>Pareto</th>
              <th className="num">cost per case</th>
              {data.volume !== undefined && <th className="num">per month</th>}
              <th className="num">p95</th>
              <th className="num">errors</th>
              {hasFactors && <th>factors</th>}
            </tr>
          </thead>
          <tbody>
            {data.entries.map((e) => (
              <tr key={e.run} data-run={e.run}>
                <td className="num">{e.rank}</td>
                <td>{e.target}</td>
                <td>
                  <Link to={`/runs/${enc(e.run)}`} className="mono">
                    {e.run}
                  </Link>
                  {targetOf.get(e.run)?.status !== "completed" ? ` (${targetOf.get(e.run)?.status})` : ""}
                </td>
                <td className="num">{num(e.aggregate.mean)}</td>
                <td>{ci(e.aggregate.ci)}</td>
                <td className="num">{e.vsBest ? points(e.vsBest.delta, true) : "best"}</td>
                <td className="num">{e.vsBest ? pval(e.vsBest.pAdjusted) : "—"}</td>
                <td>{e.tiedWithBest ? "yes" : "no"}</td>
                <td>{e.pareto ? "front" : ""}</td>
                <td className="num">{usd(e.costPerCase)}</td>
                {data.volume !== undefined && <td className="num">{usd(e.monthlyCost?.mean)}</td>}
                <td className="num">{ms(e.latencyP95Ms)}</td>
                <td className="num">{pct(e.errorRate)}</td>
                {hasFactors && (
                  <td className="mono">
                    {Object.entries(e.factors ?? {})
                      .map(([k, v]) => `${k}=${v}`)
                      .join(" · ")}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          {data.methods.tie} · Pareto: {data.methods.pareto}
        </p>
      </Section>
      {hasFactors && <VariantMatrix board={data} />}
      {(data.mainEffects?.length ?? 0) > 0 && <MainEffects board={data} />}
    </>
  );
}
