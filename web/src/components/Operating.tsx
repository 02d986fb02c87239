import type { Scorecard } from "../api.ts";
import { int, num, pct, usd } from "../format.ts";
import { ReliabilityDiagram, SelectiveCurve } from "./charts.tsx";
import { Section, Stat } from "./common.tsx";

/**
 * The scorecard's operating characteristics (issue 13) on the run page: the score band beside a
 * mean, suite-size advice, cost at volume, and confidence calibration. Each part renders only
 * when the scorecard has it; the sentences say what the CLI's (src/report/operating.ts) say.
 */

/** The band a mean falls in (`ready`, `targeted work`, …), as a small label. */
export function BandLabel(props: { band: string | null | undefined; testId?: string }) {
  if (!props.band) return null;
  return (
    <span className="band" data-testid={props.testId} data-band={props.band}>
      {props.band}
    </span>
  );
}

/** "to detect a change of 0.030 in the aggregate: needs ≈ 412 paired cases at 80% power (…)". */
export function sampleSizeSentence(s: NonNullable<Scorecard["sampleSize"]>): string {
  if (s.needed === null) {
    return `to detect a change of ${num(s.minEffect)} in the aggregate: no estimate (the per-case aggregate does not vary over ${s.cases} cases)`;
  }
  return (
    `to detect a change of ${num(s.minEffect)} in the aggregate: needs ≈ ${int(s.needed)} paired cases at ` +
    `${pct(s.power, 0)} power (this suite has ${int(s.cases)}; its MDE is ${num(s.mde)})`
  );
}

function pctCi(ci: [number, number] | null): string {
  return ci ? `[${(ci[0] * 100).toFixed(1)}, ${(ci[1] * 100).toFixed(1)}]` : "—";
}

function usdCi(ci: [number, number] | null): string {
  return ci ? `[${usd(ci[0])}, ${usd(ci[1])}]` : "—";
}

/** "escalate below 0.82: 23.0% of cases go to a person, accuracy on the rest 95.3% [93.1, 96.9] (target 95.0%)". */
export function escalationSentence(
  e: NonNullable<NonNullable<Scorecard["confidence"]>["escalation"]>,
): string {
  if (e.threshold === null) {
    return `no confidence threshold reaches ${pct(e.targetAccuracy)} accuracy: every threshold leaves too many errors answered`;
  }
  return (
    `escalate below ${num(e.threshold, 2)}: ${pct(e.escalated)} of cases go to a person, ` +
    `accuracy on the rest ${pct(e.accuracy)} ${pctCi(e.ci)} (target ${pct(e.targetAccuracy)})`
  );
}

export function CostAtVolume(props: { projection: NonNullable<Scorecard["cost"]["projection"]> }) {
  const p = props.projection;
  return (
    <Section
      title="Cost at volume"
      right={<span className="muted">{int(p.perMonth)} cases a month</span>}
      id="cost-at-volume"
    >
      <table className="grid-table compact" data-testid="cost-projection">
        <thead>
          <tr>
            <th />
            <th className="num">mean</th>
            <th>95% CI</th>
          </tr>
        </thead>
        <tbody>
          <tr data-row="per-case">
            <td>per case</td>
            <td className="num">{usd(p.perCase.mean)}</td>
            <td>{usdCi(p.perCase.ci)}</td>
          </tr>
          <tr data-row="per-month">
            <td>per month</td>
            <td className="num">{usd(p.monthly.mean)}</td>
            <td>{usdCi(p.monthly.ci)}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">
        from {int(p.n)} cases with a recorded cost (each case's epochs averaged; Student-t interval over
        cases)
        {p.cachedInputShare !== null
          ? ` · ${pct(p.cachedInputShare)} of input tokens from the prompt cache`
          : ""}
      </p>
      <p data-testid="cost-note">{p.note}</p>
    </Section>
  );
}

export function ConfidenceSection(props: { confidence: NonNullable<Scorecard["confidence"]> }) {
  const c = props.confidence;
  return (
    <Section
      title="Confidence calibration"
      right={<span className="muted">correct = {c.correctness}</span>}
      id="confidence"
    >
      <div className="stats" data-testid="confidence-stats">
        <Stat
          label="ECE"
          value={<span data-testid="ece">{num(c.ece)}</span>}
          sub="expected calibration error"
        />
        <Stat label="MCE" value={<span data-testid="mce">{num(c.mce)}</span>} sub="largest bin gap" />
        <Stat
          label="Brier"
          value={<span data-testid="brier">{num(c.brier)}</span>}
          sub="mean (p − correct)²"
        />
        <Stat
          label="results"
          value={int(c.n)}
          sub={
            c.missing > 0
              ? `${int(c.missing)} without a confidence or verdict left out`
              : "all with a confidence"
          }
        />
      </div>
      {c.escalation && (
        <p className="advice" data-testid="escalation">
          {escalationSentence(c.escalation)}
        </p>
      )}
      <div className="two-col">
        <div>
          <h3>Reliability diagram</h3>
          <ReliabilityDiagram bins={c.bins} />
          <table className="grid-table compact" data-testid="reliability-table">
            <thead>
              <tr>
                <th>confidence</th>
                <th className="num">n</th>
                <th className="num">accuracy</th>
                <th className="num">mean confidence</th>
              </tr>
            </thead>
            <tbody>
              {c.bins.map((b) => (
                <tr key={b.lo} data-lo={b.lo}>
                  <td>
                    {b.lo.toFixed(2)}–{b.hi.toFixed(2)}
                  </td>
                  <td className="num">{int(b.n)}</td>
                  <td className="num">{pct(b.accuracy)}</td>
                  <td className="num">{num(b.meanConfidence, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3>Selective prediction</h3>
          <SelectiveCurve selective={c.selective} escalation={c.escalation} />
          <p className="muted">
            As the threshold rises, fewer results are answered (coverage) and those answered are more often
            correct; results below the threshold go to a person.
          </p>
        </div>
      </div>
    </Section>
  );
}
