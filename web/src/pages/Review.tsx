import { useCallback, useEffect, useRef, useState } from "react";
import {
  enc,
  type FlagResponse,
  getJson,
  type LabellerProgress,
  type LabelRecord,
  type LabelResponse,
  postJson,
  type QueueItemView,
  type QueueResponse,
} from "../api.ts";
import { ErrorNote, InputView, JsonBlock, Loading, Section, TextBlock } from "../components/common.tsx";
import { asText, prettyJson } from "../format.ts";
import { Link, navigate } from "../router.tsx";

/**
 * `/review/:queueId`: label a queue, for experts who are not engineers: the rubric on top, a
 * button per label (the number keys do the same), a comment saved with the label, and "flag as a
 * failure" to queue an output for the regression set. Blind: the page never asks for evaluator
 * scores. Number keys label and move on, j / k move, u undoes. Each label is saved at once; an
 * edit supersedes the earlier label (history is kept).
 */

interface KeyChoice {
  key: string;
  value: string | number;
  label: string;
}

/** Which number key gives which value, from the queue's kind and scale. */
function choicesFor(q: QueueResponse["queue"]): KeyChoice[] {
  const scale = q.scale ?? [];
  if (q.kind === "binary") {
    return [
      { key: "1", value: 1, label: "pass" },
      { key: "0", value: 0, label: "fail" },
    ];
  }
  if (q.kind === "pairwise") {
    return [
      { key: "1", value: "left", label: "left is better" },
      { key: "2", value: "right", label: "right is better" },
      { key: "3", value: "tie", label: "tie" },
    ];
  }
  const range = numericRange(q);
  if (range) {
    const [lo, hi] = range;
    if (lo >= 0 && hi <= 9) {
      return Array.from({ length: hi - lo + 1 }, (_, i) => ({
        key: String(lo + i),
        value: lo + i,
        label: String(lo + i),
      }));
    }
    if (lo >= 1 && hi === 10) {
      return Array.from({ length: 10 }, (_, i) => ({
        key: String((i + 1) % 10),
        value: i + 1,
        label: String(i + 1),
      }));
    }
    // wider ranges are typed: digits, then Enter
    return [];
  }
  return scale.slice(0, 9).map((v, i) => ({ key: String(i + 1), value: v, label: String(v) }));
}

/** An ordinal queue's numeric range: its scale [lo, hi], or 1–5 when it declares none. */
function numericRange(q: QueueResponse["queue"]): [number, number] | null {
  if (q.kind !== "ordinal") return null;
  const scale = q.scale ?? [];
  if (scale.length === 0) return [1, 5];
  const numeric = scale.filter((s): s is number => typeof s === "number");
  if (numeric.length === 2 && scale.length === 2 && numeric[1] - numeric[0] > 1)
    return [numeric[0], numeric[1]];
  return null;
}

interface UndoStep {
  index: number;
  before?: LabelRecord;
}

const LABELLER_KEY = "assay.labeller";

export function ReviewPage(props: { queueId: string; search: URLSearchParams }) {
  const { queueId } = props;
  const wanted = props.search.get("labeller") ?? localStorage.getItem(LABELLER_KEY) ?? "";
  const [data, setData] = useState<QueueResponse>();
  const [error, setError] = useState<string>();
  const [items, setItems] = useState<QueueItemView[]>([]);
  const [index, setIndex] = useState(0);
  const [note, setNote] = useState<string>("");
  const [undo, setUndo] = useState<UndoStep[]>([]);
  const [saving, setSaving] = useState(0);
  const chain = useRef<Promise<unknown>>(Promise.resolve());

  useEffect(() => {
    const ctl = new AbortController();
    getJson<QueueResponse>(
      `/api/queues/${enc(queueId)}${wanted ? `?labeller=${enc(wanted)}` : ""}`,
      ctl.signal,
    ).then(
      (res) => {
        setData(res);
        setItems(res.items);
        const firstOpen = res.items.findIndex((i) => !i.label);
        setIndex(Math.max(0, firstOpen));
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => ctl.abort();
  }, [queueId, wanted]);

  const labeller = data?.labeller ?? wanted;
  const choices = data ? choicesFor(data.queue) : [];
  const range = data ? numericRange(data.queue) : null;
  // a wide ordinal range (0–10, 0–100) is typed: digits, then Enter
  const typed = range !== null && choices.length === 0 ? range : null;
  const [buffer, setBuffer] = useState("");

  /** Saves one label now; the saves run one after another so an undo lands after its label. */
  const save = useCallback(
    (
      at: number,
      item: QueueItemView,
      value: string | number,
      then: (label: LabelRecord) => void,
      comment?: string,
    ) => {
      setSaving((n) => n + 1);
      chain.current = chain.current
        .then(() =>
          postJson<LabelResponse>(`/api/queues/${enc(queueId)}/labels`, {
            caseId: item.caseId,
            epoch: item.epoch,
            value,
            labeller,
            ...(comment ? { comment } : {}),
          }),
        )
        .then(
          (res) => {
            setItems((list) =>
              list.map((x, i) => (i === at ? { ...x, label: res.label, previous: x.label } : x)),
            );
            then(res.label);
          },
          (err: unknown) => setNote(`not saved: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => setSaving((n) => n - 1));
    },
    [queueId, labeller],
  );

  // the comment box belongs to the item in view: it shows (and edits) that item's label comment
  const [comment, setComment] = useState("");
  const shownItem = items[index];
  const shownKey = shownItem ? `${shownItem.caseId}\u0000${shownItem.epoch}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when another item comes into view
  useEffect(() => {
    setComment(shownItem?.label?.comment ?? "");
  }, [shownKey]);

  /** Labels the item in view (a key press or a button click) with the comment typed, and moves on. */
  const labelWith = useCallback(
    (choice: KeyChoice) => {
      const item = items[index];
      if (!item) return;
      let value = choice.value;
      if (item.pair && (value === "left" || value === "right")) value = item.pair[value].side;
      const at = index;
      setUndo((u) => [...u, { index: at, before: item.label }]);
      setNote(`${item.caseId}: ${choice.label}${comment.trim() ? " (with your comment)" : ""}`);
      save(at, item, value, () => {}, comment.trim() || undefined);
      // on to the next item without a label (or simply the next one)
      const nextOpen = items.findIndex((x, i) => i > at && !x.label);
      setIndex(nextOpen >= 0 ? nextOpen : Math.min(items.length - 1, at + 1));
    },
    [items, index, comment, save],
  );

  /** Saves an edited comment on the item's current label (a new label that supersedes it). */
  const saveComment = () => {
    const item = items[index];
    if (!item?.label) return;
    const at = index;
    save(
      at,
      item,
      item.label.value,
      () => setNote(`${item.caseId}: comment saved`),
      comment.trim() || undefined,
    );
  };

  /** Flags the item's output as a failure for the regression set, or withdraws the flag. */
  const flag = (flagged: boolean, reason: string) => {
    const item = items[index];
    if (!item || !data) return;
    const at = index;
    setSaving((n) => n + 1);
    postJson<FlagResponse>(`/api/runs/${enc(data.run.id)}/flags`, {
      caseId: item.caseId,
      epoch: item.epoch,
      labeller,
      queueId,
      flagged,
      ...(reason.trim() ? { comment: reason.trim() } : {}),
    })
      .then(
        (res) => {
          setItems((list) => list.map((x, i) => (i === at ? { ...x, flag: res.label } : x)));
          setNote(
            flagged
              ? `${item.caseId}: flagged as a failure, queued for \`assay promote ${data.run.id} --flagged\``
              : `${item.caseId}: flag withdrawn`,
          );
        },
        (err: unknown) => setNote(`not saved: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => setSaving((n) => n - 1));
  };

  const onKey = useCallback(
    (e: KeyboardEvent) => {
      if (!data || e.metaKey || e.ctrlKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      const item = items[index];
      if (e.key === "j") {
        setIndex((i) => Math.min(items.length - 1, i + 1));
        setNote("");
        return;
      }
      if (e.key === "k") {
        setIndex((i) => Math.max(0, i - 1));
        setNote("");
        return;
      }
      if (e.key === "u") {
        const step = undo[undo.length - 1];
        if (!step) {
          setNote("nothing to undo");
          return;
        }
        setUndo((u) => u.slice(0, -1));
        setIndex(step.index);
        const undone = items[step.index];
        if (step.before) {
          const before = step.before;
          save(
            step.index,
            undone,
            before.value,
            () => setNote(`undone: ${undone.caseId} is back to ${asText(before.value)}`),
            before.comment,
          );
        } else {
          setNote(
            `undone: back to ${undone.caseId}. Labels are never deleted, so its label stays until you give another one.`,
          );
        }
        return;
      }
      let choice = choices.find((c) => c.key === e.key);
      if (typed && item) {
        if (/^[0-9]$/.test(e.key)) {
          setBuffer((b) => (b + e.key).slice(-3));
          return;
        }
        if (e.key === "Backspace" || e.key === "Escape") {
          setBuffer("");
          return;
        }
        if (e.key !== "Enter" || buffer === "") return;
        const n = Number(buffer);
        setBuffer("");
        if (!Number.isInteger(n) || n < typed[0] || n > typed[1]) {
          setNote(`${buffer} is not on the scale ${typed[0]}–${typed[1]}`);
          return;
        }
        choice = { key: "Enter", value: n, label: String(n) };
      }
      if (!choice || !item) return;
      e.preventDefault();
      labelWith(choice);
    },
    [data, items, index, undo, choices, save, typed, buffer, labelWith],
  );

  useEffect(() => {
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onKey]);

  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="review queue" />;
  const done = items.filter((i) => i.label).length;
  const item = items[index];
  const shownValue = (l: LabelRecord | undefined) => {
    if (!l) return "—";
    if (item?.pair && (l.value === "a" || l.value === "b"))
      return item.pair.left.side === l.value ? "left" : "right";
    return asText(l.value);
  };
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / review / {data.queue.id}
      </p>
      <h1>
        Review · {data.queue.dimension}{" "}
        <span className="muted">
          ({data.queue.kind} · run {data.run.target})
        </span>
      </h1>
      <div className="review-bar">
        <label>
          labeller
          <input
            defaultValue={labeller}
            onBlur={(e) => {
              const name = e.target.value.trim();
              if (!name || name === labeller) return;
              localStorage.setItem(LABELLER_KEY, name);
              navigate(`/review/${enc(queueId)}?labeller=${enc(name)}`, { replace: true });
            }}
            data-testid="labeller"
          />
        </label>
        <progress max={items.length} value={done} />
        <span data-testid="progress">
          {done} / {items.length} labelled
        </span>
        <span className="muted">{saving > 0 ? "saving…" : "saved"}</span>
      </div>
      <LabellerOverview progress={data.progress} me={labeller} myDone={done} myTotal={items.length} />
      <Section title="Rubric">
        {data.rubric.text ? (
          <TextBlock text={data.rubric.text} testId="rubric" />
        ) : (
          <p data-testid="rubric">
            {data.queue.dimension}
            {data.rubric.ref ? (
              <span className="muted"> (rubric {data.rubric.ref} not found here)</span>
            ) : null}
          </p>
        )}
      </Section>
      <div className="keys" data-testid="keys">
        {choices.map((c) => (
          <button
            key={c.key}
            type="button"
            className="label-button"
            data-value={String(c.value)}
            onClick={() => labelWith(c)}
            disabled={!items[index]}
            title={`label this output "${c.label}" (key ${c.key})`}
          >
            <kbd>{c.key}</kbd> {c.label}
          </button>
        ))}
        {typed && (
          <span>
            type a score from {typed[0]} to {typed[1]}, then <kbd>Enter</kbd>
            {buffer ? ` (typed ${buffer})` : ""}
          </span>
        )}
        <span>
          <kbd>j</kbd> next
        </span>
        <span>
          <kbd>k</kbd> previous
        </span>
        <span>
          <kbd>u</kbd> undo
        </span>
      </div>
      {note && (
        <p className="note" role="status" data-testid="note">
          {note}
        </p>
      )}
      {items.length === 0 && <p className="muted">No items in this queue for {labeller}.</p>}
      {item && (
        <article className="review-item" data-testid="review-item" data-case={item.caseId}>
          <header className="review-head">
            <span>
              item {index + 1} of {items.length} · case <span className="mono">{item.caseId}</span>
              {new Set(items.map((i) => i.epoch)).size > 1 ? ` · epoch ${item.epoch}` : ""}
            </span>
            <span data-testid="current-label">your label: {shownValue(item.label)}</span>
          </header>
          <div className="review-notes">
            <label className="grow">
              comment <span className="muted">(saved with your label)</span>
              <textarea
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                rows={2}
                maxLength={10_000}
                placeholder="what is wrong or right about this output"
                data-testid="review-comment"
              />
            </label>
            {item.label && comment.trim() !== (item.label.comment ?? "") && (
              <button type="button" onClick={saveComment} data-testid="save-comment">
                Save comment
              </button>
            )}
            {!item.pair && (
              <FlagControl key={`${item.caseId}\u0000${item.epoch}`} flag={item.flag} onFlag={flag} />
            )}
          </div>
          <div className="two-col">
            <Section title="Input">
              <InputView input={item.input} />
            </Section>
            {item.expected !== undefined && (
              <Section title="Expected">
                <JsonBlock value={item.expected} />
              </Section>
            )}
          </div>
          {item.output && (
            <Section title="Output">
              {item.output.error && <p className="error-note">{item.output.error}</p>}
              <TextBlock text={prettyJson(item.output.text)} testId="review-output" />
            </Section>
          )}
          {item.pair && (
            <div className="side-by-side">
              <Section title="Left">
                {item.pair.left.error && <p className="error-note">{item.pair.left.error}</p>}
                <TextBlock text={prettyJson(item.pair.left.text)} testId="review-left" />
              </Section>
              <Section title="Right">
                {item.pair.right.error && <p className="error-note">{item.pair.right.error}</p>}
                <TextBlock text={prettyJson(item.pair.right.text)} testId="review-right" />
              </Section>
            </div>
          )}
        </article>
      )}
    </>
  );
}

/** "Flag as a failure": a reason, then the flag; once flagged, who flagged it and a way back. */
function FlagControl(props: { flag?: LabelRecord; onFlag: (flagged: boolean, reason: string) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const flagged = props.flag?.value === 1;
  if (flagged) {
    return (
      <div className="flag flag-on" data-testid="flagged">
        <span>
          Flagged as a failure{props.flag?.comment ? `: ${props.flag.comment}` : ""} — queued for the
          regression set
        </span>
        <button type="button" onClick={() => props.onFlag(false, "")} data-testid="flag-withdraw">
          Withdraw
        </button>
      </div>
    );
  }
  if (!open) {
    return (
      <button type="button" className="flag-button" onClick={() => setOpen(true)} data-testid="flag-failure">
        Flag as a failure…
      </button>
    );
  }
  return (
    <div className="flag" data-testid="flag-form">
      <label className="grow">
        why is it a failure? <span className="muted">(kept with the regression case)</span>
        <input
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={10_000}
          placeholder="e.g. invents a due date"
          data-testid="flag-reason"
        />
      </label>
      <button
        type="button"
        onClick={() => {
          props.onFlag(true, reason);
          setOpen(false);
        }}
        data-testid="flag-confirm"
      >
        Flag
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </div>
  );
}

/** Everyone's progress through the queue; this labeller's from the page itself (it moves as they label). */
function LabellerOverview(props: {
  progress: LabellerProgress[];
  me: string;
  myDone: number;
  myTotal: number;
}) {
  const rows = props.progress.some((p) => p.labeller === props.me)
    ? props.progress
    : [...props.progress, { labeller: props.me, assigned: props.myTotal, labelled: 0 }];
  return (
    <ul className="progress-list review-overview" data-testid="labeller-progress">
      {rows.map((p) => {
        const mine = p.labeller === props.me;
        const labelled = mine ? props.myDone : p.labelled;
        const assigned = mine ? props.myTotal : p.assigned;
        return (
          <li key={p.labeller} data-labeller={p.labeller} className={mine ? "me" : ""}>
            <span className="labeller">
              {p.labeller}
              {mine ? " (you)" : ""}
            </span>
            <progress max={Math.max(assigned, 1)} value={labelled} />
            <span className="num">
              {labelled} / {assigned}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
