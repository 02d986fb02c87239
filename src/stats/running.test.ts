import { describe, expect, it } from "vitest";
import { clusteredStandardError } from "./clustered.ts";
import { meanWithStandardError } from "./intervals.ts";
import { createRng } from "./random.ts";
import { RunningMoments } from "./running.ts";

describe("RunningMoments", () => {
  const rng = createRng(5);
  const values = Array.from({ length: 500 }, () => rng.nextFloat());

  it("gives meanWithStandardError's mean (the same number), variance and t interval", () => {
    const m = new RunningMoments();
    for (const v of values) m.add(v);
    const exact = meanWithStandardError(values);
    expect(m.mean).toBe(exact.mean);
    expect(Math.sqrt(m.variance())).toBeCloseTo(exact.sd_sample, 12);
    expect(m.tInterval()[0]).toBeCloseTo(exact.ci_t[0], 12);
    expect(m.tInterval()[1]).toBeCloseTo(exact.ci_t[1], 12);
    expect(m.hasSharedClusters()).toBe(false);
  });

  it("gives clusteredStandardError's CR1 interval, values without a cluster counting as their own", () => {
    const m = new RunningMoments();
    const ids = values.map((_, i) => (i % 3 === 0 ? undefined : `g${i % 17}`));
    values.forEach((v, i) => {
      m.add(v, ids[i]);
    });
    const exact = clusteredStandardError(
      values,
      ids.map((c, i) => c ?? `\u0000${i}`),
    );
    expect(m.hasSharedClusters()).toBe(true);
    expect(m.clusterCount()).toBe(exact.clusters);
    expect(m.clusteredInterval()[0]).toBeCloseTo(exact.ci_cr1[0], 12);
    expect(m.clusteredInterval()[1]).toBeCloseTo(exact.ci_cr1[1], 12);
  });

  it("has no interval below two values or two clusters", () => {
    const m = new RunningMoments();
    expect(Number.isNaN(m.mean)).toBe(true);
    m.add(0.5, "a");
    expect(m.mean).toBe(0.5);
    expect(Number.isNaN(m.variance())).toBe(true);
    m.add(0.7, "a");
    expect(m.clusteredInterval().every(Number.isNaN)).toBe(true);
  });
});
