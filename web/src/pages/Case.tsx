import type { ReactNode } from "react";
import {
  type CaseDetailResponse,
  enc,
  type StoredOutput,
  type StoredScore,
  useApi,
  type WordDiff,
} from "../api.ts";
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

/** The case table's filter and order, carried from the run page so prev / next walk the same list. */
export const CASE_FILTER_KEYS = ["slice", "dimension", "status", "q", "sort"] as const;

export function filterQuery(search: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of CASE_FILTER_KEYS) for (const v of search.getAll(k)) if (v) out.append(k, v);
  return out.toString();
}

const FAILURE_FLAG = "@failure";

/** Expected against the output, inline: what only expected has is struck, what only the output has is marked. */
function ExpectedDiff(props: { diff: WordDiff; testId: string }) {
  return (
    <pre className="text diff" data-testid={props.testId}>
      {props.diff.map(([op, text], i) =>
        op === 0 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: diff chunks have no identity beyond order
          <span key={i}>{text}</span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: diff chunks have no identity beyond order
          <mark key={i} className={op === -1 ? "del" : "ins"}>
            {text}
          </mark>
        ),
      )}
    </pre>
  );
}

/** An output as text, or pretty-printed when it is JSON (the raw text one click away). */
function OutputText(props: { output: StoredOutput }) {
  const o = props.output;
  const json = o.json !== undefined && o.json !== null && typeof o.json === "object" ? o.json : undefined;
  const empty = o.error ? "(no output)" : "(empty output)";
  if (json === undefined) return <TextBlock text={o.text} testId="case-output" empty={empty} />;
  const pretty = asText(json);
  return (
    <>
      <TextBlock text={pretty} testId="case-output" className="json" />
      {pretty !== o.text && (
        <details>
          <summary>raw output</summary>
          <TextBlock text={o.text} testId="case-output-raw" />
        </details>
      )}
    </>
  );
}

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
export function CasePage(props: { runId: string; caseId: string; search: URLSearchParams }) {
  const { runId, caseId } = props;
  const filter = filterQuery(props.search);
  const keep = filter ? `?${filter}` : "";
  const { data, error } = useApi<CaseDetailResponse>(`/api/runs/${enc(runId)}/cases/${enc(caseId)}${keep}`);
  const base = `/runs/${enc(runId)}`;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / <Link to={`${base}${keep}`}>{runId}</Link> / {caseId}
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
            {data.position && (
              <span className="muted" data-testid="case-position">
                {int(data.position.index + 1)} of {int(data.position.matched)} matching cases
              </span>
            )}
            {data.prev && (
              <Link to={`${base}/cases/${enc(data.prev)}${keep}`} title="previous case">
                <span data-testid="case-prev">← {data.prev}</span>
              </Link>
            )}
            {data.next && (
              <Link to={`${base}/cases/${enc(data.next)}${keep}`} title="next case">
                <span data-testid="case-next">{data.next} →</span>
              </Link>
            )}
          </div>
          <p className="meta">
            {Object.entries(data.case.tags).map(([k, v]) => (
              <span key={k} className="tag">
                {k}={v}
              </span>
            ))}
            {data.case.cluster && <span className="tag">cluster {data.case.cluster}</span>}
            {data.labels.some((l) => l.current && l.dimension === FAILURE_FLAG && l.value === 1) && (
              <span className="tag tag-flag" data-testid="case-flagged">
                flagged as a failure
              </span>
            )}
          </p>
          {data.otherRuns.length > 0 && (
            <p className="meta other-runs" data-testid="other-runs">
              this case in other runs:{" "}
              {data.otherRuns.map((r) => (
                <Link
                  key={r.id}
                  to={`/runs/${enc(r.id)}/cases/${enc(caseId)}`}
                  title={`${r.status}, started ${when(r.startedAt)}`}
                >
                  <span className="mono">{r.target}</span> <span className="muted">({r.id})</span>
                </Link>
              ))}
            </p>
          )}
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
              <OutputText output={o} />
              {data.expectedDiffs
                .filter((d) => d.epoch === o.epoch)
                .map((d) => (
                  <details key={d.epoch} open className="expected-diff">
                    <summary>
                      against expected: <mark className="del">expected only</mark>{" "}
                      <mark className="ins">output only</mark>
                    </summary>
                    <ExpectedDiff diff={d.diff} testId="expected-diff" />
                  </details>
                ))}
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
                      <td>{l.dimension === FAILURE_FLAG ? "flag as a failure" : l.dimension}</td>
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
