import { useState } from "react";
import { type CompareResponse, enc, useApi } from "../api.ts";
import { ErrorNote, Loading, Section, StatusBadge, TextBlock } from "../components/common.tsx";
import { ci, int, ms, num, pct, usd } from "../format.ts";
import { Link } from "../router.tsx";

type Diff = Array<[-1 | 0 | 1, string]>;
type Flip = CompareResponse["flips"][number];
type Paired = CompareResponse["dimensions"][string];

/** One side of a word diff: the base shows what was removed, the candidate what was added. */
function DiffSide(props: { diff: Diff; side: "base" | "candidate"; fallback: string; testId: string }) {
  if (props.diff.length === 0) return <TextBlock text={props.fallback} testId={props.testId} />;
  const skip = props.side === "base" ? 1 : -1;
  return (
    <pre className="text diff" data-testid={props.testId}>
      {props.diff.map(([op, text], i) =>
        op === skip ? null : op === 0 ? (
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

function FlipCard(props: { flip: Flip; base: string; candidate: string }) {
  const { flip } = props;
  return (
    <article
      className={`flip ${flip.direction === "pass→fail" ? "flip-bad" : "flip-good"}`}
      data-testid="flip"
    >
      <header>
        <Link to={`/runs/${enc(props.candidate)}/cases/${enc(flip.caseId)}`} className="mono">
          {flip.caseId}
        </Link>
        <span className="dim">{flip.dimension}</span>
        <span className="direction">{flip.direction}</span>
        {Object.entries(flip.tags).map(([k, v]) => (
          <span key={k} className="tag">
            {k}={v}
          </span>
        ))}
      </header>
      <div className="side-by-side">
        <div>
          <h4>
            base <span className="mono">{props.base}</span> · score {num(flip.base.score, 2)}
          </h4>
          <DiffSide diff={flip.diff} side="base" fallback={flip.base.output} testId="flip-base" />
          <TextBlock text={flip.base.reason} className="reason" />
        </div>
        <div>
          <h4>
            candidate <span className="mono">{props.candidate}</span> · score {num(flip.candidate.score, 2)}
          </h4>
          <DiffSide
            diff={flip.diff}
            side="candidate"
            fallback={flip.candidate.output}
            testId="flip-candidate"
          />
          <TextBlock text={flip.candidate.reason} className="reason" />
        </div>
      </div>
    </article>
  );
}

function VerdictTable(props: { rows: Array<[string, Paired]>; label: string }) {
  return (
    <table className="grid-table compact" data-testid={`verdicts-${props.label}`}>
      <thead>
        <tr>
          <th>{props.label}</th>
          <th className="num">base</th>
          <th className="num">candidate</th>
          <th className="num">delta</th>
          <th>95% CI</th>
          <th>test</th>
          <th className="num">p</th>
          <th className="num">p (Holm)</th>
          <th className="num">pass rate</th>
          <th className="num">n</th>
          <th>verdict</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([name, d]) => (
          <tr key={name} className={`verdict-${d.verdict}`}>
            <td>{name}</td>
            <td className="num">{num(d.base)}</td>
            <td className="num">{num(d.candidate)}</td>
            <td className="num">{d.delta === null ? "—" : `${d.delta >= 0 ? "+" : ""}${num(d.delta)}`}</td>
            <td>{ci(d.ci)}</td>
            <td className="mono">{d.test}</td>
            <td className="num">{num(d.p, 4)}</td>
            <td className="num">{num(d.pAdjusted, 4)}</td>
            <td className="num">
              {pct(d.passRate.base, 0)} → {pct(d.passRate.candidate, 0)}
            </td>
            <td className="num">{int(d.n)}</td>
            <td>
              <StatusBadge status={d.verdict} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/compare/:base/:candidate`: verdicts per dimension and slice, and the flipped cases side by side. */
export function ComparePage(props: { base: string; candidate: string }) {
  const { data, error } = useApi<CompareResponse>(`/api/compare/${enc(props.base)}/${enc(props.candidate)}`);
  const [direction, setDirection] = useState<"all" | "pass→fail" | "fail→pass">("all");
  const [shown, setShown] = useState(50);
  if (error)
    return (
      <>
        <p className="crumbs">
          <Link to="/">Runs</Link> / compare
        </p>
        <ErrorNote error={error} />
      </>
    );
  if (!data) return <Loading what="comparison (paired tests take a moment on large runs)" />;
  const flips = data.flips.filter((f) => direction === "all" || f.direction === direction);
  const regressions = data.flips.filter((f) => f.direction === "pass→fail").length;
  const sliceRows: Array<[string, Paired]> = Object.entries(data.slices)
    .flatMap(([slice, dims]) =>
      Object.entries(dims).map(([d, v]): [string, Paired] => [`${slice} · ${d}`, v]),
    )
    .sort((a, b) => {
      const rank = (v: Paired) =>
        v.verdict === "regressed" ? 0 : v.verdict === "improved" ? 1 : v.verdict === "underpowered" ? 2 : 3;
      return rank(a[1]) - rank(b[1]);
    });
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / compare
      </p>
      <h1>
        <Link to={`/runs/${enc(data.base)}`}>{data.targets.base}</Link> →{" "}
        <Link to={`/runs/${enc(data.candidate)}`}>{data.targets.candidate}</Link>
      </h1>
      <p className="meta">
        base <span className="mono">{data.base}</span> · candidate{" "}
        <span className="mono">{data.candidate}</span> · {int(data.cases)} paired cases · α {data.alpha} ·{" "}
        {data.power.statement}
      </p>
      <Section title="Dimensions">
        <VerdictTable rows={Object.entries(data.dimensions)} label="dimension" />
      </Section>
      <Section
        title={`Flips (${int(data.flips.length)}: ${int(regressions)} pass→fail, ${int(data.flips.length - regressions)} fail→pass)`}
        right={
          <span className="filters inline">
            {(["all", "pass→fail", "fail→pass"] as const).map((d) => (
              <button
                key={d}
                type="button"
                className={direction === d ? "on" : ""}
                aria-pressed={direction === d}
                onClick={() => setDirection(d)}
              >
                {d}
              </button>
            ))}
          </span>
        }
        id="flips"
      >
        {flips.length === 0 && <p className="muted">No case changed verdict.</p>}
        {flips.slice(0, shown).map((f) => (
          <FlipCard key={`${f.caseId}|${f.dimension}`} flip={f} base={data.base} candidate={data.candidate} />
        ))}
        {flips.length > shown && (
          <button type="button" onClick={() => setShown((n) => n + 50)}>
            Show more ({int(flips.length - shown)} left)
          </button>
        )}
      </Section>
      {sliceRows.length > 0 && (
        <Section title="Slices">
          <VerdictTable rows={sliceRows} label="slice" />
        </Section>
      )}
      <Section title="Latency, cost and errors">
        <table className="grid-table compact">
          <thead>
            <tr>
              <th />
              <th className="num">base</th>
              <th className="num">candidate</th>
              <th className="num">change</th>
            </tr>
          </thead>
          <tbody>
            {(["p50", "p95", "p99"] as const).map((p) => {
              const l = data.latencyMs[p];
              return (
                <tr key={p}>
                  <td>latency {p}</td>
                  <td className="num">{ms(l.base)}</td>
                  <td className="num">{ms(l.candidate)}</td>
                  <td className="num">{l.relative === null ? "—" : pct(l.relative)}</td>
                </tr>
              );
            })}
            <tr>
              <td>cost per case</td>
              <td className="num">{usd(data.costPerCase.base)}</td>
              <td className="num">{usd(data.costPerCase.candidate)}</td>
              <td className="num">
                {data.costPerCase.relative === null ? "—" : pct(data.costPerCase.relative)}
              </td>
            </tr>
            <tr>
              <td>error rate</td>
              <td className="num">{pct(data.errorRate.base)}</td>
              <td className="num">{pct(data.errorRate.candidate)}</td>
              <td />
            </tr>
          </tbody>
        </table>
        {(data.unmatched.base.length > 0 || data.unmatched.candidate.length > 0) && (
          <p className="muted">
            Unmatched: {int(data.unmatched.base.length)} cases only in the base,{" "}
            {int(data.unmatched.candidate.length)} only in the candidate.
          </p>
        )}
      </Section>
    </>
  );
}
