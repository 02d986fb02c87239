import type { ReactNode } from "react";
import type { CaseInput, CaseStatus, ChatMessage } from "../api.ts";
import { asText } from "../format.ts";

/**
 * Untrusted text (inputs, outputs, judge reasoning) is only ever a React text child: React escapes
 * it, so markup, scripts and links inside it are shown as the characters they are.
 */
export function TextBlock(props: { text: string; empty?: string; className?: string; testId?: string }) {
  if (props.text === "") return <p className="muted">{props.empty ?? "(empty)"}</p>;
  return (
    <pre className={`text ${props.className ?? ""}`} data-testid={props.testId}>
      {props.text}
    </pre>
  );
}

export function JsonBlock(props: { value: unknown; testId?: string }) {
  return <TextBlock text={asText(props.value)} testId={props.testId} />;
}

/** A case input: chat messages one by one, anything else as text. */
export function InputView(props: { input: CaseInput }) {
  const input = props.input;
  if (typeof input === "object" && input !== null && "messages" in input && Array.isArray(input.messages)) {
    const messages = input.messages as ChatMessage[];
    return (
      <ol className="messages">
        {messages.map((m, i) => (
          // messages have no identity beyond their place
          // biome-ignore lint/suspicious/noArrayIndexKey: static list
          <li key={i} className={`message role-${m.role}`}>
            <span className="role">{m.role}</span>
            <TextBlock text={typeof m.content === "string" ? m.content : asText(m.content)} />
            {m.toolCalls?.map((t, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: static list
              <div key={j} className="tool-call">
                <span className="tool-name">{t.name}</span>
                <JsonBlock value={t.arguments} />
              </div>
            ))}
          </li>
        ))}
      </ol>
    );
  }
  return <TextBlock text={asText(input)} testId="case-input" />;
}

export function StatusBadge(props: {
  status: CaseStatus | "improved" | "regressed" | "no-change" | "underpowered";
}) {
  return <span className={`badge badge-${props.status}`}>{props.status}</span>;
}

export function Section(props: { title: string; children: ReactNode; right?: ReactNode; id?: string }) {
  return (
    <section className="panel" id={props.id}>
      <header className="panel-head">
        <h2>{props.title}</h2>
        {props.right}
      </header>
      {props.children}
    </section>
  );
}

export function Loading(props: { what?: string }) {
  return <p className="muted loading">Loading {props.what ?? ""}…</p>;
}

export function ErrorNote(props: { error: string }) {
  return (
    <p className="error-note" role="alert">
      {props.error}
    </p>
  );
}

/**
 * A detail page before its data: the crumbs, then the error or "Loading …". For the early return
 * `if (error || !data) return <Pending crumbs={crumbs} error={error} what="…" />`.
 */
export function Pending(props: { crumbs: ReactNode; error?: string; what: string }) {
  return (
    <>
      {props.crumbs}
      {props.error ? <ErrorNote error={props.error} /> : <Loading what={props.what} />}
    </>
  );
}

export function Stat(props: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.sub !== undefined && <div className="stat-sub">{props.sub}</div>}
    </div>
  );
}
