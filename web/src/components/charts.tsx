import type { HistogramBin, ProbeReport, Scorecard } from "../api.ts";
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

/** An SVG line path through the points, broken where a point is missing (null). */
export function linePath(points: Array<[number, number] | null>): string {
  const parts: string[] = [];
  let pen = "M";
  for (const p of points) {
    if (p === null) {
      pen = "M";
      continue;
    }
    parts.push(`${pen}${p[0].toFixed(1)},${p[1].toFixed(1)}`);
    pen = "L";
  }
  return parts.join(" ");
}

/** Ticks for a 0..max axis: about five round steps. */
function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/**
 * A probe's ramp: throughput (successful calls a second, left axis) and p95 latency (right axis)
 * at each step, steps evenly spaced in the order run (a doubling ramp reads as a log axis). The
 * knee is a dashed line at its step; steps past it are shaded.
 */
export function ProbeChart(props: { report: ProbeReport }) {
  const { report } = props;
  const rate = report.mode === "rate";
  const steps = report.steps;
  if (steps.length === 0) return <p className="muted">No step ran.</p>;
  const width = 640;
  const height = 260;
  const left = 56;
  const right = 64;
  const top = 16;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const at = (s: (typeof steps)[number]) => (rate ? (s.rate ?? s.concurrency) : s.concurrency);
  const x = (i: number) => left + (steps.length === 1 ? plotW / 2 : (i / (steps.length - 1)) * plotW);
  const tTicks = niceTicks(Math.max(...steps.map((s) => s.throughput)));
  const p95s = steps.map((s) => s.latencyMs.p95);
  const lTicks = niceTicks(Math.max(0, ...p95s.filter((v): v is number => v !== null)));
  const tMax = tTicks[tTicks.length - 1] || 1;
  const lMax = lTicks[lTicks.length - 1] || 1;
  const yT = (v: number) => top + plotH - (v / tMax) * plotH;
  const yL = (v: number) => top + plotH - (v / lMax) * plotH;
  const kneeAt = rate ? report.knee.rate : report.knee.concurrency;
  const kneeIndex = kneeAt === null || kneeAt === undefined ? -1 : steps.findIndex((s) => at(s) === kneeAt);
  const unit = rate ? "calls started per second" : "concurrency (calls in flight)";
  return (
    <svg
      className="chart probe-chart"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`throughput and p95 latency by ${unit}`}
      data-testid="probe-chart"
    >
      {kneeIndex >= 0 && kneeIndex < steps.length - 1 && (
        <rect
          x={(x(kneeIndex) + x(kneeIndex + 1)) / 2}
          y={top}
          width={left + plotW - (x(kneeIndex) + x(kneeIndex + 1)) / 2}
          height={plotH}
          className="past-knee"
        >
          <title>past the knee</title>
        </rect>
      )}
      {tTicks.map((t) => (
        <g key={`t${t}`}>
          <line x1={left} x2={left + plotW} y1={yT(t)} y2={yT(t)} className="grid" />
          <text x={left - 6} y={yT(t) + 4} textAnchor="end" className="axis axis-throughput">
            {t}
          </text>
        </g>
      ))}
      {lTicks.map((t) => (
        <text key={`l${t}`} x={left + plotW + 6} y={yL(t) + 4} className="axis axis-latency">
          {ms(t)}
        </text>
      ))}
      {steps.map((s, i) => (
        <text key={`x${at(s)}`} x={x(i)} y={top + plotH + 16} textAnchor="middle" className="axis">
          {at(s)}
        </text>
      ))}
      <text x={left + plotW / 2} y={height - 6} textAnchor="middle" className="axis">
        {unit}
      </text>
      <text x={left} y={top - 4} className="axis axis-throughput">
        ok/s
      </text>
      <text x={left + plotW} y={top - 4} textAnchor="end" className="axis axis-latency">
        p95
      </text>
      <path
        d={linePath(steps.map((s, i) => [x(i), yT(s.throughput)]))}
        className="series series-throughput"
      />
      <path
        // a step without a p95 (no call succeeded) breaks the line
        d={linePath(p95s.map((v, i) => (v === null ? null : [x(i), yL(v)])))}
        className="series series-latency"
      />
      {steps.map((s, i) => (
        <circle
          key={`t${at(s)}`}
          cx={x(i)}
          cy={yT(s.throughput)}
          r={4}
          className="point point-throughput"
          data-series="throughput"
          data-step={at(s)}
        >
          <title>{`${at(s)}: ${s.throughput.toFixed(1)} ok/s`}</title>
        </circle>
      ))}
      {steps.map((s, i) =>
        s.latencyMs.p95 === null ? null : (
          <rect
            key={`l${at(s)}`}
            x={x(i) - 4}
            y={yL(s.latencyMs.p95) - 4}
            width={8}
            height={8}
            className="point point-latency"
            data-series="p95"
            data-step={at(s)}
          >
            <title>{`${at(s)}: p95 ${ms(s.latencyMs.p95)}`}</title>
          </rect>
        ),
      )}
      {kneeIndex >= 0 && (
        <g data-testid="probe-knee-marker" data-step={kneeAt ?? undefined}>
          <line x1={x(kneeIndex)} x2={x(kneeIndex)} y1={top} y2={top + plotH} className="knee" />
          <text x={x(kneeIndex) + 4} y={top + 12} className="label">
            {`knee ${kneeAt}`}
          </text>
        </g>
      )}
    </svg>
  );
}

type ConfidenceView = NonNullable<Scorecard["confidence"]>;

/**
 * The reliability diagram: per confidence bin, a bar to its accuracy and a point at (mean
 * confidence, accuracy), with the bin's count above it; a perfectly calibrated target sits on the
 * diagonal.
 */
export function ReliabilityDiagram(props: { bins: ConfidenceView["bins"] }) {
  const size = 300;
  const left = 40;
  const top = 18;
  const bottom = 36;
  const x = (v: number) => left + v * size;
  const y = (v: number) => top + size - v * size;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${left + size + 20} ${top + size + bottom}`}
      width={left + size + 20}
      height={top + size + bottom}
      role="img"
      aria-label="reliability diagram: accuracy by confidence bin"
      data-testid="reliability-diagram"
    >
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} className="grid" />
          <text x={left - 6} y={y(t) + 4} textAnchor="end" className="axis">
            {t}
          </text>
          <text x={x(t)} y={top + size + 14} textAnchor="middle" className="axis">
            {t}
          </text>
        </g>
      ))}
      <line x1={x(0)} x2={x(1)} y1={y(0)} y2={y(1)} className="diagonal" />
      {props.bins.map((b) => (
        <g key={b.lo} data-testid="reliability-bin" data-lo={b.lo} data-n={b.n}>
          {b.accuracy !== null && (
            <rect
              x={x(b.lo) + 1}
              y={y(b.accuracy)}
              width={Math.max((b.hi - b.lo) * size - 2, 1)}
              height={b.accuracy * size}
              className="bar bar-reliability"
            >
              <title>
                {`${b.lo.toFixed(2)}–${b.hi.toFixed(2)}: accuracy ${pct(b.accuracy)}, mean confidence ${num(b.meanConfidence, 2)}, n ${b.n}`}
              </title>
            </rect>
          )}
          {b.accuracy !== null && b.meanConfidence !== null && (
            <circle cx={x(b.meanConfidence)} cy={y(b.accuracy)} r={3.5} className="dot" />
          )}
          <text
            x={x((b.lo + b.hi) / 2)}
            y={(b.accuracy === null ? y(0) : y(b.accuracy)) - 4}
            textAnchor="middle"
            className="value bin-count"
          >
            {b.n}
          </text>
        </g>
      ))}
      <text x={left + size / 2} y={top + size + 30} textAnchor="middle" className="axis">
        confidence (bars: accuracy per bin, numbers: results in the bin)
      </text>
    </svg>
  );
}

/** The selective-prediction curve: accuracy against coverage as the threshold rises; the escalation point marked. */
export function SelectiveCurve(props: {
  selective: ConfidenceView["selective"];
  escalation?: ConfidenceView["escalation"];
}) {
  const width = 360;
  const height = 240;
  const left = 44;
  const top = 14;
  const bottom = 36;
  const plotW = width - left - 16;
  const plotH = height - top - bottom;
  const points = props.selective;
  if (points.length === 0) return <p className="muted">No threshold to draw.</p>;
  const lo = Math.min(...points.map((p) => p.accuracy));
  const yMin = Math.max(0, Math.floor(lo * 10) / 10 - 0.1);
  const x = (v: number) => left + v * plotW;
  const y = (v: number) => top + plotH - ((v - yMin) / (1 - yMin || 1)) * plotH;
  // thousands of distinct confidences would make a path of thousands of points: keep every k-th
  const k = Math.max(1, Math.ceil(points.length / 400));
  const kept = points.filter((_, i) => i % k === 0 || i === points.length - 1);
  const d = kept.map(
    (p, i) => `${i === 0 ? "M" : "L"}${x(p.coverage).toFixed(1)},${y(p.accuracy).toFixed(1)}`,
  );
  const e = props.escalation;
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => Number((yMin + f * (1 - yMin)).toFixed(2)));
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label="selective prediction: accuracy against coverage"
      data-testid="selective-curve"
    >
      {yTicks.map((t) => (
        <g key={t}>
          <line x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} className="grid" />
          <text x={left - 6} y={y(t) + 4} textAnchor="end" className="axis">
            {t}
          </text>
        </g>
      ))}
      {[0, 0.5, 1].map((t) => (
        <text key={t} x={x(t)} y={top + plotH + 14} textAnchor="middle" className="axis">
          {pct(t, 0)}
        </text>
      ))}
      <path d={d.join(" ")} className="series series-selective" />
      {e && e.threshold !== null && e.coverage !== null && e.accuracy !== null && (
        <g data-testid="escalation-point">
          <line x1={x(0)} x2={x(1)} y1={y(e.targetAccuracy)} y2={y(e.targetAccuracy)} className="threshold" />
          <circle cx={x(e.coverage)} cy={y(e.accuracy)} r={5} className="dot">
            <title>{`threshold ${num(e.threshold, 2)}: coverage ${pct(e.coverage)}, accuracy ${pct(e.accuracy)}`}</title>
          </circle>
        </g>
      )}
      <text x={left + plotW / 2} y={height - 6} textAnchor="middle" className="axis">
        coverage (share answered); y: accuracy on the answered
      </text>
    </svg>
  );
}
