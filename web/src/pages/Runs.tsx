import { useState } from "react";
import { enc, type RunsResponse, useApi } from "../api.ts";
import { ErrorNote, Loading, Section } from "../components/common.tsx";
import { int, when } from "../format.ts";
import { Link, navigate } from "../router.tsx";

const FILTERS = ["suite", "target", "tag"] as const;

/** `/`: every stored run, newest first, filtered by suite, target and tag; pick two to compare. */
export function RunsPage(props: { search: URLSearchParams }) {
  const params = new URLSearchParams();
  for (const f of FILTERS) {
    const v = props.search.get(f);
    if (v) params.set(f, v);
  }
  const query = params.toString();
  const { data, error, loading } = useApi<RunsResponse>(`/api/runs${query ? `?${query}` : ""}`);
  const [picked, setPicked] = useState<string[]>([]);

  const setFilter = (name: (typeof FILTERS)[number], value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    const q = next.toString();
    navigate(q ? `/?${q}` : "/", { replace: true });
  };
  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));

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
              <th className="num">cases</th>
              <th>started</th>
              <th>tags</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.length === 0 && (
              <tr>
                <td colSpan={9} className="muted">
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
                <td className="num">{int(r.caseCount)}</td>
                <td>{when(r.startedAt)}</td>
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
                <th>labellers</th>
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
                  <td>{q.labellers.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </>
  );
}
