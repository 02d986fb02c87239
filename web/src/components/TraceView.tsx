import type { ReactNode } from "react";
import type { StoredOutput, StoredScore } from "../api.ts";
import { asText, ms, num } from "../format.ts";
import { InputView, JsonBlock, StatusBadge, TextBlock } from "./common.tsx";

/**
 * What one call did, as the case page (an eval output) and the record page (a production record)
 * both show it: the output text, the trace, and the score cells. Everything here is hostile text
 * from a model or an ingested record: React text only.
 */

/**
 * An output as text, or pretty-printed (`pretty`, when it is JSON) with the raw text one click
 * away when the two differ. The raw block's test id is `testId` + `-raw`.
 */
export function OutputBlock(props: { text: string; pretty?: string; testId: string; empty?: string }) {
  const { text, pretty, testId } = props;
  if (pretty === undefined) return <TextBlock text={text} testId={testId} empty={props.empty} />;
  return (
    <>
      <TextBlock text={pretty} testId={testId} className="json" />
      {pretty !== text && (
        <details>
          <summary>raw output</summary>
          <TextBlock text={text} testId={`${testId}-raw`} />
        </details>
      )}
    </>
  );
}

/** A trace's steps, tool calls and messages; nothing at all when it has none of them. */
export function TraceView(props: { trace: StoredOutput["trace"] }) {
  const t = props.trace;
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
                {/* asText: an ingested trace's content is not checked to be a string */}
                <TextBlock text={asText(s.message.content)} />
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
  if (parts.length === 0) return null;
  return (
    <div className="trace-wrap" data-testid="trace">
      <h3>Trace</h3>
      {parts}
    </div>
  );
}

type ScoreStatus = "pass" | "fail" | "unscored";

/**
 * A table of scores: `lead` heads the page's own first column(s), then dimension, evaluator,
 * score, verdict and reason (the cells of `ScoreCells`). `empty` is the row shown when there
 * are no scores.
 */
export function ScoreTable(props: { testId: string; lead: ReactNode; empty?: string; children: ReactNode }) {
  return (
    <table className="grid-table scores" data-testid={props.testId}>
      <thead>
        <tr>
          {props.lead}
          <th>dimension</th>
          <th>evaluator</th>
          <th className="num">score</th>
          <th>verdict</th>
          <th>reason</th>
        </tr>
      </thead>
      <tbody>
        {props.empty !== undefined && (
          <tr>
            <td colSpan={6} className="muted">
              {props.empty}
            </td>
          </tr>
        )}
        {props.children}
      </tbody>
    </table>
  );
}

/** One score's cells for a `ScoreTable` row; `reasoning` is what an LLM judge said, when it said it. */
export function ScoreCells(props: {
  s: Pick<StoredScore, "dimension" | "evaluator" | "score" | "reason" | "details">;
  status: ScoreStatus;
  reasoning?: string;
}) {
  const { s, reasoning } = props;
  return (
    <>
      <td>{s.dimension}</td>
      <td className="mono">{s.evaluator}</td>
      <td className="num">{num(s.score)}</td>
      <td>
        <StatusBadge status={props.status} />
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
    </>
  );
}
