import { describe, expect, it } from "vitest";
import { syntheticRows } from "../../test/support/synthetic-runs.ts";
import type { RunRows } from "./compare.ts";
import { compareRuns } from "./compare.ts";

/**
 * `compare` honours `cluster` as the scorecard does: cases in one cluster (turns of one
 * conversation, questions on one document) are resampled together.
 */

const OPTS = { resamples: 2000, seed: 7 } as const;

/** 20 clusters × 10 cases; each cluster moves as one (the candidate is better or worse on all of it). */
function clusteredRuns(clusterOf: (cluster: number, i: number) => string | undefined): [RunRows, RunRows] {
  const baseCases = [];
  const candCases = [];
  for (let g = 0; g < 20; g++) {
    // cluster effect ±0.3 (deterministic, 12 up and 8 down), a little within-cluster spread
    const effect = g % 5 < 3 ? 0.3 : -0.3;
    for (let i = 0; i < 10; i++) {
      const id = `g${String(g).padStart(2, "0")}-${i}`;
      const b = 0.5 + ((i % 3) - 1) * 0.05;
      baseCases.push({ id, scores: { quality: b } });
      candCases.push({
        id,
        scores: { quality: Math.min(1, Math.max(0, b + effect + (i % 2 ? 0.01 : -0.01))) },
      });
    }
  }
  const dims = { quality: { threshold: 0.6 } };
  const base = syntheticRows({ id: "base", cases: baseCases, dimensions: dims });
  const cand = syntheticRows({ id: "cand", cases: candCases, dimensions: dims });
  for (const rows of [base, cand]) {
    rows.cases.forEach((c, k) => {
      const cluster = clusterOf(Math.floor(k / 10), k % 10);
      if (cluster !== undefined) c.cluster = cluster;
    });
  }
  return [base, cand];
}

const width = (ci: [number, number] | null) => (ci ? ci[1] - ci[0] : Number.NaN);

describe("compare: cluster bootstrap when cases carry `cluster`", () => {
  it("resamples whole clusters: a wider interval and larger p than the case bootstrap, named in `test`", () => {
    const [base, cand] = clusteredRuns((g) => `conv-${g}`);
    const [plainBase, plainCand] = clusteredRuns(() => undefined);
    const clustered = compareRuns(base, cand, OPTS).dimensions.quality;
    const plain = compareRuns(plainBase, plainCand, OPTS).dimensions.quality;
    expect(plain.test).toBe("paired-bootstrap");
    expect(clustered.test).toBe("paired-cluster-bootstrap");
    expect(clustered.delta).toBeCloseTo(plain.delta as number, 12);
    // 10 perfectly correlated cases per cluster: the standard error grows by about √10
    expect(width(clustered.ci)).toBeGreaterThan(2 * width(plain.ci));
    expect(clustered.p as number).toBeGreaterThan(plain.p as number);
    expect(clustered.mde as number).toBeGreaterThan(2 * (plain.mde as number));
    // the aggregate is clustered too, and the methods say how
    const cmp = compareRuns(base, cand, OPTS);
    expect(cmp.dimensions.aggregate.test).toBe("paired-cluster-bootstrap");
    expect(cmp.methods.clusters).toMatch(/20 clusters over 200 paired cases/);
  });

  it("pass/fail columns use the cluster bootstrap too, not McNemar (which assumes independent cases)", () => {
    const baseCases = [];
    const candCases = [];
    for (let g = 0; g < 12; g++) {
      for (let i = 0; i < 5; i++) {
        const id = `k${g}-${i}`;
        baseCases.push({ id, scores: { correct: g % 2 } });
        candCases.push({ id, scores: { correct: g % 3 === 0 ? 1 : g % 2 } });
      }
    }
    const base = syntheticRows({ id: "b", cases: baseCases });
    const cand = syntheticRows({ id: "c", cases: candCases });
    const plain = compareRuns(base, cand, OPTS).dimensions.correct;
    for (const rows of [base, cand]) {
      rows.cases.forEach((c, k) => {
        c.cluster = `k${Math.floor(k / 5)}`;
      });
    }
    const d = compareRuns(base, cand, OPTS).dimensions.correct;
    expect(plain.test).toBe("mcnemar-exact");
    expect(d.test).toBe("paired-cluster-bootstrap");
    expect(d.passRate.discordant).toEqual(plain.passRate.discordant);
    expect(d.passRate.p as number).toBeGreaterThan(plain.passRate.p as number);
    expect(d.p as number).toBeGreaterThan(plain.p as number);
  });

  it("one case per cluster behaves exactly like the plain paired bootstrap", () => {
    const [base, cand] = clusteredRuns((g, i) => `solo-${g}-${i}`);
    const [plainBase, plainCand] = clusteredRuns(() => undefined);
    const withSolo = compareRuns(base, cand, OPTS);
    const plain = compareRuns(plainBase, plainCand, OPTS);
    expect(withSolo.dimensions).toEqual(plain.dimensions);
    expect(withSolo.slices).toEqual(plain.slices);
    expect(withSolo.methods.clusters).toBeUndefined();
  });

  it("a single cluster cannot show a significant change: p = 1 and no interval", () => {
    const [base, cand] = clusteredRuns(() => "same");
    const d = compareRuns(base, cand, OPTS).dimensions.quality;
    expect(d.test).toBe("paired-cluster-bootstrap");
    expect(d.p).toBe(1);
    expect(d.ci).toBeNull();
    expect(d.verdict).toBe("underpowered");
    // a few repeated clusters among singletons is still clustered
    const [mixedBase, mixedCand] = clusteredRuns((g) => (g < 1 ? "one" : undefined));
    expect(compareRuns(mixedBase, mixedCand, OPTS).dimensions.quality.test).toBe("paired-cluster-bootstrap");
  });
});
