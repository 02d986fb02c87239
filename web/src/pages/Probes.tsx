import { enc, type ProbeResponse, type ProbeStep, type ProbesResponse, useApi } from "../api.ts";
import { ProbeChart } from "../components/charts.tsx";
import { ErrorNote, Loading, Pending, Section, Stat } from "../components/common.tsx";
import { int, ms, pct, when } from "../format.ts";
import { Link } from "../router.tsx";

/** `/probes`: every stored `assay probe` report, newest first. */
export function ProbesPage() {
  const { data, error } = useApi<ProbesResponse>("/api/probes");
  return (
    <>
      <h1>Probes</h1>
      <p className="muted">
        Load ramps saved by <code>assay probe TARGET</code>: throughput, latency and errors per step, where
        they first rise (the knee), and the recommended concurrency.
      </p>
      {error && <ErrorNote error={error} />}
      {!data && !error && <Loading what="probes" />}
      {data && (
        <table className="grid-table" data-testid="probes-table">
          <thead>
            <tr>
              <th>probe</th>
              <th>suite</th>
              <th>target</th>
              <th>when</th>
              <th>steps</th>
              <th className="num">calls</th>
              <th className="num">knee</th>
              <th className="num">recommended</th>
            </tr>
          </thead>
          <tbody>
            {data.probes.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  No probes stored yet: try <code>assay probe TARGET</code>.
                </td>
              </tr>
            )}
            {data.probes.map((p) => (
              <tr key={p.id} data-probe={p.id}>
                <td>
                  <Link to={`/probes/${enc(p.id)}`} className="mono">
                    {p.id}
                  </Link>
                </td>
                <td>{p.suite}</td>
                <td>{p.target}</td>
                <td>{when(p.createdAt)}</td>
                <td className="mono">
                  {p.mode === "rate" ? "rate/s " : ""}
                  {p.steps.join(", ")}
                </td>
                <td className="num">{int(p.requests)}</td>
                <td className="num" data-testid="probe-knee">
                  {p.knee ?? "none"}
                </td>
                <td className="num" data-testid="probe-recommended">
                  {p.recommended ?? "none"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function classCell(s: ProbeStep): string {
  return (
    Object.entries(s.errors.byClass)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "—"
  );
}

function statusCell(s: ProbeStep): string {
  return (
    Object.entries(s.errors.byStatus)
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ") || "—"
  );
}

/** `/probes/:id`: one probe: the recommendation, the chart with the knee, the steps, the headers seen. */
export function ProbePage(props: { probeId: string }) {
  const { data, error } = useApi<ProbeResponse>(`/api/probes/${enc(props.probeId)}`);
  const crumbs = (
    <p className="crumbs">
      <Link to="/probes">Probes</Link> / {props.probeId}
    </p>
  );
  if (error || !data) return <Pending crumbs={crumbs} error={error} what="probe" />;
  const r = data.report;
  const rate = r.mode === "rate";
  const at = (s: ProbeStep) => (rate ? (s.rate ?? s.concurrency) : s.concurrency);
  const kneeAt = rate ? r.knee.rate : r.knee.concurrency;
  const rec = r.recommendation;
  const recAt = rate ? rec.rate : rec.concurrency;
  const unit = rate ? "calls/s" : "in flight";
  // each rate-limit header: its last value over the probe, and the steps that saw it
  const headerSteps = (name: string) => r.steps.filter((s) => name in (s.headers ?? {})).map(at);
  return (
    <>
      {crumbs}
      <h1>
        {data.suite} · {data.target}
      </h1>
      <p className="meta">
        probe <span className="mono">{data.id}</span> · {when(data.createdAt)} ·{" "}
        {rate ? "request rate (open loop)" : "concurrency (closed loop)"} · {int(r.requests)} calls, no
        retries · each step at most {ms(r.options.durationMs)}
        {r.stoppedEarly ? ` · stopped early: ${r.stoppedEarly}` : ""}
      </p>
      <div className="stats">
        <Stat
          label="knee"
          value={<span data-testid="knee-value">{kneeAt ?? "none"}</span>}
          sub={kneeAt === null || kneeAt === undefined ? "no step went past the limits" : unit}
        />
        <Stat
          label="recommended"
          value={<span data-testid="recommended-value">{recAt ?? "none"}</span>}
          sub={`${unit} · retries ${rec.retries}${rec.throughput !== undefined ? ` · ${rec.throughput.toFixed(1)} ok/s` : ""}`}
        />
      </div>
      <Section title="Recommendation">
        <p data-testid="recommendation">
          {recAt === null || recAt === undefined
            ? "No concurrency to recommend"
            : `${rate ? "rate" : "concurrency"} ${recAt}, retries ${rec.retries}`}
          : {rec.reason}
        </p>
      </Section>
      <Section
        title="Throughput and p95 latency"
        right={
          <span className="chart-legend">
            <span className="legend-throughput">● throughput (ok/s, left)</span>
            <span className="legend-latency">■ p95 latency (right)</span>
          </span>
        }
      >
        <ProbeChart report={r} />
        <p data-testid="knee-rule">
          <strong>knee: {kneeAt === null || kneeAt === undefined ? "none" : `${kneeAt} ${unit}`}.</strong>{" "}
          {r.knee.reason}
        </p>
      </Section>
      <Section title="Steps">
        <table className="grid-table compact" data-testid="probe-steps">
          <thead>
            <tr>
              <th className="num">{rate ? "rate/s" : "concurrency"}</th>
              {rate && <th className="num">most in flight</th>}
              <th className="num">calls</th>
              <th className="num">ok</th>
              <th className="num">cut short</th>
              <th className="num">ok/s</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
              <th className="num">p99</th>
              <th className="num">error rate</th>
              <th>errors by class</th>
              <th>errors by status</th>
              <th>ended by</th>
            </tr>
          </thead>
          <tbody>
            {r.steps.map((s) => (
              <tr
                key={at(s)}
                data-step={at(s)}
                className={
                  kneeAt !== null && kneeAt !== undefined && at(s) > kneeAt ? "past-knee" : undefined
                }
              >
                <td className="num">{at(s)}</td>
                {rate && <td className="num">{s.concurrency}</td>}
                <td className="num">{int(s.requests)}</td>
                <td className="num">{int(s.ok)}</td>
                <td className="num">{int(s.unfinished)}</td>
                <td className="num">{s.throughput.toFixed(1)}</td>
                <td className="num">{ms(s.latencyMs.p50)}</td>
                <td className="num">{ms(s.latencyMs.p95)}</td>
                <td className="num">{ms(s.latencyMs.p99)}</td>
                <td className="num">{pct(s.errorRate)}</td>
                <td data-testid="step-classes">{classCell(s)}</td>
                <td data-testid="step-statuses">{statusCell(s)}</td>
                <td>{s.stoppedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Rate-limit headers seen">
        {Object.keys(r.headers).length === 0 ? (
          <p className="muted">The API sent no rate-limit headers.</p>
        ) : (
          <table className="grid-table compact" data-testid="probe-headers">
            <thead>
              <tr>
                <th>header</th>
                <th>last value</th>
                <th>seen at</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(r.headers).map(([name, value]) => (
                <tr key={name} data-header={name}>
                  <td className="mono">{name}</td>
                  <td className="mono">{value}</td>
                  <td>{headerSteps(name).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
