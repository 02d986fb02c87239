import { useEffect, useState } from "react";
import {
  enc,
  getJson,
  type QueueSummary,
  type RunSummaryResponse,
  type RunsResponse,
  useApi,
} from "../api.ts";
import { ErrorNote, Loading, Section } from "../components/common.tsx";
import { Origin } from "../components/Origin.tsx";
import { ci, duration, int, num, when } from "../format.ts";
import { Link, navigate } from "../router.tsx";

const FILTERS = ["suite", "target", "tag"] as const;
/** runs whose aggregate the list fetches, and how many at a time (the server builds them one by one) */
const SUMMARIZED = 200;
const PARALLEL = 2;

/** The runs' aggregates, fetched a few at a time in list order; a failed one shows as missing. */
function useSummaries(ids: string[]): Map<string, RunSummaryResponse | "failed"> {
  const [found, setFound] = useState(new Map<string, RunSummaryResponse | "failed">());
  const key = ids.slice(0, SUMMARIZED).join("\u0000");
  useEffect(() => {
    const ctl = new AbortController();
    const queue = key === "" ? [] : key.split("\u0000");
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !ctl.signal.aborted; id = queue.shift()) {
        const runId = id;
        const result = await getJson<RunSummaryResponse>(`/api/runs/${enc(runId)}/summary`, ctl.signal).catch(
          () => "failed" as const,
        );
        if (!ctl.signal.aborted) setFound((m) => new Map(m).set(runId, result));
      }
    };
    for (let i = 0; i < PARALLEL; i++) void worker();
    return () => ctl.abort();
  }, [key]);
  return found;
}

/** Each labeller's progress through a queue: `ann 5 / 6` with a bar. */
function QueueProgress(props: { queue: QueueSummary }) {
  if (props.queue.progress.length === 0) return <span className="muted">no labellers yet</span>;
  return (
    <ul className="progress-list" data-testid={`queue-progress-${props.queue.id}`}>
      {props.queue.progress.map((p) => (
        <li key={p.labeller} data-labeller={p.labeller}>
          <span className="labeller">{p.labeller}</span>
          <progress max={Math.max(p.assigned, 1)} value={p.labelled} />
          <span className="num">
            {int(p.labelled)} / {int(p.assigned)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Runs one leaderboard takes at most (the API's bound). */
const MAX_PICKED = 64;

/** `/`: every stored run, newest first, filtered by suite, target and tag; pick two to compare, or more for a leaderboard. */
export function RunsPage(props: { search: URLSearchParams }) {
  const params = new URLSearchParams();
  for (const f of FILTERS) {
    const v = props.search.get(f);
    if (v) params.set(f, v);
  }
  const query = params.toString();
  const { data, error, loading } = useApi<RunsResponse>(`/api/runs${query ? `?${query}` : ""}`);
  const [picked, setPicked] = useState<string[]>([]);
  const summaries = useSummaries(data?.runs.map((r) => r.id) ?? []);

  const setFilter = (name: (typeof FILTERS)[number], value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    const q = next.toString();
    navigate(q ? `/?${q}` : "/", { replace: true });
  };
  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-MAX_PICKED)));

  return (
    <>
      <h1>Runs</h1>
      <div className="filters">
        {FILTERS.map((f) => {
          const options = data?.facets[`${f}s` as "suites" | "targets" | "tags"] ?? [];
          return (
            <label key={f}>
              {f}
              <select
                value={params.get(f) ?? ""}
                onChange={(e) => setFilter(f, e.target.value)}
                data-testid={`filter-${f}`}
              >
                <option value="">all</option>
                {options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
        <button
          type="button"
          disabled={picked.length !== 2}
          onClick={() => navigate(`/compare/${enc(picked[0])}/${enc(picked[1])}`)}
          data-testid="compare-picked"
        >
          Compare{" "}
          {picked.length === 2 ? `${picked[0]} → ${picked[1]}` : "(pick two runs: base, then candidate)"}
        </button>
        <button
          type="button"
          disabled={picked.length < 3}
          onClick={() => navigate(`/compare?runs=${picked.map(enc).join(",")}`)}
          data-testid="leaderboard-picked"
        >
          Leaderboard{picked.length >= 3 ? ` of ${picked.length} runs` : " (pick three or more)"}
        </button>
      </div>
      {error && <ErrorNote error={error} />}
      {loading && !data && <Loading what="runs" />}
      {data && (
        <table className="grid-table" data-testid="runs-table">
          <thead>
            <tr>
              <th />
              <th>run</th>
              <th>suite</th>
              <th>target</th>
              <th>dataset</th>
              <th>status</th>
              <th className="num">aggregate</th>
              <th className="num">cases</th>
              <th>started</th>
              <th className="num">duration</th>
              <th>commit</th>
              <th title="where the run was made: user@host, and its CI job">origin</th>
              <th>tags</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.length === 0 && (
              <tr>
                <td colSpan={13} className="muted">
                  No runs{query ? " match these filters" : " stored yet: try `assay run`"}.
                </td>
              </tr>
            )}
            {data.runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`pick ${r.id} to compare`}
                    checked={picked.includes(r.id)}
                    onChange={() => toggle(r.id)}
                  />
                </td>
                <td>
                  <Link to={`/runs/${enc(r.id)}`}>{r.id}</Link>
                </td>
                <td>{r.suite}</td>
                <td>{r.target}</td>
                <td className="mono">{r.datasetVersion.slice(0, 12)}</td>
                <td>
                  <span className={`run-status run-${r.status}`}>{r.status}</span>
                </td>
                <td className="num" data-testid="run-aggregate">
                  <Aggregate summary={summaries.get(r.id)} />
                </td>
                <td className="num">{int(r.caseCount)}</td>
                <td>{when(r.startedAt)}</td>
                <td className="num">
                  {r.status === "running" ? "running" : duration(r.startedAt, r.finishedAt)}
                </td>
                <td className="mono" title={r.lineage.gitCommit ?? "not in a git repository"}>
                  {r.lineage.gitCommit ? r.lineage.gitCommit.slice(0, 8) : "—"}
                </td>
                <td>
                  <Origin origin={r.lineage.origin} />
                </td>
                <td>{r.tags.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.queues.length > 0 && (
        <Section title="Review queues">
          <table className="grid-table" data-testid="queues-table">
            <thead>
              <tr>
                <th>queue</th>
                <th>run</th>
                <th>dimension</th>
                <th>kind</th>
                <th className="num">items</th>
                <th>progress per labeller</th>
                <th className="num">flagged</th>
              </tr>
            </thead>
            <tbody>
              {data.queues.map((q) => (
                <tr key={q.id}>
                  <td>
                    <Link to={`/review/${enc(q.id)}`}>{q.id}</Link>
                  </td>
                  <td>
                    {q.runId}
                    {q.otherRunId ? ` vs ${q.otherRunId}` : ""}
                  </td>
                  <td>{q.dimension}</td>
                  <td>{q.kind}</td>
                  <td className="num">{int(q.items)}</td>
                  <td>
                    <QueueProgress queue={q} />
                  </td>
                  <td
                    className="num"
                    title="outputs flagged as failures: `assay promote RUN --flagged --to FILE`"
                  >
                    {int(q.flagged)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </>
  );
}

function Aggregate(props: { summary: RunSummaryResponse | "failed" | undefined }) {
  const s = props.summary;
  if (s === undefined) return <span className="muted">…</span>;
  if (s === "failed" || s.aggregate.mean === null) return <span className="muted">—</span>;
  return (
    <span title={`95% CI ${ci(s.aggregate.ci)} · n ${int(s.aggregate.n)}`}>{num(s.aggregate.mean)}</span>
  );
}
