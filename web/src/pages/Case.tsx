import type { ReactNode } from "react";
import { type CaseDetailResponse, enc, type StoredOutput, type StoredScore, useApi } from "../api.ts";
import {
  ErrorNote,
  InputView,
  JsonBlock,
  Loading,
  Section,
  StatusBadge,
  TextBlock,
} from "../components/common.tsx";
import { asText, int, ms, num, usd, when } from "../format.ts";
import { Link } from "../router.tsx";

/** What an LLM judge said on the way to its verdict, wherever its details keep it. */
function judgeReasoning(details: Record<string, unknown> | undefined): string | undefined {
  if (!details) return undefined;
  const judge = details.judge;
  const candidates = [
    details.reasoning,
    judge && typeof judge === "object" ? (judge as Record<string, unknown>).reasoning : undefined,
    details.explanation,
    details.rationale,
  ];
  return candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
}

function Trace(props: { output: StoredOutput }) {
  const t = props.output.trace;
  if (!t) return null;
  const parts: ReactNode[] = [];
  if (t.steps && t.steps.length > 0) {
    parts.push(
      <ol key="steps" className="trace">
        {t.steps.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: steps have no identity beyond their order
          <li key={i} className={`step step-${s.type}${s.isError ? " step-error" : ""}`}>
            <span className="step-type">{s.type}</span>
            {s.durationMs !== undefined && <span className="muted"> {ms(s.durationMs)}</span>}
            {s.message && (
              <>
                <span className="role"> {s.message.role}</span>
                <TextBlock text={s.message.content} />
              </>
            )}
            {s.toolCall && (
              <div className="tool-call">
                <span className="tool-name">{s.toolCall.name}</span>
                <JsonBlock value={s.toolCall.arguments} />
              </div>
            )}
            {s.result !== undefined && <JsonBlock value={s.result} />}
          </li>
        ))}
      </ol>,
    );
  }
  if (t.toolCalls && t.toolCalls.length > 0) {
    parts.push(
      <div key="calls">
        <h4>Tool calls</h4>
        {t.toolCalls.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: calls have no identity beyond their order
          <div key={i} className="tool-call">
            <span className="tool-name">{c.name}</span>
            <JsonBlock value={c.arguments} />
          </div>
        ))}
      </div>,
    );
  }
  if (t.messages && t.messages.length > 0) {
    parts.push(
      <div key="messages">
        <h4>Messages</h4>
        <InputView input={{ messages: t.messages }} />
      </div>,
    );
  }
  return (
    <div className="trace-wrap" data-testid="trace">
      <h3>Trace</h3>
      {parts}
    </div>
  );
}

function ScoreRow(props: { s: StoredScore; epochs: number }) {
  const { s } = props;
  const reasoning = judgeReasoning(s.details);
  const status = s.score === null ? "unscored" : s.passed ? "pass" : "fail";
  return (
    <tr>
      {props.epochs > 1 && <td className="num">{s.epoch}</td>}
      <td>{s.dimension}</td>
      <td className="mono">{s.evaluator}</td>
      <td className="num">{num(s.score)}</td>
      <td>
        <StatusBadge status={status} />
      </td>
      <td className="reason">
        <TextBlock text={s.reason} />
        {reasoning && (
          <details open>
            <summary>judge reasoning</summary>
            <TextBlock text={reasoning} testId="judge-reasoning" />
          </details>
        )}
        {s.details && Object.keys(s.details).length > 0 && (
          <details>
            <summary>details</summary>
            <JsonBlock value={s.details} />
          </details>
        )}
      </td>
    </tr>
  );
}

/** `/runs/:runId/cases/:caseId`: input, expected, outputs with traces, every score, labels. */
export function CasePage(props: { runId: string; caseId: string }) {
  const { runId, caseId } = props;
  const { data, error } = useApi<CaseDetailResponse>(`/api/runs/${enc(runId)}/cases/${enc(caseId)}`);
  const base = `/runs/${enc(runId)}`;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / <Link to={base}>{runId}</Link> / {caseId}
      </p>
      {error && <ErrorNote error={error} />}
      {!data && !error && <Loading what="case" />}
      {data && (
        <>
          <div className="case-head">
            <h1 className="mono" data-testid="case-id">
              {data.case.id}
            </h1>
            <StatusBadge status={data.status} />
            <span className="muted">aggregate {num(data.aggregate)}</span>
            <span className="spacer" />
            {data.prev && <Link to={`${base}/cases/${enc(data.prev)}`}>← {data.prev}</Link>}
            {data.next && <Link to={`${base}/cases/${enc(data.next)}`}>{data.next} →</Link>}
          </div>
          <p className="meta">
            {Object.entries(data.case.tags).map(([k, v]) => (
              <span key={k} className="tag">
                {k}={v}
              </span>
            ))}
            {data.case.cluster && <span className="tag">cluster {data.case.cluster}</span>}
          </p>
          <div className="two-col">
            <Section title="Input">
              <InputView input={data.case.input} />
            </Section>
            <Section title="Expected">
              {data.case.expected === undefined ? (
                <p className="muted">(none)</p>
              ) : (
                <JsonBlock value={data.case.expected} testId="case-expected" />
              )}
            </Section>
          </div>
          {data.outputs.map((o) => (
            <Section
              key={o.epoch}
              title={data.outputs.length > 1 ? `Output · epoch ${o.epoch}` : "Output"}
              right={
                <span className="muted">
                  {ms(o.latencyMs)}
                  {o.usage
                    ? ` · ${int(o.usage.inputTokens)} in / ${int(o.usage.outputTokens)} out tokens`
                    : ""}
                  {o.costUsd !== undefined ? ` · ${usd(o.costUsd)}` : ""}
                  {` · ${o.attempts} attempt${o.attempts === 1 ? "" : "s"}`}
                </span>
              }
            >
              {o.error && (
                <p className="error-note">
                  {o.error.class}
                  {o.error.status ? ` (${o.error.status})` : ""}: {o.error.message}
                </p>
              )}
              <TextBlock
                text={o.text}
                testId="case-output"
                empty={o.error ? "(no output)" : "(empty output)"}
              />
              {o.json !== undefined && typeof o.json === "object" && (
                <details>
                  <summary>parsed JSON</summary>
                  <JsonBlock value={o.json} />
                </details>
              )}
              <Trace output={o} />
            </Section>
          ))}
          <Section title="Scores">
            <table className="grid-table scores" data-testid="scores">
              <thead>
                <tr>
                  {data.run.epochs > 1 && <th className="num">epoch</th>}
                  <th>dimension</th>
                  <th>evaluator</th>
                  <th className="num">score</th>
                  <th>verdict</th>
                  <th>reason</th>
                </tr>
              </thead>
              <tbody>
                {data.scores.length === 0 && (
                  <tr>
                    <td colSpan={6} className="muted">
                      No scores (the target failed on this case).
                    </td>
                  </tr>
                )}
                {data.scores.map((s) => (
                  <ScoreRow key={`${s.epoch}|${s.dimension}`} s={s} epochs={data.run.epochs} />
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Labels">
            {data.labels.length === 0 ? (
              <p className="muted">No human labels yet.</p>
            ) : (
              <table className="grid-table" data-testid="labels">
                <thead>
                  <tr>
                    <th>dimension</th>
                    <th>labeller</th>
                    <th>value</th>
                    <th>kind</th>
                    <th>when</th>
                    <th>comment</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.labels.map((l) => (
                    <tr key={l.id} className={l.current ? "" : "superseded"}>
                      <td>{l.dimension}</td>
                      <td>{l.labeller}</td>
                      <td>{asText(l.value)}</td>
                      <td>
                        {l.kind}
                        {l.otherRunId ? ` vs ${l.otherRunId}` : ""}
                      </td>
                      <td>{when(l.createdAt)}</td>
                      <td>{l.comment ?? ""}</td>
                      <td className="muted">{l.current ? "" : "superseded"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        </>
      )}
    </>
  );
}
