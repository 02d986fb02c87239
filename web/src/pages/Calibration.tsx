import { type CalibrationResponse, useApi } from "../api.ts";
import { ErrorNote, JsonBlock, Loading } from "../components/common.tsx";
import { int, when } from "../format.ts";
import { Link } from "../router.tsx";

/** The headline numbers of a calibration record: its top-level numeric metrics. */
function headline(metrics: Record<string, unknown>): Array<[string, number]> {
  return Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === "number");
}

/** `/calibration`: how each evaluator version agrees with human labels. */
export function CalibrationPage() {
  const { data, error } = useApi<CalibrationResponse>("/api/calibration");
  return (
    <>
      <p className="crumbs">
        <Link to="/">Runs</Link> / calibration
      </p>
      <h1>Calibration</h1>
      {error && <ErrorNote error={error} />}
      {!data && !error && <Loading what="calibration records" />}
      {data && data.records.length === 0 && (
        <p className="muted">
          No calibration records yet: label outputs in a review queue, then run `assay calibrate`.
        </p>
      )}
      {data && data.records.length > 0 && (
        <table className="grid-table" data-testid="calibration-table">
          <thead>
            <tr>
              <th>evaluator</th>
              <th>dimension</th>
              <th>run</th>
              <th className="num">n</th>
              <th>metrics</th>
              <th>label set</th>
              <th>when</th>
            </tr>
          </thead>
          <tbody>
            {data.records.map((r) => (
              <tr key={r.id}>
                <td className="mono">{r.evaluator}</td>
                <td>{r.dimension}</td>
                <td>{r.runId ?? "—"}</td>
                <td className="num">{int(r.n)}</td>
                <td>
                  <span className="metrics">
                    {headline(r.metrics).map(([k, v]) => (
                      <span key={k}>
                        {k} <strong>{Number.isInteger(v) ? v : v.toFixed(3)}</strong>
                      </span>
                    ))}
                  </span>
                  <details>
                    <summary>all metrics</summary>
                    <JsonBlock value={r.metrics} />
                  </details>
                </td>
                <td className="mono">{r.labelSetHash.slice(0, 10)}</td>
                <td>{when(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
