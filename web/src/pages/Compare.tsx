import { useState } from "react";
import { type CompareResponse, enc, type GateResponse, type GateRuleResult, useApi } from "../api.ts";
import { ErrorNote, Loading, Section, StatusBadge, TextBlock } from "../components/common.tsx";
import { int, ms, num, pct, points, pts, ptsCi, pval, usd } from "../format.ts";
import { Link, navigate } from "../router.tsx";

type Diff = Array<[-1 | 0 | 1, string]>;
type Flip = CompareResponse["flips"][number];
type Paired = CompareResponse["dimensions"][string];
type Verdict = Paired["verdict"];

/** failing rules listed in the banner; the rest one click away */
const RULES_SHOWN = 5;
const VERDICTS: Verdict[] = ["regressed", "improved", "underpowered", "no-change"];
const RANK: Record<Verdict, number> = { regressed: 0, improved: 1, underpowered: 2, "no-change": 3 };

/** Rows in verdict order (regressed first), dataset order kept within a verdict. */
function byVerdict(rows: Array<[string, Paired]>): Array<[string, Paired]> {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => RANK[a.r[1].verdict] - RANK[b.r[1].verdict] || a.i - b.i)
    .map(({ r }) => r);
}

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

/** Scores and deltas in points, p in scientific notation when small: the CLI's conventions. */
function VerdictTable(props: { rows: Array<[string, Paired]>; label: string; testId?: string }) {
  return (
    <table className="grid-table compact" data-testid={props.testId ?? `verdicts-${props.label}`}>
      <thead>
        <tr>
          <th>{props.label}</th>
          <th className="num">base</th>
          <th className="num">candidate</th>
          <th className="num">Δ pts</th>
          <th>95% CI (pts)</th>
          <th>test</th>
          <th className="num">p</th>
          <th className="num">p (Holm)</th>
          <th className="num">pass rate</th>
          <th className="num">n</th>
          <th className="num" title="smallest drop this many pairs detect at 80% power">
            MDE
          </th>
          <th>verdict</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([name, d]) => (
          <tr key={name} className={`verdict-${d.verdict}`} data-subject={name} data-verdict={d.verdict}>
            <td>
              {name}
              {d.evaluatorChanged ? " *" : ""}
            </td>
            <td className="num">{points(d.base)}</td>
            <td className="num">{points(d.candidate)}</td>
            <td className="num delta">{points(d.delta, true)}</td>
            <td>{ptsCi(d.ci)}</td>
            <td className="mono">{d.test}</td>
            <td className="num">{pval(d.p)}</td>
            <td className="num">{pval(d.pAdjusted)}</td>
            <td className="num">
              {pct(d.passRate.base, 0)} → {pct(d.passRate.candidate, 0)}
            </td>
            <td className="num">{int(d.n)}</td>
            <td className="num">{d.mde === null ? "—" : points(d.mde)}</td>
            <td>
              <StatusBadge status={d.verdict} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The comparison's own verdict when no gate policy applies: what regressed or improved. */
function comparisonVerdict(dims: Array<[string, Paired]>, slices: Array<[string, Paired]>) {
  const count = (rows: Array<[string, Paired]>, v: Verdict) => rows.filter(([, d]) => d.verdict === v).length;
  const phrase = (v: Verdict) => {
    const nd = count(dims, v);
    // a slice counts once however many of its dimensions moved (as the gate counts them)
    const ns = new Set(slices.filter(([, d]) => d.verdict === v).map(([name]) => name.split(" · ")[0])).size;
    return [
      nd > 0 ? `${nd} dimension${nd === 1 ? "" : "s"}` : "",
      ns > 0 ? `${ns} slice${ns === 1 ? "" : "s"}` : "",
    ]
      .filter(Boolean)
      .join(" and ");
  };
  const all = [...dims, ...slices];
  const underpowered = count(all, "underpowered");
  const tail =
    underpowered > 0 ? ` · ${underpowered} underpowered (a drop too small to tell from noise here)` : "";
  if (count(all, "regressed") > 0)
    return { verdict: "regressed" as const, line: `${phrase("regressed")} regressed${tail}` };
  if (count(all, "improved") > 0)
    return { verdict: "improved" as const, line: `${phrase("improved")} improved, nothing regressed${tail}` };
  return { verdict: "no-change" as const, line: `no detectable change${tail}` };
}

function RuleList(props: { rules: GateRuleResult[]; testId: string }) {
  return (
    <ul className="rules" data-testid={props.testId}>
      {props.rules.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a rule and subject can repeat
        <li key={i} className={`rule rule-${r.status}`}>
          <span className="rule-name mono">{r.rule}</span> {r.message}
        </li>
      ))}
    </ul>
  );
}

/** The first thing on the page: the gate's verdict when the suite has a policy, else the comparison's. */
function VerdictBanner(props: {
  gate: GateResponse | undefined;
  gateError?: string;
  fallback: ReturnType<typeof comparisonVerdict>;
  base: string;
}) {
  const { gate, fallback } = props;
  if (gate?.gate) {
    const g = gate.gate;
    const failed = g.rules.filter((r) => r.status === "fail");
    const warned = g.rules.filter((r) => r.status === "warn");
    // `gate FAIL: 2 of 41 rules — …`: the verdict large, the rest beside it
    const colon = g.summary.indexOf(":");
    const head = colon > 0 ? g.summary.slice(0, colon + 1) : `gate ${g.verdict}`;
    const tail = colon > 0 ? g.summary.slice(colon + 1) : g.summary;
    return (
      <section
        className={`banner banner-${g.verdict === "PASS" ? "pass" : "fail"}`}
        data-testid="verdict-banner"
        data-verdict={g.verdict}
      >
        <div className="banner-head" data-testid="verdict-summary">
          <strong className="banner-verdict">{head}</strong>
          <span>{tail}</span>
        </div>
        {failed.length > 0 && <RuleList rules={failed.slice(0, RULES_SHOWN)} testId="failing-rules" />}
        {failed.length > RULES_SHOWN && (
          <details>
            <summary>{failed.length - RULES_SHOWN} more failing rules</summary>
            <RuleList rules={failed.slice(RULES_SHOWN)} testId="more-failing-rules" />
          </details>
        )}
        {warned.length > 0 && (
          <details>
            <summary>{warned.length} warnings</summary>
            <RuleList rules={warned} testId="warning-rules" />
          </details>
        )}
        <p className="muted banner-note">
          policy: <span className="mono">{gate.suiteFile}</span> · baseline{" "}
          <span className="mono">{props.base}</span>
        </p>
      </section>
    );
  }
  const label = { regressed: "REGRESSED", improved: "IMPROVED", "no-change": "NO DETECTABLE CHANGE" }[
    fallback.verdict
  ];
  return (
    <section
      className={`banner banner-${fallback.verdict === "regressed" ? "fail" : fallback.verdict === "improved" ? "pass" : "neutral"}`}
      data-testid="verdict-banner"
      data-verdict={fallback.verdict}
    >
      <div className="banner-head">
        <strong className="banner-verdict">{label}</strong>
        <span data-testid="verdict-summary">{fallback.line}</span>
      </div>
      <p className="muted banner-note">
        {gate === undefined && !props.gateError
          ? "checking the suite's gate policy…"
          : `no gate applied: ${gate?.reason ?? props.gateError}`}
      </p>
    </section>
  );
}

/**
 * `/compare/:base/:candidate`: the verdict first (the suite's gate when it has a policy), then
 * what regressed, the dimension and slice verdicts (filterable), then the flipped cases.
 */
export function ComparePage(props: { base: string; candidate: string; search: URLSearchParams }) {
  const path = `/api/compare/${enc(props.base)}/${enc(props.candidate)}`;
  const { data, error } = useApi<CompareResponse>(path);
  const gate = useApi<GateResponse>(`${path}/gate`);
  const [direction, setDirection] = useState<"all" | "pass→fail" | "fail→pass">("all");
  const [shown, setShown] = useState(50);
  const filter = (props.search.get("verdict") ?? "") as Verdict | "";
  const setFilter = (v: Verdict | "") =>
    navigate(`/compare/${enc(props.base)}/${enc(props.candidate)}${v ? `?verdict=${v}` : ""}`, {
      replace: true,
    });
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
  const dimRows = byVerdict(Object.entries(data.dimensions));
  const sliceRows = byVerdict(
    Object.entries(data.slices).flatMap(([slice, dims]) =>
      Object.entries(dims).map(([d, v]): [string, Paired] => [`${slice} · ${d}`, v]),
    ),
  );
  const regressed = [...dimRows, ...sliceRows].filter(([, d]) => d.verdict === "regressed");
  const shownRows = (rows: Array<[string, Paired]>) =>
    filter ? rows.filter(([, d]) => d.verdict === filter) : rows;
  const counts = Object.fromEntries(
    VERDICTS.map((v) => [v, [...dimRows, ...sliceRows].filter(([, d]) => d.verdict === v).length]),
  );
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / compare
      </p>
      <h1>
        <Link to={`/runs/${enc(data.base)}`}>{data.targets.base}</Link> →{" "}
        <Link to={`/runs/${enc(data.candidate)}`}>{data.targets.candidate}</Link>
      </h1>
      <VerdictBanner
        gate={gate.data}
        gateError={gate.error}
        fallback={comparisonVerdict(dimRows, sliceRows)}
        base={data.base}
      />
      <p className="meta">
        base <span className="mono">{data.base}</span> · candidate{" "}
        <span className="mono">{data.candidate}</span> · {int(data.cases)} paired cases · α {data.alpha} ·{" "}
        {data.power.statement}
      </p>
      <Section title={`What regressed (${int(regressed.length)})`} id="regressed">
        {regressed.length === 0 ? (
          <p className="muted" data-testid="regressed-none">
            No dimension or slice regressed significantly.
          </p>
        ) : (
          <VerdictTable rows={regressed} label="dimension or slice" testId="regressed" />
        )}
      </Section>
      <div className="filters verdict-filter" data-testid="verdict-filter">
        <span className="muted">show</span>
        {(["", ...VERDICTS] as const).map((v) => (
          <button
            key={v || "all"}
            type="button"
            className={filter === v ? "on" : ""}
            aria-pressed={filter === v}
            data-verdict={v || "all"}
            onClick={() => setFilter(v)}
          >
            {v || "all"}
            {v ? ` ${int(counts[v])}` : ""}
          </button>
        ))}
      </div>
      <Section title="Dimensions">
        <VerdictTable rows={shownRows(dimRows)} label="dimension" />
      </Section>
      {sliceRows.length > 0 && (
        <Section title="Slices">
          <VerdictTable rows={shownRows(sliceRows)} label="slice" />
        </Section>
      )}
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
              <td className="num">{pts(data.errorRate.candidate - data.errorRate.base)}</td>
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
