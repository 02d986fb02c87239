import type { HistogramBin, Scorecard } from "../api.ts";
import { ci, ms, num, pct } from "../format.ts";

type DimensionStats = Scorecard["slices"][string][string];

/** Charts as plain SVG: no inline styles or scripts, so they sit within the strict CSP. */

/** Each dimension's mean with its 95% interval, the threshold as a tick, on a 0–1 axis. */
export function DimensionWhiskers(props: { scorecard: Scorecard }) {
  const dims = Object.entries(props.scorecard.dimensions);
  const labelW = 170;
  const plotW = 420;
  const rowH = 30;
  const width = labelW + plotW + 150;
  const height = dims.length * rowH + 30;
  const x = (v: number) => labelW + v * plotW;
  const agg = props.scorecard.aggregate;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height + rowH}`}
      width={width}
      height={height + rowH}
      role="img"
      aria-label="dimension means with 95% intervals"
    >
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={4} y2={height + rowH - 22} className="grid" />
          <text x={x(t)} y={height + rowH - 6} className="axis" textAnchor="middle">
            {t}
          </text>
        </g>
      ))}
      {[
        ...dims.map(([name, d]) => ({
          name,
          mean: d.mean,
          ci: d.ci,
          threshold: d.threshold,
          passRate: d.passRate,
          n: d.n,
        })),
        {
          name: "aggregate",
          mean: agg.mean,
          ci: agg.ci,
          threshold: null,
          passRate: null,
          n: agg.n,
        },
      ].map((d, i) => {
        const y = 16 + i * rowH;
        const below = d.mean !== null && d.threshold !== null && d.mean < d.threshold;
        return (
          <g key={d.name} className={d.name === "aggregate" ? "agg-row" : undefined}>
            <text x={labelW - 10} y={y + 4} textAnchor="end" className="label">
              {d.name}
            </text>
            {d.ci && (
              <>
                <line x1={x(d.ci[0])} x2={x(d.ci[1])} y1={y} y2={y} className="whisker" />
                <line x1={x(d.ci[0])} x2={x(d.ci[0])} y1={y - 5} y2={y + 5} className="whisker" />
                <line x1={x(d.ci[1])} x2={x(d.ci[1])} y1={y - 5} y2={y + 5} className="whisker" />
              </>
            )}
            {d.threshold !== null && d.threshold > 0 && d.threshold <= 1 && (
              <line x1={x(d.threshold)} x2={x(d.threshold)} y1={y - 9} y2={y + 9} className="threshold">
                <title>threshold {d.threshold}</title>
              </line>
            )}
            {d.mean !== null && (
              <circle cx={x(d.mean)} cy={y} r={5} className={below ? "dot dot-below" : "dot"}>
                <title>
                  {`${d.name}: mean ${num(d.mean)} ${d.ci ? `[${num(d.ci[0])}, ${num(d.ci[1])}]` : ""}, n=${d.n}`}
                </title>
              </circle>
            )}
            <text x={labelW + plotW + 12} y={y + 4} className="value">
              {num(d.mean)}
              {d.passRate !== null ? ` · pass ${pct(d.passRate, 0)}` : ""}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Colour class for a 0–1 value: ten steps from red through amber to green. */
export function heatClass(v: number | null): string {
  if (v === null) return "heat-none";
  return `heat-${Math.max(0, Math.min(9, Math.floor(v * 10)))}`;
}

/** Slices with fewer cases than this are hatched: their means swing with a case or two. */
export const SMALL_SLICE = 10;

/** What a heat-map cell says on hover: the mean with its interval, the pass rate with its interval, n. */
function cellTitle(slice: string, dimension: string, st: DimensionStats | undefined): string {
  if (!st) return `${slice} × ${dimension}: no scores`;
  const parts = [`${slice} × ${dimension}`, `mean ${num(st.mean)} ${ci(st.ci)}`];
  if (st.passRate !== null) parts.push(`pass ${pct(st.passRate, 0)} ${pctCi(st.passCi)}`);
  parts.push(`n ${st.n}${st.unscored > 0 ? ` (+${st.unscored} unscored)` : ""}`);
  if (st.n < SMALL_SLICE) parts.push(`fewer than ${SMALL_SLICE} cases: read with care`);
  return parts.join(" · ");
}

function pctCi(v: [number, number] | null): string {
  return v ? `[${pct(v[0], 0)}, ${pct(v[1], 0)}]` : "";
}

/**
 * Slice × dimension mean scores. Hovering a cell gives its interval and n; slices with fewer than
 * SMALL_SLICE cases are hatched; a click filters the case table to that slice's failures.
 */
export function SliceHeatMap(props: {
  scorecard: Scorecard;
  onPick?: (slice: string, dimension: string) => void;
}) {
  const dims = Object.keys(props.scorecard.dimensions);
  const slices = Object.keys(props.scorecard.slices);
  if (slices.length === 0) return <p className="muted">No slices: the cases carry no tags.</p>;
  return (
    <div className="heat-wrap">
      <table className="heat" data-testid="heatmap">
        <thead>
          <tr>
            <th>slice</th>
            {dims.map((d) => (
              <th key={d}>{d}</th>
            ))}
            <th>aggregate</th>
          </tr>
        </thead>
        <tbody>
          {slices.map((s) => {
            const entry = props.scorecard.slices[s];
            return (
              <tr key={s}>
                <th scope="row">{s}</th>
                {[...dims, "aggregate"].map((d) => {
                  const st = entry[d];
                  const mean = st?.mean ?? null;
                  const n = st?.n ?? 0;
                  const label = cellTitle(s, d, st);
                  const small = n < SMALL_SLICE ? " heat-small" : "";
                  return (
                    <td key={d} className={`${heatClass(mean)}${small}`} data-cell={`${s}|${d}`}>
                      {props.onPick && d !== "aggregate" ? (
                        <button
                          type="button"
                          className="heat-cell"
                          title={label}
                          aria-label={label}
                          onClick={() => props.onPick?.(s, d)}
                        >
                          {num(mean, 2)}
                          <small>n {n}</small>
                        </button>
                      ) : (
                        <span className="heat-cell" title={label}>
                          {num(mean, 2)}
                          <small>n {n}</small>
                        </span>
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted heat-legend">
        <span className="heat-swatch heat-small" /> hatched: fewer than {SMALL_SLICE} cases · hover a cell for
        its 95% interval
      </p>
    </div>
  );
}

export function LatencyHistogram(props: { bins: HistogramBin[]; p50: number | null; p95: number | null }) {
  const { bins } = props;
  if (bins.length === 0) return <p className="muted">No latencies: every call failed.</p>;
  const width = 560;
  const height = 150;
  const pad = 24;
  const max = Math.max(...bins.map((b) => b.count), 1);
  const lo = bins[0].from;
  const hi = bins[bins.length - 1].to;
  const barW = (width - 2 * pad) / bins.length;
  // bins are equal steps up to p99 and the last holds the tail: place a value within its bin
  const x = (v: number) => {
    const found = bins.findIndex((b) => v <= b.to);
    const k = found < 0 ? bins.length - 1 : found;
    const b = bins[k];
    const f = b.to > b.from ? (Math.min(v, b.to) - b.from) / (b.to - b.from) : 0;
    return pad + (k + Math.max(0, f)) * barW;
  };
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height + 20}`}
      width={width}
      height={height + 20}
      role="img"
      aria-label="latency histogram"
    >
      {bins.map((b, i) => {
        const h = (b.count / max) * (height - 10);
        return (
          <rect
            key={b.from}
            x={pad + i * barW + 1}
            y={height - h}
            width={Math.max(barW - 2, 1)}
            height={h}
            className="bar"
          >
            <title>{`${ms(b.from)}–${ms(b.to)}: ${b.count}`}</title>
          </rect>
        );
      })}
      {[
        ["p50", props.p50],
        ["p95", props.p95],
      ].map(([name, v]) =>
        typeof v === "number" ? (
          <g key={String(name)}>
            <line x1={x(v)} x2={x(v)} y1={4} y2={height} className="marker" />
            <text x={x(v) + 3} y={name === "p50" ? 12 : 24} className="axis">
              {`${name} ${ms(v)}`}
            </text>
          </g>
        ) : null,
      )}
      <text x={pad} y={height + 16} className="axis">
        {ms(lo)}
      </text>
      <text x={width - pad} y={height + 16} className="axis" textAnchor="end">
        {`${ms(hi)} (max)`}
      </text>
    </svg>
  );
}

export function ErrorBars(props: { byClass: Record<string, number | undefined>; total: number }) {
  const entries = Object.entries(props.byClass).filter(
    (e): e is [string, number] => typeof e[1] === "number" && e[1] > 0,
  );
  if (entries.length === 0) return <p className="muted">No errors.</p>;
  const max = Math.max(...entries.map(([, n]) => n));
  return (
    <svg
      className="chart"
      viewBox={`0 0 420 ${entries.length * 24 + 6}`}
      width={420}
      height={entries.length * 24 + 6}
      role="img"
      aria-label="errors by class"
    >
      {entries
        .sort((a, b) => b[1] - a[1])
        .map(([cls, n], i) => (
          <g key={cls}>
            <text x={140} y={i * 24 + 17} textAnchor="end" className="label">
              {cls}
            </text>
            <rect x={148} y={i * 24 + 5} width={(n / max) * 200} height={16} className="bar bar-error" />
            <text x={152 + (n / max) * 200} y={i * 24 + 17} className="value">
              {`${n} (${pct(props.total > 0 ? n / props.total : 0)})`}
            </text>
          </g>
        ))}
    </svg>
  );
}
