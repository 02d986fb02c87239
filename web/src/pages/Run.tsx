import { useCallback, useEffect, useState } from "react";
import { type CaseStatus, enc, type ScorecardResponse, useApi } from "../api.ts";
import { CaseTable } from "../components/CaseTable.tsx";
import { DimensionWhiskers, ErrorBars, LatencyHistogram, SliceHeatMap } from "../components/charts.tsx";
import { ErrorNote, Loading, Section, Stat } from "../components/common.tsx";
import { BandLabel, ConfidenceSection, CostAtVolume, sampleSizeSentence } from "../components/Operating.tsx";
import { Origin } from "../components/Origin.tsx";
import { ci, int, ms, num, pct, usd, when } from "../format.ts";
import { Link, navigate } from "../router.tsx";

const STATUSES: CaseStatus[] = ["pass", "fail", "error", "unscored"];

/**
 * The most frequent reasons a dimension's cases are unscored, as plain text (`judge-refused ×3,
 * no-expected ×2, +1 more`): reasons can quote model outputs, so they are never rendered as HTML.
 */
function unscoredSummary(reasons: Record<string, number> | undefined, limit = 3): string {
  const entries = Object.entries(reasons ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return "";
  const shown = entries.slice(0, limit).map(([reason, n]) => `${reason} ×${n}`);
  const rest = entries.length - limit;
  return shown.join(", ") + (rest > 0 ? `, +${rest} more` : "");
}
const FILTER_KEYS = ["slice", "dimension", "status", "q"] as const;
const FLAKY_SHOWN = 30;

/** Cases whose verdict differs between epochs: which, on what, and each epoch's verdict. */
function FlakyCases(props: {
  runId: string;
  flaky: ScorecardResponse["scorecard"]["flaky"];
  epochs: number;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? props.flaky : props.flaky.slice(0, FLAKY_SHOWN);
  const mark = (v: boolean | null) => (v === null ? "–" : v ? "✓" : "✗");
  return (
    <Section
      title={`Flaky cases (${int(props.flaky.length)})`}
      right={<span className="muted">verdict differs between the {props.epochs} epochs</span>}
    >
      <table className="grid-table compact" data-testid="flaky">
        <thead>
          <tr>
            <th>case</th>
            <th>dimension</th>
            <th>verdict per epoch</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((f) => (
            <tr key={`${f.caseId}|${f.dimension}`} data-case={f.caseId}>
              <td>
                <Link to={`/runs/${enc(props.runId)}/cases/${enc(f.caseId)}`} className="mono">
                  {f.caseId}
                </Link>
              </td>
              <td>{f.dimension}</td>
              <td className="mono" title="✓ pass · ✗ fail · – unscored">
                {f.verdicts.map(mark).join(" ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!all && props.flaky.length > FLAKY_SHOWN && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {int(props.flaky.length)}
        </button>
      )}
    </Section>
  );
}

/** `/runs/:runId`: the scorecard and the case table, its filters kept in the address. */
export function RunPage(props: { runId: string; search: URLSearchParams }) {
  const { runId, search } = props;
  const card = useApi<ScorecardResponse>(`/api/runs/${enc(runId)}/scorecard`);

  const filter = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = search.get(k);
    if (v) filter.set(k, v);
  }
  const sort = search.get("sort") ?? "ordinal";
  const setParams = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(location.search);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === "") next.delete(k);
        else next.set(k, v);
      }
      const q = next.toString();
      navigate(`/runs/${enc(runId)}${q ? `?${q}` : ""}`, { replace: true });
    },
    [runId],
  );

  // text search follows typing after a short pause
  const [text, setText] = useState(search.get("q") ?? "");
  const q = search.get("q") ?? "";
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => setParams({ q: text }), 250);
    return () => clearTimeout(t);
  }, [text, q, setParams]);

  const data = card.data;
  const sc = data?.scorecard;
  const status = search.get("status") ?? "";
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / {runId}
      </p>
      {card.error && <ErrorNote error={card.error} />}
      {data && sc ? (
        <>
          <h1>
            {sc.run.suite} · {sc.run.target}
          </h1>
          <p className="meta">
            run <span className="mono">{sc.run.id}</span> · {sc.run.status} · dataset{" "}
            <span className="mono">{sc.run.datasetVersion}</span> · started {when(sc.run.startedAt)} · epochs{" "}
            {sc.run.epochs}
            {data.run.tags.length > 0 ? ` · tags ${data.run.tags.join(", ")}` : ""}
            {data.run.lineage.origin && (
              <>
                {" · from "}
                <Origin origin={data.run.lineage.origin} />
              </>
            )}
          </p>
          <div className="stats">
            <Stat
              label="aggregate"
              value={
                <>
                  {num(sc.aggregate.mean)} <BandLabel band={sc.aggregate.band} testId="aggregate-band" />
                </>
              }
              sub={`95% CI ${ci(sc.aggregate.ci)} · n ${int(sc.aggregate.n)}`}
            />
            <Stat
              label="cases"
              value={int(sc.cases)}
              sub={`${int(sc.results)} results${sc.missing > 0 ? ` · ${int(sc.missing)} missing` : ""}`}
            />
            <Stat label="errors" value={int(sc.errors.count)} sub={`rate ${pct(sc.errors.rate)}`} />
            <Stat
              label="latency p50 / p95 / p99"
              value={`${ms(sc.latencyMs.p50)} / ${ms(sc.latencyMs.p95)}`}
              sub={`p99 ${ms(sc.latencyMs.p99)}`}
            />
            <Stat
              label="cost"
              value={usd(sc.cost.total)}
              sub={`${usd(sc.cost.perCase)} per case${sc.cost.judge > 0 ? ` · judges ${usd(sc.cost.judge)}` : ""}`}
            />
            <Stat label="tokens in / out" value={`${int(sc.tokens.input)} / ${int(sc.tokens.output)}`} />
          </div>
          {sc.sampleSize && (
            <p className="advice" data-testid="suite-size-advice">
              {sampleSizeSentence(sc.sampleSize)}
            </p>
          )}
          <div className="two-col">
            <Section title="Dimensions">
              <DimensionWhiskers scorecard={sc} />
              <table className="grid-table compact">
                <thead>
                  <tr>
                    <th>dimension</th>
                    <th>evaluator</th>
                    <th className="num">weight</th>
                    <th className="num">mean</th>
                    <th>band</th>
                    <th>95% CI</th>
                    <th className="num">pass rate</th>
                    <th className="num">n</th>
                    <th className="num">unscored</th>
                    <th>why unscored</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(sc.dimensions).map(([name, d]) => (
                    <tr key={name}>
                      <td>{name}</td>
                      <td className="mono">{d.evaluator}</td>
                      <td className="num">{d.weight}</td>
                      <td className="num">{num(d.mean)}</td>
                      <td>
                        <BandLabel band={d.band} testId={`band-${name}`} />
                      </td>
                      <td>{ci(d.ci)}</td>
                      <td className="num">{pct(d.passRate)}</td>
                      <td className="num">{int(d.n)}</td>
                      <td className="num">{int(d.unscored)}</td>
                      <td className="muted" data-testid={`unscored-reasons-${name}`}>
                        {unscoredSummary(d.unscoredReasons)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
            <div>
              <Section title="Latency">
                <LatencyHistogram
                  bins={data.latencyHistogram}
                  p50={sc.latencyMs.p50}
                  p95={sc.latencyMs.p95}
                />
              </Section>
              <Section title="Errors by class">
                <ErrorBars byClass={sc.errors.byClass} total={sc.results} />
              </Section>
            </div>
          </div>
          <Section
            title="Slices × dimensions"
            right={<span className="muted">mean score; click a cell for its failing cases</span>}
          >
            <SliceHeatMap
              scorecard={sc}
              onPick={(slice, dimension) => {
                setParams({ slice, dimension, status: "fail" });
                // the filtered table is what the click asked for: bring it into view
                requestAnimationFrame(() =>
                  document.getElementById("cases")?.scrollIntoView({ block: "start" }),
                );
              }}
            />
          </Section>
          {sc.cost.projection && <CostAtVolume projection={sc.cost.projection} />}
          {sc.confidence && <ConfidenceSection confidence={sc.confidence} />}
          {sc.flaky.length > 0 && <FlakyCases runId={runId} flaky={sc.flaky} epochs={sc.run.epochs} />}
          {sc.patterns.length > 0 && (
            <Section title="Failure patterns">
              <ul className="patterns">
                {sc.patterns.slice(0, 10).map((p) => (
                  <li key={`${p.dimension}|${p.field}|${p.expected}|${p.actual}`}>
                    <strong>{p.dimension}</strong>
                    {p.field ? ` · ${p.field}` : ""}: expected <code>{p.expected}</code>, got{" "}
                    <code>{p.actual}</code> ×{p.count}
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </>
      ) : (
        !card.error && (
          <>
            <h1>{runId}</h1>
            <Loading what="scorecard" />
          </>
        )
      )}
      <Section title="Cases" id="cases">
        <div className="filters">
          <label>
            slice
            <select
              value={search.get("slice") ?? ""}
              onChange={(e) => setParams({ slice: e.target.value })}
              data-testid="filter-slice"
            >
              <option value="">all</option>
              {(data?.slices ?? (search.get("slice") ? [search.get("slice") as string] : [])).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            dimension
            <select
              value={search.get("dimension") ?? ""}
              onChange={(e) => setParams({ dimension: e.target.value })}
              data-testid="filter-dimension"
            >
              <option value="">all (overall)</option>
              {Object.keys(sc?.dimensions ?? {}).map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="status-filter" data-testid="filter-status">
            <legend>status</legend>
            {["", ...STATUSES].map((s) => (
              <button
                type="button"
                key={s || "all"}
                className={status === s ? "on" : ""}
                aria-pressed={status === s}
                onClick={() => setParams({ status: s })}
                data-status={s || "all"}
              >
                {s || "all"}
                {data && s && !search.get("dimension") ? ` ${int(data.statusCounts[s as CaseStatus])}` : ""}
              </button>
            ))}
          </fieldset>
          <label className="grow">
            search
            <input
              type="search"
              value={text}
              placeholder="id, input, output or tag"
              onChange={(e) => setText(e.target.value)}
              data-testid="filter-q"
            />
          </label>
        </div>
        <CaseTable
          runId={runId}
          filter={filter.toString()}
          sort={sort}
          onSort={(s) => setParams({ sort: s === "ordinal" ? null : s })}
        />
      </Section>
    </>
  );
}
