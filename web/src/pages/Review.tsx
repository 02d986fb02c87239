import { useCallback, useEffect, useRef, useState } from "react";
import {
  enc,
  getJson,
  type LabelRecord,
  type LabelResponse,
  postJson,
  type QueueItemView,
  type QueueResponse,
} from "../api.ts";
import { ErrorNote, InputView, JsonBlock, Loading, Section, TextBlock } from "../components/common.tsx";
import { asText } from "../format.ts";
import { Link, navigate } from "../router.tsx";

/**
 * `/review/:queueId`: label a queue with the keyboard alone. Blind: the page never asks for
 * evaluator scores. Number keys label and move on, j / k move, u undoes. Each label is saved at
 * once; an edit supersedes the earlier label (history is kept).
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
    (at: number, item: QueueItemView, value: string | number, then: (label: LabelRecord) => void) => {
      setSaving((n) => n + 1);
      chain.current = chain.current
        .then(() =>
          postJson<LabelResponse>(`/api/queues/${enc(queueId)}/labels`, {
            caseId: item.caseId,
            epoch: item.epoch,
            value,
            labeller,
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
          save(step.index, undone, before.value, () =>
            setNote(`undone: ${undone.caseId} is back to ${asText(before.value)}`),
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
      let value = choice.value;
      if (item.pair && (value === "left" || value === "right")) value = item.pair[value].side;
      const at = index;
      setUndo((u) => [...u, { index: at, before: item.label }]);
      setNote(`${item.caseId}: ${choice.label}`);
      save(at, item, value, () => {});
      // on to the next item without a label (or simply the next one)
      const nextOpen = items.findIndex((x, i) => i > at && !x.label);
      setIndex(nextOpen >= 0 ? nextOpen : Math.min(items.length - 1, at + 1));
    },
    [data, items, index, undo, choices, save, typed, buffer],
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
        {data.queue.kind === "ordinal" &&
        choices.length > 1 &&
        choices.every((c) => String(c.value) === c.key) ? (
          <span>
            <kbd>{choices[0].key}</kbd> … <kbd>{choices[choices.length - 1].key}</kbd> score (
            {choices[0].label} lowest)
          </span>
        ) : (
          choices.map((c) => (
            <span key={c.key}>
              <kbd>{c.key}</kbd> {c.label}
            </span>
          ))
        )}
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
              <TextBlock text={item.output.text} testId="review-output" />
            </Section>
          )}
          {item.pair && (
            <div className="side-by-side">
              <Section title="Left">
                {item.pair.left.error && <p className="error-note">{item.pair.left.error}</p>}
                <TextBlock text={item.pair.left.text} testId="review-left" />
              </Section>
              <Section title="Right">
                {item.pair.right.error && <p className="error-note">{item.pair.right.error}</p>}
                <TextBlock text={item.pair.right.text} testId="review-right" />
              </Section>
            </div>
          )}
        </article>
      )}
    </>
  );
}
