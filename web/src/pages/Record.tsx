import { type FormEvent, useState } from "react";
import {
  ApiFailure,
  type CaseInput,
  enc,
  type FlagRecordResponse,
  postJson,
  type RecordDetailResponse,
  type RecordScore,
  useApi,
} from "../api.ts";
import { ErrorNote, InputView, Loading, Section } from "../components/common.tsx";
import { OutputBlock, ScoreCells, ScoreTable, TraceView } from "../components/TraceView.tsx";
import { asText, int, ms, prettyJson, usd, when } from "../format.ts";
import { Link } from "../router.tsx";

/**
 * `/records/:id`: one production record as the monitors saw it — like the case page, with its
 * online scores per monitor, its reviews, and a form that sends it to a monitor's review queue.
 * Everything from the record (input, output, trace, metadata) is hostile text: React text only.
 */

/** Shared with the review page, so a person types their name once. */
const LABELLER_KEY = "assay.labeller";

/** The output as text; JSON (parsed, or a string that parses) pretty-printed, the raw text one click away. */
function OutputView(props: { output: unknown }) {
  const o = props.output;
  if (typeof o === "string") {
    const pretty = prettyJson(o);
    return (
      <OutputBlock
        text={o}
        pretty={pretty === o ? undefined : pretty}
        testId="record-output"
        empty="(empty output)"
      />
    );
  }
  if (o === undefined || o === null) return <p className="muted">(no output)</p>;
  const text = asText(o);
  return <OutputBlock text={text} pretty={text} testId="record-output" />;
}

function ScoreRow(props: { s: RecordScore }) {
  const { s } = props;
  const status = s.score === null ? "unscored" : s.passed === false ? "fail" : "pass";
  return (
    <tr data-score={`${s.monitor}|${s.dimension}`}>
      <td>
        <Link to={`/monitors/${enc(s.monitor)}`} className="mono">
          {s.monitor}
        </Link>
      </td>
      <ScoreCells s={s} status={status} />
    </tr>
  );
}

/** "Send to review": a person puts the record in one of its monitors' review queues. */
function FlagForm(props: { recordId: string; monitors: string[]; onAdded: () => void }) {
  const { monitors } = props;
  const [monitor, setMonitor] = useState(monitors[0] ?? "");
  const [note, setNote] = useState("");
  const [by, setBy] = useState(() => localStorage.getItem(LABELLER_KEY) ?? "");
  const [state, setState] = useState<{ busy?: boolean; message?: string; error?: string }>({});
  if (monitors.length === 0)
    return (
      <p className="muted">No monitor has scored this record, so there is no review queue to send it to.</p>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const name = by.trim();
    if (!name) {
      setState({ error: "your name: who is sending it" });
      return;
    }
    setState({ busy: true });
    try {
      const res = await postJson<FlagRecordResponse>(`/api/records/${enc(props.recordId)}/flag`, {
        monitor,
        by: name,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      localStorage.setItem(LABELLER_KEY, name);
      setState({
        message: res.added
          ? `Sent to the review queue of ${monitor}.`
          : `Already in the review queue of ${monitor}: nothing added.`,
      });
      if (res.added) setNote("");
      props.onAdded();
    } catch (err) {
      setState({ error: err instanceof ApiFailure || err instanceof Error ? err.message : String(err) });
    }
  };
  return (
    <form className="flag-form" onSubmit={submit} data-testid="flag-form">
      <label>
        monitor{" "}
        <select value={monitor} onChange={(e) => setMonitor(e.target.value)} data-testid="flag-monitor">
          {monitors.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label>
        note{" "}
        <input
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          placeholder="what looks wrong"
          data-testid="flag-note"
        />
      </label>
      <label>
        your name{" "}
        <input value={by} onChange={(e) => setBy(e.target.value)} maxLength={100} data-testid="flag-by" />
      </label>
      <button type="submit" disabled={state.busy === true} data-testid="flag-submit">
        Send to review
      </button>
      {state.message && (
        <span className="muted" data-testid="flag-result">
          {state.message}
        </span>
      )}
      {state.error && <ErrorNote error={state.error} />}
    </form>
  );
}

/** `/records/:id` */
export function RecordPage(props: { recordId: string }) {
  const { recordId } = props;
  const { data, error, reload } = useApi<RecordDetailResponse>(`/api/records/${enc(recordId)}`);
  const monitors = data ? [...new Set(data.scores.map((s) => s.monitor))].sort() : [];
  const home = monitors.length === 1 ? monitors[0] : data?.record.monitor;
  return (
    <>
      <p className="crumbs">
        <Link to="/monitors">Monitors</Link>
        {home && (
          <>
            {" / "}
            <Link to={`/monitors/${enc(home)}`}>{home}</Link>
          </>
        )}{" "}
        / record {recordId}
      </p>
      {error && <ErrorNote error={error} />}
      {!data && !error && <Loading what="record" />}
      {data && (
        <>
          <div className="case-head">
            <h1 className="mono" data-testid="record-id">
              {data.record.id}
            </h1>
            <span className="muted">{when(data.record.time)}</span>
          </div>
          <p className="meta" data-testid="record-meta">
            <span className="tag">source {data.record.source}</span>
            {data.record.model && <span className="tag">model {data.record.model}</span>}
            {data.record.monitor && <span className="tag">for monitor {data.record.monitor}</span>}
            {data.record.latencyMs !== undefined && (
              <span className="tag">latency {ms(data.record.latencyMs)}</span>
            )}
            {data.record.usage && (
              <span className="tag">
                {int(data.record.usage.inputTokens)} in / {int(data.record.usage.outputTokens)} out tokens
              </span>
            )}
            {data.record.costUsd !== undefined && <span className="tag">{usd(data.record.costUsd)}</span>}
            <span className="muted">ingested {when(data.record.ingestedAt)}</span>
          </p>
          {Object.keys(data.record.metadata).length > 0 && (
            <p className="meta" data-testid="record-metadata">
              {Object.entries(data.record.metadata).map(([k, v]) => (
                <span key={k} className="tag">
                  {k}={asText(v)}
                </span>
              ))}
            </p>
          )}
          <div className="two-col">
            <Section title="Input">
              <InputView input={data.record.input as CaseInput} />
            </Section>
            <Section title="Output">
              <OutputView output={data.record.output} />
              <TraceView trace={data.record.trace} />
            </Section>
          </div>
          <Section title="Online scores">
            <ScoreTable
              testId="record-scores"
              lead={<th>monitor</th>}
              empty={data.scores.length === 0 ? "No monitor has scored this record yet." : undefined}
            >
              {data.scores.map((s) => (
                <ScoreRow key={`${s.monitor}|${s.dimension}`} s={s} />
              ))}
            </ScoreTable>
          </Section>
          <Section title="Reviews">
            {data.reviews.length === 0 ? (
              <p className="muted">Not in any review queue.</p>
            ) : (
              <table className="grid-table" data-testid="record-reviews">
                <thead>
                  <tr>
                    <th>monitor</th>
                    <th>why</th>
                    <th>status</th>
                    <th>by</th>
                    <th>note</th>
                    <th>when</th>
                    <th>decided</th>
                  </tr>
                </thead>
                <tbody>
                  {data.reviews.map((r) => (
                    <tr key={`${r.monitor}|${r.createdAt}`} data-review={r.monitor}>
                      <td>{r.monitor}</td>
                      <td>{r.reason}</td>
                      <td>
                        {r.status}
                        {r.promotedTo ? ` → ${r.promotedTo}` : ""}
                      </td>
                      <td>{r.by ?? ""}</td>
                      <td>{r.detail ?? ""}</td>
                      <td>{when(r.createdAt)}</td>
                      <td>{r.decidedAt ? when(r.decidedAt) : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="Send to review">
            <FlagForm recordId={data.record.id} monitors={monitors} onAdded={reload} />
          </Section>
        </>
      )}
    </>
  );
}
