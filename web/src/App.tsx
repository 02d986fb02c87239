import type { ReactNode } from "react";
import { CalibrationPage } from "./pages/Calibration.tsx";
import { CasePage } from "./pages/Case.tsx";
import { ComparePage } from "./pages/Compare.tsx";
import { LeaderboardPage } from "./pages/Leaderboard.tsx";
import { MonitorPage, MonitorsPage } from "./pages/Monitors.tsx";
import { ProbePage, ProbesPage } from "./pages/Probes.tsx";
import { RecordPage } from "./pages/Record.tsx";
import { ReviewPage } from "./pages/Review.tsx";
import { RunPage } from "./pages/Run.tsx";
import { RunsPage } from "./pages/Runs.tsx";
import { Link, match, useLocation } from "./router.tsx";

function route(path: string, search: URLSearchParams): ReactNode {
  if (path === "/" || path === "") return <RunsPage search={search} />;
  if (path === "/calibration") return <CalibrationPage />;
  const run = match("/runs/:runId", path);
  if (run) return <RunPage key={run.runId} runId={run.runId} search={search} />;
  const kase = match("/runs/:runId/cases/:caseId", path);
  if (kase)
    return (
      <CasePage
        key={`${kase.runId}/${kase.caseId}`}
        runId={kase.runId}
        caseId={kase.caseId}
        search={search}
      />
    );
  const cmp = match("/compare/:base/:candidate", path);
  if (cmp)
    return (
      <ComparePage
        key={`${cmp.base}/${cmp.candidate}`}
        base={cmp.base}
        candidate={cmp.candidate}
        search={search}
      />
    );
  if (path === "/compare") {
    const runs = (search.get("runs") ?? "").split(",").filter(Boolean);
    return <LeaderboardPage key={runs.join(",")} runs={runs} />;
  }
  if (path === "/probes") return <ProbesPage />;
  const probe = match("/probes/:probeId", path);
  if (probe) return <ProbePage key={probe.probeId} probeId={probe.probeId} />;
  if (path === "/monitors") return <MonitorsPage />;
  const monitor = match("/monitors/:name", path);
  if (monitor) return <MonitorPage key={monitor.name} name={monitor.name} />;
  const record = match("/records/:recordId", path);
  if (record) return <RecordPage key={record.recordId} recordId={record.recordId} />;
  const review = match("/review/:queueId", path);
  if (review) return <ReviewPage key={review.queueId} queueId={review.queueId} search={search} />;
  return <p className="error-note">No page at {path}.</p>;
}

export function App() {
  const { path, search } = useLocation();
  return (
    <>
      <nav className="top">
        <Link to="/" className="brand">
          assay
        </Link>
        <Link to="/">Runs</Link>
        <Link to="/calibration">Calibration</Link>
        <Link to="/probes">Probes</Link>
        <Link to="/monitors">Monitors</Link>
      </nav>
      <main>{route(path, search)}</main>
    </>
  );
}
