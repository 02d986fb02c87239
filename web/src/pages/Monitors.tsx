import type { MonitorAlert, MonitorReport, MonitorResponse, MonitorsResponse } from "../api.ts";
import { enc, useApi } from "../api.ts";
import { ErrorNote, Loading, Pending, Section, Stat } from "../components/common.tsx";
import { MonitorSeriesChart } from "../components/MonitorChart.tsx";
import { int, num, pct, pval, when } from "../format.ts";
import { Link } from "../router.tsx";

/** `/monitors`: every monitor with a stored pass (`assay monitor NAME`), with its open alerts and queue. */
export function MonitorsPage() {
  const { data, error } = useApi<MonitorsResponse>("/api/monitors");
  return (
    <>
      <h1>Monitors</h1>
      <p className="muted">
        Production records scored online by <code>assay monitor NAME</code> with the suite's own dimensions,
        grouped into windows and watched for drift against the reference windows.
      </p>
      {error && <ErrorNote error={error} />}
      {!data && !error && <Loading what="monitors" />}
      {data && (
        <table className="grid-table" data-testid="monitors-table">
          <thead>
            <tr>
              <th>monitor</th>
              <th>suite</th>
              <th>dimensions</th>
              <th className="num">scored</th>
              <th className="num">windows</th>
              <th>baseline</th>
              <th className="num">open alerts</th>
              <th className="num">to review</th>
              <th>last pass</th>
            </tr>
          </thead>
          <tbody>
            {data.monitors.length === 0 && (
              <tr>
                <td colSpan={9} className="muted">
                  No monitor has run against this store yet: try <code>assay monitor NAME --once</code>.
                </td>
              </tr>
            )}
            {data.monitors.map((m) => (
              <tr key={m.monitor} data-monitor={m.monitor}>
                <td>
                  <Link to={`/monitors/${enc(m.monitor)}`} className="mono">
                    {m.monitor}
                  </Link>
                </td>
                <td>{m.suite ?? "—"}</td>
                <td>{m.dimensions?.join(", ") ?? "—"}</td>
                <td className="num">{int(m.scored)}</td>
                <td className="num">{int(m.windows)}</td>
                <td>{m.referenceComplete === undefined ? "—" : m.referenceComplete ? "set" : "filling"}</td>
                <td className={m.openAlerts > 0 ? "num alerting" : "num"} data-testid="monitor-open-alerts">
                  {m.openAlerts}
                </td>
                <td className="num">{m.pendingReviews}</td>
                <td>{when(m.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The window spec as people say it. */
function windowSpec(w: MonitorReport["window"]): string {
  return typeof w === "number" ? `${w} records` : `one ${w} (UTC)`;
}

/** The baseline: complete, or how far it is from being so (drift is measured only once it is). */
function ReferenceNote(props: { report: MonitorReport }) {
  const { reference, windows, window } = props.report;
  if (!reference.complete) {
    const have = Math.min(windows.length, reference.needed);
    return (
      <p className="note" data-testid="reference-incomplete">
        The baseline is not complete: {have} of the {reference.needed} reference windows have records
        {typeof window === "number" ? "" : " (a window counts once its time is up)"}. Drift is measured from
        the first window after them — until then there is no CUSUM, no two-window test and no alert.
      </p>
    );
  }
  const rates = Object.entries(reference.passRates);
  return (
    <p className="muted" data-testid="reference-complete">
      Baseline: the first {reference.needed} windows
      {rates.length > 0 && (
        <>
          {" "}
          — reference pass rates{" "}
          {rates.map(([d, r], i) => (
            <span key={d}>
              {i > 0 ? ", " : ""}
              {d} {pct(r)}
            </span>
          ))}
        </>
      )}
      .
    </p>
  );
}

/** The CUSUM design in words: what it compares, how fast it should catch the shift, how often it cries wolf. */
function CusumDesign(props: { c: MonitorReport["cusum"][number] }) {
  const { c } = props;
  return (
    <div className="cusum-design" data-testid="cusum-design">
      <p>
        CUSUM on the pass rate: reference <b>p0 = {pct(c.p0)}</b>, tuned for a drop to <b>p1 = {pct(c.p1)}</b>{" "}
        in windows of about {int(c.windowSize)} records; reference value <b>k = {num(c.k, 2)}</b> passes per
        window, decision interval <b>h = {num(c.h, 2)}</b>. Average run length without a shift{" "}
        <b>ARL0 = {int(Math.round(c.arl0))}</b> windows (about one false alarm per that many), with the shift{" "}
        <b>ARL1 = {num(c.arl1, 1)}</b> windows. Now S = {num(c.statistic, 2)}
        {c.open ? " — above h: alarm." : " — below h."}
      </p>
      <details>
        <summary>method</summary>
        <p className="muted">{c.method}</p>
      </details>
    </div>
  );
}

function AlertRow(props: { a: MonitorAlert }) {
  const { a } = props;
  const open = a.closedAt === undefined || a.closedAt === null;
  return (
    <tr data-alert-kind={a.kind} data-alert-open={open ? "yes" : "no"}>
      <td>
        <span className={`badge ${open ? "badge-fail" : "badge-pass"}`}>{open ? "open" : "closed"}</span>
      </td>
      <td>{a.dimension}</td>
      <td className="mono" data-testid="alert-kind">
        {a.kind}
      </td>
      <td className="mono">{a.window}</td>
      <td className="num">{num(a.statistic, 3)}</td>
      <td className="num">{a.p === undefined || a.p === null ? "—" : pval(a.p)}</td>
      <td>{when(a.openedAt)}</td>
      <td>{when(a.lastSeenAt)}</td>
      <td>{open ? "" : when(a.closedAt)}</td>
      <td>
        {a.notifyError ? (
          <span className="alerting" title={a.notifyError}>
            not delivered: {a.notifyError}
          </span>
        ) : a.notifiedAt ? (
          `notified ${when(a.notifiedAt)}`
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}

/** `/monitors/:name`: the latest pass — series per dimension, alerts, drift tests, worst records. */
export function MonitorPage(props: { name: string }) {
  const { name } = props;
  const { data, error } = useApi<MonitorResponse>(`/api/monitors/${enc(name)}`);
  const crumbs = (
    <p className="crumbs">
      <Link to="/monitors">Monitors</Link> / {name}
    </p>
  );
  if (error || !data) return <Pending crumbs={crumbs} error={error} what="monitor" />;
  const { report, alerts } = data;
  const openAlerts = alerts.filter((a) => !a.closedAt);
  const tests = report.tests ?? [];
  const worst = report.worst ?? [];
  return (
    <>
      {crumbs}
      <h1 data-testid="monitor-name">
        {report.monitor} <span className="muted">· suite {report.suite}</span>
      </h1>
      <p className="meta">
        window {windowSpec(report.window)} · dimensions {report.dimensions.join(", ")} · last pass{" "}
        {when(data.updatedAt)}
      </p>
      <div className="stats">
        <Stat
          label="scored records"
          value={int(report.totals.scored)}
          sub={`${int(report.totals.filtered)} filtered · ${int(report.totals.unsampled)} not sampled`}
        />
        <Stat label="windows" value={int(report.windows.length)} />
        <Stat label="open alerts" value={<span data-testid="open-alerts">{openAlerts.length}</span>} />
        <Stat
          label="review queue"
          value={<span data-testid="review-pending">{int(data.pendingReviews)}</span>}
          sub="records waiting for a person"
        />
      </div>
      <ReferenceNote report={report} />
      {report.warnings?.length > 0 && (
        <ul className="warnings">
          {report.warnings.map((w) => (
            <li key={w} className="error-note">
              {w}
            </li>
          ))}
        </ul>
      )}
      {report.dimensions.map((d) => {
        const c = report.cusum.find((x) => x.dimension === d);
        return (
          <Section key={d} title={d} right={<span className="mono muted">{report.evaluators[d]}</span>}>
            <MonitorSeriesChart report={report} dimension={d} />
            {c ? (
              <CusumDesign c={c} />
            ) : (
              <p className="muted">
                No CUSUM yet
                {report.reference.complete
                  ? " (no pass/fail verdicts in the reference)"
                  : ": the baseline is not complete"}
                .
              </p>
            )}
          </Section>
        );
      })}
      <Section title={`Alerts (${openAlerts.length} open, ${alerts.length - openAlerts.length} closed)`}>
        {alerts.length === 0 ? (
          <p className="muted">No alerts.</p>
        ) : (
          <table className="grid-table" data-testid="alerts">
            <thead>
              <tr>
                <th>status</th>
                <th>dimension or feature</th>
                <th>kind</th>
                <th>window</th>
                <th className="num">statistic</th>
                <th className="num">p</th>
                <th>opened</th>
                <th>last seen</th>
                <th>closed</th>
                <th>notification</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <AlertRow key={a.id} a={a} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Drift tests: the reference against the latest window">
        {tests.length === 0 ? (
          <p className="muted">
            {report.reference.complete
              ? "No test had enough values to run."
              : "None yet: the baseline is not complete."}
          </p>
        ) : (
          <table className="grid-table" data-testid="drift-tests">
            <thead>
              <tr>
                <th>name</th>
                <th>source</th>
                <th>test</th>
                <th className="num">statistic</th>
                <th className="num">p</th>
                <th className="num">p (Holm)</th>
                <th className="num">n ref / now</th>
                <th>alarm</th>
              </tr>
            </thead>
            <tbody>
              {tests.map((t) => (
                <tr key={`${t.source}|${t.name}|${t.kind}`} data-test-name={t.name}>
                  <td>{t.name}</td>
                  <td>{t.source}</td>
                  <td className="mono">
                    {t.kind === "ks" ? "KS (D)" : `χ²${t.df !== undefined ? ` (df ${t.df})` : ""}`}
                  </td>
                  <td className="num">{num(t.statistic, 3)}</td>
                  <td className="num">{pval(t.p)}</td>
                  <td className="num">{pval(t.pAdjusted)}</td>
                  <td className="num">{t.n ? `${int(t.n[0])} / ${int(t.n[1])}` : "—"}</td>
                  <td>
                    {t.alarm ? (
                      <span className="badge badge-fail">alarm</span>
                    ) : (
                      <span className="muted">no</span>
                    )}
                    {t.lowExpected ? <span className="muted"> (expected counts below 5)</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Worst recent records">
        {worst.length === 0 ? (
          <p className="muted">No record of the latest windows scored below 1.</p>
        ) : (
          <table className="grid-table" data-testid="worst-records">
            <thead>
              <tr>
                <th>record</th>
                <th>time</th>
                <th className="num">mean score</th>
                <th>failed</th>
              </tr>
            </thead>
            <tbody>
              {worst.map((r) => (
                <tr key={r.recordId}>
                  <td>
                    <Link to={`/records/${enc(r.recordId)}`} className="mono">
                      {r.recordId}
                    </Link>
                  </td>
                  <td>{when(r.time)}</td>
                  <td className="num">{num(r.mean)}</td>
                  <td>{r.failed.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
