import {
  type CaseDetailResponse,
  enc,
  type StoredOutput,
  type StoredScore,
  useApi,
  type WordDiff,
} from "../api.ts";
import { ErrorNote, InputView, JsonBlock, Loading, Section, StatusBadge } from "../components/common.tsx";
import { OutputBlock, ScoreCells, ScoreTable, TraceView } from "../components/TraceView.tsx";
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
  return (
    <OutputBlock
      text={o.text}
      pretty={json === undefined ? undefined : asText(json)}
      testId="case-output"
      empty={empty}
    />
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

function ScoreRow(props: { s: StoredScore; epochs: number }) {
  const { s } = props;
  const status = s.score === null ? "unscored" : s.passed ? "pass" : "fail";
  return (
    <tr>
      {props.epochs > 1 && <td className="num">{s.epoch}</td>}
      <ScoreCells s={s} status={status} reasoning={judgeReasoning(s.details)} />
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
              <TraceView trace={o.trace} />
            </Section>
          ))}
          <Section title="Scores">
            <ScoreTable
              testId="scores"
              lead={data.run.epochs > 1 && <th className="num">epoch</th>}
              empty={data.scores.length === 0 ? "No scores (the target failed on this case)." : undefined}
            >
              {data.scores.map((s) => (
                <ScoreRow key={`${s.epoch}|${s.dimension}`} s={s} epochs={data.run.epochs} />
              ))}
            </ScoreTable>
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
