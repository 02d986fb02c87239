import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../../test/support/synthetic-runs.ts";
import { caseResults } from "../../scorecard/case-results.ts";
import { robustnessReport } from "./robustness.ts";

describe("robustnessReport", () => {
  it("pairs each copy with its original and reports the mean drop with a t interval", () => {
    const orig = [0.9, 0.8, 1, 0.6];
    const typo = [0.7, 0.8, 0.5, 0.6];
    const rows = syntheticRows({
      dimensions: { q: { threshold: 0.75 } },
      cases: [
        ...orig.map((s, i) => ({ id: `c${i}`, tags: { perturbation: "none" }, scores: { q: s } })),
        ...typo.map((s, i) => ({ id: `c${i}~typo`, tags: { perturbation: "typo" }, scores: { q: s } })),
        { id: "lost~typo", tags: { perturbation: "typo" }, scores: { q: 1 } },
      ],
    });
    const results = caseResults(rows.run, rows.cases, rows.outputs, rows.scores);
    const r = robustnessReport(results, results, ["q"]);
    const d = orig.map((o, i) => o - typo[i]);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / (d.length - 1));
    const t975df3 = 3.182446305284263; // scipy.stats.t.ppf(0.975, 3)
    const m = r.kinds.typo.dimensions.q;
    expect(m.n).toBe(4);
    expect(m.drop).toBeCloseTo(mean, 12);
    expect(m.ci?.[0]).toBeCloseTo(mean - (t975df3 * sd) / 2, 9);
    expect(m.ci?.[1]).toBeCloseTo(mean + (t975df3 * sd) / 2, 9);
    // c0 0.9 → 0.7 and c2 1 → 0.5 cross the 0.75 threshold
    expect(m.passToFail).toBe(2);
    expect(m.failToPass).toBe(0);
    expect(r.kinds.typo.aggregate.drop).toBeCloseTo(mean, 12);
    expect(r.unpaired).toEqual(["lost~typo"]);
  });
});
