import type { MonitorReport } from "../api.ts";
import { ci, num, pct, when } from "../format.ts";
import { linePath } from "./charts.tsx";

/**
 * A monitor's time series for one dimension, as plain SVG (classes only, so it sits within the
 * strict CSP). Upper panel: the window mean with its 95% interval as a band, and the pass rate;
 * the reference windows are shaded. Lower panel: the CUSUM statistic per window after the
 * reference, with the decision interval h as a line — a bar above it is an alarm. Windows are
 * evenly spaced in order (hourly windows with gaps in traffic would otherwise squeeze together).
 */

type Window = MonitorReport["windows"][number];
type Cusum = MonitorReport["cusum"][number];

const WIDTH = 720;
const LEFT = 48;
const RIGHT = 16;
const TOP = 26;
const SERIES_H = 170;
const GAP = 34;
const CUSUM_H = 90;
/** room above the CUSUM bars for the value of a bar cut at the top */
const HEADROOM = 14;
const BOTTOM = 30;
const PLOT_W = WIDTH - LEFT - RIGHT;

/** Closed band paths (upper edge forward, lower edge back), one per unbroken run of intervals. */
function bandPaths(points: Array<{ x: number; lo: number; hi: number } | null>): string[] {
  const runs: Array<Array<{ x: number; lo: number; hi: number }>> = [];
  let current: Array<{ x: number; lo: number; hi: number }> = [];
  for (const p of points) {
    if (p === null) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push(p);
  }
  if (current.length > 0) runs.push(current);
  return runs.map((run) => {
    // a lone interval still gets a visible width
    const pts =
      run.length === 1
        ? [
            { ...run[0], x: run[0].x - 3 },
            { ...run[0], x: run[0].x + 3 },
          ]
        : run;
    const upper = pts.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.hi.toFixed(1)}`);
    const lower = [...pts].reverse().map((p) => `L${p.x.toFixed(1)},${p.lo.toFixed(1)}`);
    return `${upper.join(" ")} ${lower.join(" ")} Z`;
  });
}

/** A window's start for an axis label: record-count windows by number, time windows by time. */
function windowLabel(w: Window, i: number, spec: MonitorReport["window"]): string {
  return typeof spec === "number" ? `#${i + 1}` : when(w.start);
}

export function MonitorSeriesChart(props: { report: MonitorReport; dimension: string }) {
  const { report, dimension } = props;
  const windows = report.windows;
  const cusum: Cusum | undefined = report.cusum.find((c) => c.dimension === dimension);
  const n = windows.length;
  if (n === 0) return <p className="muted">No windows yet: nothing has been scored.</p>;
  const step = n === 1 ? 0 : PLOT_W / (n - 1);
  const x = (i: number) => LEFT + (n === 1 ? PLOT_W / 2 : i * step);
  const y = (v: number) => TOP + SERIES_H - v * SERIES_H;
  const cusumTop = TOP + SERIES_H + GAP;
  const stats = windows.map((w) => w.cusum?.[dimension]);
  const h = cusum?.h ?? null;
  const sMax = Math.max(0, ...stats.filter((v): v is number => v !== undefined));
  // the axis stops at 4h so h stays readable; a bar past it is cut and its value written above it
  const cMax = (h !== null ? Math.max(h * 1.5, Math.min(sMax, h * 4)) : sMax) || 1;
  const yc = (v: number) => cusumTop + HEADROOM + CUSUM_H - (Math.min(v, cMax) / cMax) * CUSUM_H;
  const barW = Math.max(2, Math.min(18, (n === 1 ? PLOT_W : step) * 0.6));
  const height = cusumTop + HEADROOM + CUSUM_H + BOTTOM;
  const refCount = Math.min(report.reference.needed, n);
  const dims = windows.map((w) => w.dimensions[dimension]);
  const band = bandPaths(dims.map((d, i) => (d?.ci ? { x: x(i), lo: y(d.ci[0]), hi: y(d.ci[1]) } : null)));
  const ticks = n <= 6 ? windows.map((_, i) => i) : [0, Math.floor((n - 1) / 2), n - 1];
  const anchor = (i: number) => (n === 1 ? "middle" : i === 0 ? "start" : i === n - 1 ? "end" : "middle");
  const half = n === 1 ? PLOT_W / 2 : step / 2;
  return (
    <svg
      className="chart monitor-chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width={WIDTH}
      height={height}
      role="img"
      aria-label={`${dimension}: window mean with 95% interval, pass rate, and CUSUM per window`}
      data-testid="monitor-chart"
      data-dimension={dimension}
    >
      {refCount > 0 && (
        <g data-testid="reference-band">
          <rect
            x={Math.max(LEFT, x(0) - half)}
            y={TOP}
            width={Math.min(LEFT + PLOT_W, x(refCount - 1) + half) - Math.max(LEFT, x(0) - half)}
            height={SERIES_H}
            className="reference-band"
          >
            <title>{`the reference: the first ${report.reference.needed} windows set the baseline`}</title>
          </rect>
          <text x={Math.max(LEFT, x(0) - half) + 4} y={TOP + SERIES_H - 6} className="axis">
            reference
          </text>
        </g>
      )}
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={LEFT} x2={LEFT + PLOT_W} y1={y(t)} y2={y(t)} className="grid" />
          <text x={LEFT - 6} y={y(t) + 4} textAnchor="end" className="axis">
            {t}
          </text>
        </g>
      ))}
      {band.map((d) => (
        <path key={d} d={d} className="ci-band" />
      ))}
      <path
        d={linePath(dims.map((d, i) => (d?.mean == null ? null : [x(i), y(d.mean)])))}
        className="series series-mean"
      />
      <path
        d={linePath(dims.map((d, i) => (d?.passRate == null ? null : [x(i), y(d.passRate)])))}
        className="series series-pass"
      />
      {dims.map((d, i) => {
        const w = windows[i];
        if (d?.mean == null) return null;
        return (
          <circle
            // biome-ignore lint/suspicious/noArrayIndexKey: windows are identified by their place
            key={`m${i}`}
            cx={x(i)}
            cy={y(d.mean)}
            r={3.5}
            className={w.complete ? "dot" : "dot dot-open"}
            data-testid="window-point"
            data-window={w.start}
          >
            <title>
              {`${windowLabel(w, i, report.window)}: mean ${num(d.mean)} ${ci(d.ci)}, pass ${pct(d.passRate)} (${d.passes}/${d.n})${d.unscored > 0 ? `, ${d.unscored} unscored` : ""}${w.complete ? "" : " · window still filling"}`}
            </title>
          </circle>
        );
      })}
      {dims.map((d, i) =>
        d?.passRate == null ? null : (
          <rect
            // biome-ignore lint/suspicious/noArrayIndexKey: windows are identified by their place
            key={`p${i}`}
            x={x(i) - 2.5}
            y={y(d.passRate) - 2.5}
            width={5}
            height={5}
            className="point point-pass"
            data-testid="window-pass"
          >
            <title>{`pass rate ${pct(d.passRate)} ${d.passCi ? `[${pct(d.passCi[0])}, ${pct(d.passCi[1])}]` : ""}`}</title>
          </rect>
        ),
      )}
      <text x={LEFT} y={TOP - 10} className="axis">
        mean (line, band: 95% interval) · pass rate (dashed)
      </text>

      <text x={LEFT} y={cusumTop - 6} className="axis">
        {cusum
          ? "CUSUM statistic S per window (bars); alarm above h"
          : "CUSUM: starts after the reference windows"}
      </text>
      <line x1={LEFT} x2={LEFT + PLOT_W} y1={yc(0)} y2={yc(0)} className="grid" />
      <text x={LEFT - 6} y={yc(0) + 4} textAnchor="end" className="axis">
        0
      </text>
      {stats.map((s, i) => {
        if (s === undefined) return null;
        const alarm = h !== null && s > h;
        const cut = s > cMax;
        return (
          <g
            // biome-ignore lint/suspicious/noArrayIndexKey: windows are identified by their place
            key={`c${i}`}
          >
            <rect
              x={x(i) - barW / 2}
              y={yc(s)}
              width={barW}
              height={Math.max(yc(0) - yc(s), s > 0 ? 1 : 0)}
              className={alarm ? "bar bar-alarm" : "bar"}
              data-testid="cusum-bar"
              data-window={windows[i].start}
              data-value={s}
            >
              <title>{`${windowLabel(windows[i], i, report.window)}: S = ${s.toFixed(2)}${alarm ? " > h: alarm" : ""}`}</title>
            </rect>
            {cut && (
              <text x={x(i)} y={yc(cMax) - 3} textAnchor="middle" className="value">
                {num(s, 1)}
              </text>
            )}
          </g>
        );
      })}
      {h !== null && (
        <g data-testid="cusum-h" data-h={h}>
          <line x1={LEFT} x2={LEFT + PLOT_W} y1={yc(h)} y2={yc(h)} className="threshold" />
          <text x={LEFT - 6} y={yc(h) + 4} textAnchor="end" className="axis">
            {`h ${num(h, 2)}`}
          </text>
        </g>
      )}
      {ticks.map((i) => (
        <text key={i} x={x(i)} y={height - 10} textAnchor={anchor(i)} className="axis">
          {windowLabel(windows[i], i, report.window)}
        </text>
      ))}
    </svg>
  );
}
