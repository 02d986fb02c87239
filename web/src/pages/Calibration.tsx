import type { ReactNode } from "react";
import { type CalibrationRecord, type CalibrationResponse, useApi } from "../api.ts";
import { ErrorNote, JsonBlock, Loading, Section } from "../components/common.tsx";
import { int, pct, when } from "../format.ts";
import { Link } from "../router.tsx";

/**
 * `/calibration`: how each evaluator version agrees with human labels. A record's metrics are the
 * calibration report (src/calibrate/report.ts or pairwise.ts) as stored; older or imported records
 * may hold only a few numbers, so every field is read defensively.
 */

type Metrics = Record<string, unknown>;
interface Interval {
  lower: number | null;
  upper: number | null;
}
interface Confusion {
  labels: Array<string | number>;
  matrix: number[][];
}

const NAMES: Record<string, string> = {
  agreement: "agreement",
  cohenKappa: "Cohen's κ",
  kappa: "κ",
  krippendorffAlpha: "Krippendorff's α",
  alpha: "Krippendorff's α",
  spearman: "Spearman ρ",
  kendallTauB: "Kendall τ-b",
  n: "label pairs",
  items: "items",
};

const numberAt = (m: Metrics, ...path: string[]): number | null => {
  let v: unknown = m;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};

const objectAt = <T,>(m: Metrics, ...path: string[]): T | null => {
  let v: unknown = m;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
  return v && typeof v === "object" ? (v as T) : null;
};

/** `llm-judge@3#9f2c…` → "llm-judge, version 3" (the settings hash stays beside it). */
export function evaluatorName(id: string): { name: string; settings: string | null } {
  const [kindVersion, settings] = id.split("#", 2);
  const at = kindVersion.lastIndexOf("@");
  const name = at > 0 ? `${kindVersion.slice(0, at)}, version ${kindVersion.slice(at + 1)}` : kindVersion;
  return { name, settings: settings ?? null };
}

function fixed(v: number | null): string {
  return v === null ? "—" : v.toFixed(3);
}

function interval(iv: Interval | null): string {
  return iv && iv.lower !== null && iv.upper !== null ? `[${fixed(iv.lower)}, ${fixed(iv.upper)}]` : "";
}

/** A statistic with its bootstrap interval when the record has one. */
function Stat(props: { value: number | null; ci?: Interval | null }) {
  return (
    <>
      <strong>{fixed(props.value)}</strong>
      {props.ci && interval(props.ci) !== "" && <span className="muted ci"> {interval(props.ci)}</span>}
    </>
  );
}

/** The headline agreement of a record: quadratic-weighted κ on ordinal scales, Cohen's κ otherwise. */
function headline(m: Metrics): { label: string; value: number | null; ci: Interval | null } {
  const method = objectAt<{ kappaMethod?: string }>(m, "headline")?.kappaMethod;
  const quadratic = numberAt(m, "weightedKappa", "quadratic");
  if (method?.includes("quadratic") && quadratic !== null) {
    return {
      label: "weighted κ (quadratic)",
      value: quadratic,
      ci: objectAt<Interval>(m, "intervals", "weightedKappaQuadratic"),
    };
  }
  const cohen = numberAt(m, "cohenKappa");
  if (cohen !== null)
    return { label: "Cohen's κ", value: cohen, ci: objectAt<Interval>(m, "intervals", "cohenKappa") };
  return { label: "κ", value: numberAt(m, "headline", "kappa") ?? numberAt(m, "kappa"), ci: null };
}

/** Rows are what people said, columns what the judge said; the diagonal is agreement. */
function ConfusionTable(props: { confusion: Confusion; binary: boolean; testId: string }) {
  const { matrix } = props.confusion;
  // a binary scale's 0 / 1 read as fail / pass
  const labels = props.confusion.labels.map((l) =>
    props.binary && (l === 0 || l === 1) ? `${l === 1 ? "pass" : "fail"} (${l})` : l,
  );
  return (
    <table className="grid-table compact confusion" data-testid={props.testId}>
      <thead>
        <tr>
          <th>human ↓ · judge →</th>
          {labels.map((l) => (
            <th key={String(l)} className="num">
              {String(l)}
            </th>
          ))}
          <th className="num">total</th>
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={String(labels[i])}>
            <th scope="row">{String(labels[i])}</th>
            {row.map((count, j) => (
              <td key={String(labels[j])} className={`num${i === j ? " diagonal" : ""}`}>
                {int(count)}
              </td>
            ))}
            <td className="num muted">{int(row.reduce((a, b) => a + b, 0))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RecordDetail(props: { record: CalibrationRecord }) {
  const r = props.record;
  const m = r.metrics;
  const confusion = objectAt<Confusion>(m, "confusion");
  const bias = objectAt<{ direction?: string; difference?: number }>(m, "bias");
  const human = objectAt<{ krippendorffAlpha?: number | null; labellers?: string[] }>(m, "humanAgreement");
  const { name } = evaluatorName(r.evaluator);
  const facts: Array<[string, ReactNode]> = [];
  const stat = (label: string, value: number | null, ci: Interval | null) => {
    if (value !== null) facts.push([label, <Stat key={label} value={value} ci={ci} />]);
  };
  stat("Cohen's κ", numberAt(m, "cohenKappa"), objectAt<Interval>(m, "intervals", "cohenKappa"));
  stat(
    "weighted κ (quadratic)",
    numberAt(m, "weightedKappa", "quadratic"),
    objectAt<Interval>(m, "intervals", "weightedKappaQuadratic"),
  );
  stat(
    "Krippendorff's α",
    numberAt(m, "krippendorffAlpha"),
    objectAt<Interval>(m, "intervals", "krippendorffAlpha"),
  );
  const agreement = numberAt(m, "agreement");
  if (agreement !== null) facts.push(["agreement", pct(agreement)]);
  stat("Spearman ρ", numberAt(m, "spearman"), null);
  stat("Kendall τ-b", numberAt(m, "kendallTauB"), null);
  if (bias?.direction) {
    facts.push([
      "judge compared with people",
      `${bias.direction}${typeof bias.difference === "number" ? ` (mean difference ${bias.difference.toFixed(3)})` : ""}`,
    ]);
  }
  if (human) {
    const alpha = typeof human.krippendorffAlpha === "number" ? human.krippendorffAlpha : null;
    facts.push([
      "people with each other (the ceiling)",
      `α ${fixed(alpha)}${human.labellers ? ` over ${human.labellers.length} labellers` : ""}`,
    ]);
  }
  // numbers of records this page has no name for (older or imported ones), under their own names
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== "number" || facts.some(([label]) => label === (NAMES[k] ?? k))) continue;
    if (["n", "items", "minLabels", "cohenKappa", "krippendorffAlpha", "spearman", "kendallTauB"].includes(k))
      continue;
    facts.push([NAMES[k] ?? k, fixed(v)]);
  }
  return (
    <Section title={`${name} · ${r.dimension}`} id={`cal-${r.id}`}>
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {confusion && Array.isArray(confusion.labels) && Array.isArray(confusion.matrix) ? (
        <>
          <h4>Confusion matrix</h4>
          <ConfusionTable
            confusion={confusion}
            binary={objectAt<{ kind?: string }>(m, "scale")?.kind === "binary"}
            testId={`confusion-${r.id}`}
          />
        </>
      ) : (
        <p className="muted">No confusion matrix in this record.</p>
      )}
      <details>
        <summary>all metrics</summary>
        <JsonBlock value={m} />
      </details>
    </Section>
  );
}

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
        <>
          <table className="grid-table" data-testid="calibration-table">
            <thead>
              <tr>
                <th>evaluator</th>
                <th>dimension</th>
                <th>run</th>
                <th className="num">labels</th>
                <th>agreement with people (95% CI)</th>
                <th>Krippendorff's α</th>
                <th>status</th>
                <th>when</th>
              </tr>
            </thead>
            <tbody>
              {data.records.map((r) => {
                const h = headline(r.metrics);
                const { name } = evaluatorName(r.evaluator);
                const status = typeof r.metrics.status === "string" ? r.metrics.status : null;
                return (
                  <tr key={r.id} data-record={r.id}>
                    <td>
                      <a href={`#cal-${r.id}`}>{name}</a>
                      <div className="muted mono small" title="the evaluator id the record is bound to">
                        {r.evaluator}
                      </div>
                    </td>
                    <td>{r.dimension}</td>
                    <td>
                      {r.runId ? <Link to={`/runs/${encodeURIComponent(r.runId)}`}>{r.runId}</Link> : "—"}
                    </td>
                    <td className="num">{int(r.n)}</td>
                    <td>
                      {h.label} <Stat value={h.value} ci={h.ci} />
                    </td>
                    <td>
                      <Stat
                        value={
                          numberAt(r.metrics, "krippendorffAlpha") ?? numberAt(r.metrics, "headline", "alpha")
                        }
                        ci={objectAt<Interval>(r.metrics, "intervals", "krippendorffAlpha")}
                      />
                    </td>
                    <td>{status ?? "—"}</td>
                    <td>{when(r.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {data.records.map((r) => (
            <RecordDetail key={r.id} record={r} />
          ))}
        </>
      )}
    </>
  );
}
