import type { ReactNode } from "react";
import { CalibrationPage } from "./pages/Calibration.tsx";
import { CasePage } from "./pages/Case.tsx";
import { ComparePage } from "./pages/Compare.tsx";
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
      </nav>
      <main>{route(path, search)}</main>
    </>
  );
}
